#!/usr/bin/env bash
# wrk against the web server. With `Connection: close` every request is a new connection
# that ternd closes first, so ternd holds TIME-WAIT while Linux reuses the client ports
# within seconds: a stack that refuses those SYNs stalls. The run must end with no socket
# errors, and the responses counted in each second of it (a wrk Lua script keeps the count)
# must stay steady. Then a keep-alive run, also without errors.
source "$(dirname "$0")/lib.sh"
it_begin wrk
it_require wrk
it_namespace

if ! tap_host "$NS" --pcap "$IT_WORK/wrk.pcap"; then
    fail "ternd starts" "no ready line"
    it_end
fi

# Counts responses per second of the run over all threads; prints "per-second: N N …".
cat >"$IT_WORK/per-second.lua" <<'EOF'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {} started = os.time() end
function response(status, headers, body)
  local second = os.time() - started + 1
  counts[second] = (counts[second] or 0) + 1
end
function done(summary, latency, requests)
  local total, last = {}, 0
  for _, thread in ipairs(threads) do
    for second, n in pairs(thread:get("counts")) do
      total[second] = (total[second] or 0) + n
      if second > last then last = second end
    end
  end
  local line = "per-second:"
  for second = 1, last do line = line .. " " .. (total[second] or 0) end
  print(line)
end
EOF

# no_errors FILE: wrk's output shows requests, no socket errors and no error statuses.
no_errors() {
    local out=$1 requests
    requests=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$out")
    if [ -z "$requests" ] || [ "$requests" -eq 0 ]; then
        echo "no requests completed: $(tr '\n' ' ' <"$out")"
        return 1
    fi
    if grep -q "Socket errors" "$out"; then
        echo "$(grep "Socket errors" "$out" | sed 's/^ *//')"
        return 1
    fi
    if grep -q "Non-2xx" "$out"; then
        echo "$(grep "Non-2xx" "$out" | sed 's/^ *//')"
        return 1
    fi
    echo "$requests requests, $(sed -n 's/^Requests\/sec: *//p' "$out") per second, no errors"
}

# steady FILE: every whole second of the run (the first and last are partial) completed at
# least a quarter of the median count. A stall on refused SYNs costs the kernel's 1 s (then
# 3 s) SYN retransmission: seconds with next to nothing; a busy machine costs far less.
steady() {
    local counts
    counts=$(sed -n 's/^per-second: //p' "$1")
    [ -n "$counts" ] || { echo "no per-second counts in wrk's output"; return 1; }
    "$PY" - $counts <<'EOF'
import statistics
import sys
counts = [int(n) for n in sys.argv[1:]]
whole = counts[1:-1]
if len(whole) < 7:
    sys.exit(f"only {len(whole)} whole seconds: {counts}")
median = statistics.median(whole)
low = [n for n in whole if n < median / 4]
if low:
    sys.exit(f"stalled: seconds with {low} responses against a median of {median:.0f} ({counts})")
print(f"responses per second: {' '.join(map(str, counts))}")
EOF
}

ip netns exec "$NS" timeout 60 wrk -t1 -c16 -d10 -H 'Connection: close' -s "$IT_WORK/per-second.lua" \
    http://10.0.0.2/ >"$IT_WORK/close.txt" 2>&1
check_noted "wrk -t1 -c16 -d10 -H 'Connection: close': no socket errors, every response 200" no_errors "$IT_WORK/close.txt"
check_noted "connections per second steady for the whole run (no stall on TIME-WAIT ports)" steady "$IT_WORK/close.txt"

kill -USR1 "$TERND_PID"
sleep 0.3
reused=$(grep "counters:" "$IT_WORK/ternd.err" | tail -1 | sed -n 's/.*TIME-WAIT connections reused by a new SYN: \([0-9]*\).*/\1/p')
if [ "${reused:-0}" -gt 0 ]; then
    pass "the run made Linux reuse ports ternd held in TIME-WAIT ($reused new SYNs accepted)"
else
    fail "TIME-WAIT reuse" "the counter shows none: the run did not exercise it"
fi

ip netns exec "$NS" timeout 30 wrk -t1 -c16 -d3 http://10.0.0.2/ >"$IT_WORK/keep-alive.txt" 2>&1
check_noted "wrk -t1 -c16 -d3 keep-alive: no socket errors, every response 200" no_errors "$IT_WORK/keep-alive.txt"
stop_ternd "$TERND_PID"
h11_check "$IT_WORK/wrk.pcap"
it_end
