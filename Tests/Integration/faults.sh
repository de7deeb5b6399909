#!/usr/bin/env bash
# --fault-*: a lossy link between the kernel and the stack. Loss must show, and TCP must
# still deliver every byte.
source "$(dirname "$0")/lib.sh"
it_begin faults
it_namespace

IT_LABEL=lossy
if ! tap_host "$NS" --echo-port 7 --fault-drop 0.1 --fault-seed 7 --pcap "$IT_WORK/lossy.pcap"; then
    fail "ternd starts with fault injection" "no ready line"
    it_end
fi
if grep -q "fault injection for testing: drop 0.1" "$IT_WORK/lossy.err"; then
    pass "fault injection is announced in the log"
else
    fail "fault injection announcement" "not in the log"
fi
out=$(ip netns exec "$NS" timeout 30 ping -c 50 -i 0.02 -W 1 10.0.0.2 2>&1)
received=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
if [ -n "$received" ] && [ "$received" -gt 20 ] && [ "$received" -lt 50 ]; then
    pass "ping over a 10% lossy link (both ways): $received of 50 answered"
else
    fail "lossy ping" "$(echo "$out" | grep transmitted)"
fi
# An ACK lost during retransmission backoff makes the next one echo an old timestamp, an
# RTT sample of seconds that inflates the RTO: allow time.
check "TCP echo of 128 KB over the lossy link, byte-exact" client "$NS" tcp-echo 10.0.0.2 7 131072 100
stop_ternd "$TERND_PID"
grep "counters:" "$IT_WORK/lossy.err" | tail -1 | sed 's/^.*counters: /# counters: /'

IT_LABEL=damaged
if tap_host "$NS" --echo-port 7 --fault-duplicate 0.1 --fault-reorder 0.1 --fault-corrupt 0.05 --fault-seed 3 \
    --pcap "$IT_WORK/damaged.pcap"; then
    check "TCP echo of 256 KB with duplicates, reordering and corruption" client "$NS" tcp-echo 10.0.0.2 7 262144
    check "UDP echo over the damaged link: what arrives is byte-exact" client "$NS" udp-echo-lossy 10.0.0.2 7 20
    stop_ternd "$TERND_PID"
    grep "counters:" "$IT_WORK/damaged.err" | tail -1 | sed 's/^.*counters: /# counters: /'
else
    fail "ternd starts with duplicate/reorder/corrupt" "no ready line"
fi
it_end
