#!/usr/bin/env bash
# The hostile-input battery (hostile.py): truncated headers at every layer, bad checksums,
# IHL < 5, lengths beyond the frame, TCP data offsets out of range, all 256 TCP flag
# combinations to an open and a closed port, SYN and ACK floods from spoofed addresses,
# blind RST/SYN into a live connection, overlapping fragments and a fragment flood, ARP
# spoofing of the daemon's address, the shortest and jumbo frames, random garbage.
# After each phase the daemon must answer ping, HTTP and chat, be back near its idle
# memory, and have counted what it dropped. Everything happens in this test's own
# namespace; frames go only into its TAP. Prints the table of phases at the end.
#
# HOSTILE_FLOOD=N changes the size of the floods (default 10000); HOSTILE_ONLY=a,b runs
# only those phases (hostile.py's method names); HOSTILE_RATE=N frames per second (20000).
source "$(dirname "$0")/lib.sh"
it_begin hostile
it_namespace

# No IPv6 on the TAP: the kernel's own router solicitations would blur the counters.
ip netns exec "$NS" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1

# A /16, so spoofed sources are many and the ARP cache and queue bounds are exercised.
# HOSTILE_TERND_ARGS adds flags (e.g. --no-offload).
if ! start_ternd "$NS" ternd --tap tern0 --address 10.0.0.2/16 --host-address 10.0.0.1/16 --echo-port 7 \
    ${HOSTILE_TERND_ARGS:-}; then
    fail "ternd starts" "no ready line"
    it_end
fi
PID=$TERND_PID
offloads=0
grep -q "with offloads" "$IT_WORK/ternd.out" && offloads=1
echo "# $(cat "$IT_WORK/ternd.out")"

ip netns exec "$NS" "$PY" "$IT_DIR/hostile.py" --pid "$PID" --log "$IT_WORK/ternd.err" \
    --interface tern0 --address 10.0.0.2 --prefix 16 --kernel-address 10.0.0.1 --offloads "$offloads" \
    --flood "${HOSTILE_FLOOD:-10000}" --rate "${HOSTILE_RATE:-20000}" ${HOSTILE_ONLY:+--only "$HOSTILE_ONLY"} \
    --table "$IT_WORK/hostile-table.md" 2>&1 | tee "$IT_WORK/battery.txt" | grep -v "^|"
IT_PASSED=$((IT_PASSED + $(grep -c "^PASS " "$IT_WORK/battery.txt")))
IT_FAILED=$((IT_FAILED + $(grep -c "^FAIL " "$IT_WORK/battery.txt")))
if grep -q "^Traceback" "$IT_WORK/battery.txt"; then
    fail "hostile.py" "$(grep -v '^|' "$IT_WORK/battery.txt" | tail -1)"
fi

if kill -0 "$PID" 2>/dev/null; then
    stop_ternd "$PID"
    if [ "$STOP_STATUS" -eq 0 ]; then
        pass "ternd exits 0 on SIGTERM after the battery"
    else
        fail "exit after the battery" "status $STOP_STATUS"
    fi
else
    fail "ternd alive after the battery" "the process is gone"
fi
if grep -qE "Fatal error|Stack trace|Backtrace|Illegal instruction|Segmentation" "$IT_WORK/ternd.err"; then
    fail "no crash" "$(grep -m1 -E "Fatal error|Illegal|Segmentation" "$IT_WORK/ternd.err")"
fi

echo "# frames sent per phase and the daemon's state after it:"
sed 's/^/# /' "$IT_WORK/hostile-table.md" 2>/dev/null
grep "counters:" "$IT_WORK/ternd.err" | tail -1 | sed 's/^.*counters: /# final counters: /'
it_end
