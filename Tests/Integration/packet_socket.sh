#!/usr/bin/env bash
# --packet-socket on one end of a veth pair (no address on it), the kernel on the other.
source "$(dirname "$0")/lib.sh"
it_begin packet-socket
it_namespace

ip netns exec "$NS" ip link add vk type veth peer name vt
ip netns exec "$NS" ip addr add 10.0.1.1/24 dev vk
ip netns exec "$NS" ip link set vk up
ip netns exec "$NS" ip link set vt up
# The kernel would hand over segmentation-offload super-frames larger than the MTU.
if command -v ethtool >/dev/null; then
    ip netns exec "$NS" ethtool -K vk tso off gso off >/dev/null 2>&1
fi

if ! start_ternd "$NS" ternd --packet-socket vt --address 10.0.1.2/24 --echo-port 7 --pcap "$IT_WORK/veth.pcap"; then
    fail "ternd starts on a packet socket" "no ready line"
    it_end
fi
pass "ternd starts on a packet socket: $(cat "$IT_WORK/ternd.out")"

if [ -z "$(ip netns exec "$NS" ip -4 addr show dev vt)" ]; then
    pass "the daemon's interface has no IPv4 address"
else
    fail "no address on vt" "$(ip netns exec "$NS" ip -4 addr show dev vt | tr '\n' ' ')"
fi

out=$(ip netns exec "$NS" timeout 20 ping -c 10 -i 0.05 -W 2 10.0.1.2 2>&1)
if echo "$out" | grep -q " 10 received, 0% packet loss"; then
    pass "ping from the other end of the veth: no loss"
else
    fail "ping over veth" "$(echo "$out" | grep -E 'transmitted|error' | head -1)"
fi
out=$(ip netns exec "$NS" timeout 20 ping -c 2 -i 0.2 -W 2 -s 4000 10.0.1.2 2>&1)
if echo "$out" | grep -q " 2 received, 0% packet loss"; then
    pass "ping -s 4000 over veth"
else
    fail "ping -s 4000 over veth" "$(echo "$out" | grep -E 'transmitted|error' | head -1)"
fi
check "UDP time over veth" client "$NS" udp-time 10.0.1.2 37
check "UDP echo over veth (checksums the kernel left to offload are completed)" client "$NS" udp-echo 10.0.1.2 7 100 1472 3000
check "TCP echo of 1 MB over veth" client "$NS" tcp-echo 10.0.1.2 7 1048576
ip netns exec "$NS" ip link set vt down
ip netns exec "$NS" timeout 5 ping -c 1 -W 1 10.0.1.2 >/dev/null 2>&1
ip netns exec "$NS" ip link set vt up
sleep 0.5
out=$(ip netns exec "$NS" timeout 10 ping -c 3 -i 0.2 -W 2 10.0.1.2 2>&1)
if kill -0 "$TERND_PID" 2>/dev/null && echo "$out" | grep -q " 3 received"; then
    pass "survives its interface going down and up, and answers again"
else
    fail "interface down and up" "$(tail -2 "$IT_WORK/ternd.err" | tr '\n' '|')"
fi
stop_ternd "$TERND_PID"
if [ "$STOP_STATUS" -eq 0 ]; then pass "exits 0 on SIGTERM"; else fail "exit status" "$STOP_STATUS"; fi
it_end
