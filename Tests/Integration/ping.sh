#!/usr/bin/env bash
# ICMP and ARP against the real kernel: ping (plain and fragmented both ways), arping,
# and the kernel's neighbour table.
source "$(dirname "$0")/lib.sh"
it_begin ping
it_namespace
PCAP=$IT_WORK/ping.pcap

if ! tap_host "$NS" --pcap "$PCAP"; then
    fail "ternd starts" "no ready line"
    it_end
fi
pass "ternd starts and prints its ready line"

out=$(ip netns exec "$NS" timeout 20 ping -c 20 -i 0.05 -W 2 10.0.0.2 2>&1)
if echo "$out" | grep -q " 20 received, 0% packet loss"; then
    pass "ping -c 20: no loss"
else
    fail "ping -c 20" "$(echo "$out" | grep -E 'transmitted|error' | head -1)"
fi

out=$(ip netns exec "$NS" timeout 20 ping -c 3 -i 0.2 -W 2 -s 4000 10.0.0.2 2>&1)
if echo "$out" | grep -q " 3 received, 0% packet loss" && echo "$out" | grep -q "4008 bytes from 10.0.0.2"; then
    pass "ping -s 4000: 4008-byte replies, no loss"
else
    fail "ping -s 4000" "$(echo "$out" | grep -E 'transmitted|error' | head -1)"
fi

out=$(ip netns exec "$NS" timeout 10 ping -c 2 -i 0.2 -W 2 -s 8000 -p 5a 10.0.0.2 2>&1)
if echo "$out" | grep -q " 2 received, 0% packet loss"; then
    pass "ping -s 8000 with a pattern: replies intact"
else
    fail "ping -s 8000" "$(echo "$out" | grep -E 'transmitted|wrong|error' | head -1)"
fi

out=$(ip netns exec "$NS" timeout 10 arping -c 3 -w 5 -I tern0 10.0.0.2 2>&1)
if echo "$out" | grep -qiE "Received 3 response|3 packets received" && echo "$out" | grep -qi "02:00:0A:00:00:02"; then
    pass "arping: 3 answers from 02:00:0a:00:00:02"
else
    fail "arping" "$(echo "$out" | tail -2 | tr '\n' ' ')"
fi

neigh=$(ip netns exec "$NS" ip neigh show 10.0.0.2 dev tern0)
if echo "$neigh" | grep -qi "lladdr 02:00:0a:00:00:02"; then
    pass "kernel neighbour table: 10.0.0.2 is at 02:00:0a:00:00:02"
else
    fail "kernel neighbour table" "got '$neigh'"
fi

out=$(ip netns exec "$NS" timeout 10 ping -c 1 -W 2 10.0.0.99 2>&1)
if echo "$out" | grep -q " 0 received"; then
    pass "no answer for another address on the subnet"
else
    fail "another address" "$(echo "$out" | grep transmitted)"
fi

stop_ternd "$TERND_PID"
# Fragments in the capture: the kernel's request and our reply were both cut up.
frag_in=$(tshark -r "$PCAP" -Y "ip.src==10.0.0.1 && (ip.flags.mf==1 || ip.frag_offset>0)" 2>/dev/null | wc -l)
frag_out=$(tshark -r "$PCAP" -Y "ip.src==10.0.0.2 && (ip.flags.mf==1 || ip.frag_offset>0)" 2>/dev/null | wc -l)
if [ "$frag_in" -gt 0 ] && [ "$frag_out" -gt 0 ]; then
    pass "ping -s 4000 was fragmented both ways ($frag_in fragments in, $frag_out out)"
else
    fail "fragmentation both ways" "$frag_in fragments from the kernel, $frag_out from ternd in the capture"
fi
it_end
