#!/usr/bin/env bash
# TCP through the simple services, against the kernel's TCP: time, echo, discard, chargen,
# resets for closed ports, several connections at once. The capture is kept on failure.
source "$(dirname "$0")/lib.sh"
it_begin tcp
it_namespace

if ! tap_host "$NS" --echo-port 7 --discard-port 9 --chargen-port 19 --pcap "$IT_WORK/tcp.pcap"; then
    fail "ternd starts" "no ready line"
    it_end
fi

check "TCP time: 4 bytes within ±2 s, then FIN" client "$NS" tcp-time 10.0.0.2 37
check "TCP to a closed port is refused" client "$NS" tcp-refused 10.0.0.2 4444
check "TCP echo of 4 KB, byte-exact" client "$NS" tcp-echo 10.0.0.2 7 4096
check "TCP echo of 1 MB, byte-exact" client "$NS" tcp-echo 10.0.0.2 7 1048576
check "TCP discard of 8 MB" client "$NS" tcp-discard 10.0.0.2 9 8388608
check "TCP chargen read of 8 MB" client "$NS" tcp-chargen 10.0.0.2 19 8388608

# Several at once: each client must get its own bytes back.
pids=()
for i in 1 2 3 4 5 6 7 8; do
    client "$NS" tcp-echo 10.0.0.2 7 262144 >"$IT_WORK/parallel-$i.txt" &
    pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
if [ "$failed" -eq 0 ]; then
    pass "8 TCP echo connections at once, 256 KB each"
else
    fail "8 TCP echo connections at once" "$failed failed: $(grep -h FAIL "$IT_WORK"/parallel-*.txt | head -1)"
fi

kill -USR1 "$TERND_PID"
sleep 0.3
connections=$(ip netns exec "$NS" ss -tan state established '( dport = :7 or dport = :9 or dport = :19 )' | tail -n +2 | wc -l)
if [ "$connections" -eq 0 ]; then
    pass "no connection left established on the kernel side"
else
    fail "connections left" "$connections still established"
fi
stop_ternd "$TERND_PID"
grep "counters:" "$IT_WORK/ternd.err" | tail -1 | sed 's/^/# /'
it_end
