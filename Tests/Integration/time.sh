#!/usr/bin/env bash
# The Time Protocol (RFC 868) on the virtual host, rdate-style, over TCP and UDP: tern-time
# and a Python client both read a value within ±2 s of the system clock.
source "$(dirname "$0")/lib.sh"
it_begin time
it_require "$TERN_BIN/tern-time"
it_namespace

if ! tap_host "$NS"; then
    fail "ternd starts" "no ready line"
    it_end
fi

# tern_time_close ARGS...: tern-time prints "Server time: N" and "System time: N" (seconds
# since 1900); they must be within 2 s.
tern_time_close() {
    local out server system
    out=$(ip netns exec "$NS" timeout 10 "$TERN_BIN/tern-time" "$@" 2>&1) || { echo "tern-time: $out"; return 1; }
    server=$(sed -n 's/^Server time: \([0-9]*\)$/\1/p' <<<"$out")
    system=$(sed -n 's/^System time: \([0-9]*\)$/\1/p' <<<"$out")
    if [ -z "$server" ] || [ -z "$system" ]; then
        echo "unexpected output: $(tr '\n' '|' <<<"$out")"
        return 1
    fi
    local difference=$((server - system))
    echo "server $server, system $system ($difference s)"
    [ ${difference#-} -le 2 ]
}

check_noted "tern-time 10.0.0.2 (TCP, port 37): within ±2 s" tern_time_close 10.0.0.2
check_noted "tern-time 10.0.0.2 --udp: within ±2 s" tern_time_close 10.0.0.2 --udp
check_noted "Python, TCP: 4 bytes within ±2 s, then the server's FIN" client "$NS" tcp-time 10.0.0.2 37
check_noted "Python, UDP: a 4-byte datagram within ±2 s" client "$NS" udp-time 10.0.0.2 37
stop_ternd "$TERND_PID"

IT_LABEL=port
if tap_host "$NS" --time-port 3737; then
    check_noted "--time-port 3737: tern-time --port 3737 over TCP" tern_time_close 10.0.0.2 --port 3737
    check_noted "--time-port 3737: tern-time --port 3737 --udp" tern_time_close 10.0.0.2 --port 3737 --udp
    check "--time-port 3737: nothing on 37 any more (TCP refused)" client "$NS" tcp-refused 10.0.0.2 37
    stop_ternd "$TERND_PID"
else
    fail "ternd starts with --time-port 3737" "no ready line"
fi
it_end
