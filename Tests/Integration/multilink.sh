#!/usr/bin/env bash
# One ternd on several links (--link): kernel host A and kernel host B each on a veth link
# to the ternd namespace R, and a TAP link inside R. ternd answers on every address, each
# link resolves its own neighbours, and routes pick the link by their next hop.
source "$(dirname "$0")/lib.sh"
it_begin multilink
it_namespace; A=$NS
it_namespace; R=$NS
it_namespace; B=$NS

# veth_link HOSTNS HOSTIF ADDRESS ROUTERIF: a veth pair between HOSTNS and R.
veth_link() {
    ip link add "$2" netns "$1" type veth peer name "$4" netns "$R"
    ip netns exec "$1" ip addr add "$3" dev "$2"
    ip netns exec "$1" ip link set "$2" up
    ip netns exec "$R" ip link set "$4" up
    # The kernel would hand over segmentation-offload super-frames larger than the MTU.
    if command -v ethtool >/dev/null; then ip netns exec "$1" ethtool -K "$2" tso off gso off >/dev/null 2>&1; fi
}
veth_link "$A" a0 10.1.0.1/24 r-a
veth_link "$B" b0 10.2.0.1/24 r-b
ip netns exec "$A" ip route add 10.0.0.0/8 via 10.1.0.254
ip netns exec "$B" ip route add 10.0.0.0/8 via 10.2.0.254

usage_rejected() {
    local name=$1
    shift
    if ip netns exec "$R" "$TERND" "$@" >/dev/null 2>"$IT_WORK/usage.err"; then
        fail "$name" "accepted"
    elif [ "$(wc -l <"$IT_WORK/usage.err")" -eq 1 ]; then
        pass "$name: $(cat "$IT_WORK/usage.err")"
    else
        fail "$name" "not one line: $(tr '\n' '|' <"$IT_WORK/usage.err")"
    fi
}
usage_rejected "--link with --tap is refused" --link packet:r-a,10.1.0.254/24 --tap t0 --address 10.5.0.2/24
usage_rejected "the same link twice is refused" --link packet:r-a,10.1.0.254/24 --link packet:r-a,10.2.0.254/24
usage_rejected "overlapping subnets are refused" --link packet:r-a,10.1.0.254/16 --link packet:r-b,10.1.5.254/24
usage_rejected "a route onto an unknown link is refused" --link packet:r-a,10.1.0.254/24 --route 10.9.0.0/16 dev r-x
usage_rejected "host-address on a packet link is refused" --link packet:r-a,10.1.0.254/24,host-address=10.1.0.9/24
usage_rejected "an unknown link option is refused" --link packet:r-a,10.1.0.254/24,speed=10
usage_rejected "a next hop on no link is refused" --link packet:r-a,10.1.0.254/24 --route 10.9.0.0/16 via 10.7.0.1

if ! start_ternd "$R" ternd --link packet:r-a,10.1.0.254/24 --link packet:r-b,10.2.0.254/24 \
        --link tap:r-t,10.3.0.254/24,host-address=10.3.0.1/24,mtu=1400 \
        --route 10.9.0.0/16 via 10.2.0.1 --echo-port 7 --http-port 0 --chat-port 0 --time-port 0; then
    fail "ternd starts on three links" "no ready line"
    it_end
fi
ready=$(cat "$IT_WORK/ternd.out")
if echo "$ready" | grep -q "10.1.0.254/24 .*packet socket on r-a.*10.2.0.254/24 .*packet socket on r-b.*10.3.0.254/24 .*TAP r-t.*MTU 1400"; then
    pass "the ready line lists each link: $ready"
else
    fail "ready line" "$ready"
fi

pings() { ip netns exec "$1" timeout 10 ping -c 3 -i 0.2 -W 2 "$2" 2>&1 | grep -q " 3 received"; }
for target in 10.1.0.254 10.2.0.254 10.3.0.254; do
    if pings "$A" "$target"; then pass "host A pings ternd's $target"; else fail "A pings $target" "no replies"; fi
done
if pings "$B" 10.2.0.254; then pass "host B pings ternd on its own link"; else fail "B pings 10.2.0.254" "no replies"; fi
if pings "$R" 10.3.0.254; then pass "the kernel side of the TAP link pings ternd"; else fail "TAP ping" "no replies"; fi
check "services answer on every address: TCP echo from A to 10.2.0.254" client "$A" tcp-echo 10.2.0.254 7 200000
check "UDP echo from B to 10.1.0.254 comes back from that address" client "$B" udp-echo 10.1.0.254 7 100 1472
if ip netns exec "$R" ip neigh show dev r-t 2>/dev/null | grep -q "10.3.0.254"; then
    pass "ternd answered ARP on the TAP link"
else
    fail "ARP on the TAP link" "$(ip netns exec "$R" ip neigh show dev r-t | tr '\n' ' ')"
fi
if ip netns exec "$A" timeout 5 ping -c 2 -i 0.2 -W 1 10.2.0.1 >/dev/null 2>&1; then
    fail "without --forward nothing passes" "A reached B through ternd"
else
    pass "without --forward nothing passes between the links"
fi
kill -USR1 "$TERND_PID"
sleep 0.3
stop_ternd "$TERND_PID"
if [ "$STOP_STATUS" -eq 0 ]; then pass "exits 0 on SIGTERM"; else fail "exit status" "$STOP_STATUS"; fi
if grep -q "r-b frames in" "$IT_WORK/ternd.err"; then
    pass "counters name each link"
else
    fail "per-link counters" "$(grep counters "$IT_WORK/ternd.err" | tail -1)"
fi
it_end
