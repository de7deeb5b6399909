#!/usr/bin/env bash
# The soak (long; not part of the default test run): 100,000 sequential HTTP connections
# and 10,000 chat joins and leaves against one ternd, its RSS at the start and the end
# (it must stay flat), then 1,000 idle connections held open (HTTP without a request, and
# chat clients after their hello), each set costing at most 4 MiB of private memory
# (RssAnon), 10,000 keep-alive connections idle after one request each (at most 2 KiB of
# private memory each, RSS back within 1.5 times start-up after they close), and a burst of
# 1,000 concurrent downloads after which the daemon's RSS must be
# back within 1.5 times its start-up figure in 10 s. Needs root; runs in a network
# namespace of its own, like the integration tests.
#
#   swift build -c release --product ternd && Tests/Soak/soak.sh
#
# TERND=path picks the binary (default: the release build); SOAK_HTTP, SOAK_CHAT,
# SOAK_IDLE and SOAK_BURST change the counts (Tests/Integration/soak_short.sh runs a short
# one).
here=$(cd "$(dirname "$0")" && pwd)
export TERND=${TERND:-$(cd "$here/../.." && pwd)/.build/release/ternd}
source "$here/../Integration/lib.sh"
it_begin "${SOAK_NAME:-soak}"
it_namespace

idle=${SOAK_IDLE:-1000}
burst=${SOAK_BURST:-1000}
echo "# ternd: $TERND"
# A file larger than the web server's 64 KiB chunk, so the burst streams it.
head -c $((256 * 1024)) /dev/urandom >"$IT_WORK/www/burst.bin"
chmod a+r "$IT_WORK/www/burst.bin"

# phase NAME ARGS...: a fresh daemon for one phase of soak.py, stopped after it.
phase() {
    local name=$1
    shift
    IT_LABEL=$name
    local connections=$((idle > burst ? idle + 100 : burst + 100))
    if ! tap_host "$NS" --max-chat-clients $((idle + 100)) --max-connections $connections \
        --syn-queue $connections --listen-backlog $connections; then
        fail "ternd starts for $name" "no ready line"
        return
    fi
    [ -n "${IT_BEFORE_PHASE:-}" ] && "$IT_BEFORE_PHASE"
    ip netns exec "$NS" "$PY" "$here/soak.py" --phase "$name" --pid "$TERND_PID" --host 10.0.0.2 "$@" 2>&1 \
        | tee "$IT_WORK/$name.txt"
    IT_PASSED=$((IT_PASSED + $(grep -c "^PASS " "$IT_WORK/$name.txt")))
    IT_FAILED=$((IT_FAILED + $(grep -c "^FAIL " "$IT_WORK/$name.txt")))
    if grep -q "^Traceback" "$IT_WORK/$name.txt"; then
        fail "soak.py --phase $name" "$(tail -1 "$IT_WORK/$name.txt")"
    fi
    if kill -0 "$TERND_PID" 2>/dev/null; then
        stop_ternd "$TERND_PID"
        if [ "$STOP_STATUS" -eq 0 ]; then pass "$name: ternd exits 0"; else fail "$name: exit" "status $STOP_STATUS"; fi
    else
        fail "$name: ternd alive at the end" "the process is gone"
    fi
}

# Idle connections, each set on a fresh daemon so nothing left in its heap from earlier
# traffic hides what they cost.
phase burst --burst "$burst"
phase idle-http --idle "$idle"
phase idle-chat --idle "$idle"
# Many keep-alive connections, idle after one request each, from eight client addresses
# (as many clients would be): each may cost at most 2 KiB of private memory, and the daemon
# comes back within 1.5 times its start-up RSS once they close.
keepalive=${SOAK_KEEPALIVE:-10000}
sources=""
for i in $(seq 11 18); do sources+="10.0.0.$i,"; done
idle_saved=$idle
idle=$keepalive
keepalive_phase() {
    for i in $(seq 11 18); do ip netns exec "$NS" ip addr add "10.0.0.$i/24" dev tern0 2>/dev/null; done
}
IT_BEFORE_PHASE=keepalive_phase phase keepalive --keepalive "$keepalive" --sources "${sources%,}"
idle=$idle_saved
phase sequential --http "${SOAK_HTTP:-100000}" --chat "${SOAK_CHAT:-10000}"

grep "counters:" "$IT_WORK/sequential.err" | tail -1 | sed 's/^.*counters: /# final counters: /'
it_end
