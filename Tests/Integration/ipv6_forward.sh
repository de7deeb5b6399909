#!/usr/bin/env bash
# ternd as an IPv6 router (--forward) between kernel hosts that configure themselves from
# its router advertisements: A — ternd — B (MTU 1400) and a ternd host H with --slaac on a
# third link. ping -6 through it both ways, traceroute -6 and tracepath -6 see it as a
# router, and H takes its address and default router from the advertisements.
source "$(dirname "$0")/lib.sh"
it_begin ipv6_forward
it_require traceroute tracepath
it_namespace; A=$NS
it_namespace; R=$NS
it_namespace; B=$NS
it_namespace; H=$NS
ip link add a0 netns "$A" type veth peer name r-a netns "$R"
ip link add b0 netns "$B" type veth peer name r-b netns "$R"
ip link add h0 netns "$H" type veth peer name r-h netns "$R"
# The router's and H's kernels stay out of IPv6 on the links ternd works.
for link in r-a r-b r-h; do ip netns exec "$R" sysctl -qw "net.ipv6.conf.$link.disable_ipv6=1"; done
ip netns exec "$H" sysctl -qw net.ipv6.conf.h0.disable_ipv6=1
ip netns exec "$R" ip link set r-b mtu 1400
for link in r-a r-b r-h; do ip netns exec "$R" ip link set "$link" up; done
ip netns exec "$B" ip link set b0 mtu 1400
ip netns exec "$A" ip link set a0 up
ip netns exec "$B" ip link set b0 up
ip netns exec "$H" ip link set h0 up

if ! start_ternd "$R" router --link packet:r-a,10.1.0.254/24,fd00:1::1/64 \
        --link packet:r-b,10.2.0.254/24,fd00:2::1/64 --link packet:r-h,10.3.0.254/24,fd00:3::1/64 \
        --forward --http-port 0; then
    fail "ternd starts as a router" "no ready line"
    it_end
fi
pass "ternd routes IPv6: $(cat "$IT_WORK/router.out")"

# global_address NS IF: the kernel's autoconfigured global address, once it has one.
global_address() {
    local address
    for _ in $(seq 100); do
        address=$(ip netns exec "$1" ip -6 -o addr show dev "$2" scope global 2>/dev/null \
            | grep -v tentative | awk '{print $4}' | cut -d/ -f1 | head -1)
        [ -n "$address" ] && { echo "$address"; return 0; }
        sleep 0.1
    done
    return 1
}
# Router solicitations from the hosts' kernels bring the advertisements at once.
A6=$(global_address "$A" a0)
B6=$(global_address "$B" b0)
if [[ "$A6" == fd00:1::* && "$B6" == fd00:2::* ]]; then
    pass "the kernel hosts autoconfigure from ternd's advertisements: A $A6, B $B6"
else
    fail "SLAAC from ternd's advertisements" "A '$A6', B '$B6'"
    it_end
fi
route=$(ip netns exec "$A" ip -6 route show default)
if echo "$route" | grep -q "via fe80::aff:fe01:fe dev a0"; then
    pass "A's default route is ternd's link-local address: $route"
else
    fail "A's default route" "$route"
fi
mtu=$(ip netns exec "$B" cat /proc/sys/net/ipv6/conf/b0/mtu)
if [ "$mtu" = 1400 ]; then pass "B takes the MTU option: 1400"; else fail "B's MTU from the advertisement" "$mtu"; fi

for pair in "$A $B6 A B" "$B $A6 B A"; do
    set -- $pair
    out=$(ip netns exec "$1" timeout 15 ping -6 -c 3 -i 0.2 -W 2 "$2" 2>&1)
    if echo "$out" | grep -q " 3 received"; then
        pass "$3 pings $4 ($2) through ternd"
    else
        fail "$3 pings $4 through ternd" "$(echo "$out" | grep -E 'transmitted|rror' | head -1)"
    fi
done
hops=$(ip netns exec "$A" timeout 30 traceroute -6 -n -q 1 -w 2 -m 8 "$B6" 2>/dev/null | awk 'NR > 1 { print $2 }' | tr '\n' ' ')
if [ "$hops" = "fd00:1::1 $B6 " ]; then
    pass "traceroute -6 lists the router: $hops"
else
    fail "traceroute -6" "hops: $hops"
fi
path=$(ip netns exec "$A" timeout 30 tracepath -6 -n "$B6" 2>&1)
if echo "$path" | grep -q "pmtu 1400"; then
    pass "tracepath -6 finds the smaller MTU (packet too big from ternd): $(echo "$path" | grep -o 'pmtu 1400' | head -1)"
else
    fail "tracepath -6" "$(echo "$path" | tr '\n' '|')"
fi

# A ternd host autoconfiguring from the router: fd00:3:: and its EUI-64 identifier.
if start_ternd "$H" host --packet-socket h0 --address 10.3.0.5/24 --slaac; then
    H6=fd00:3::aff:fe03:5
    for _ in $(seq 30); do grep -q "autoconfigured" "$IT_WORK/host.err" "$IT_WORK/host.out" && break; sleep 0.1; done
    note=$(grep -h "autoconfigured" "$IT_WORK/host.err" "$IT_WORK/host.out" | head -1)
    if echo "$note" | grep -q "$H6/64"; then
        pass "ternd --slaac takes $H6 from the advertisement: $note"
    else
        fail "ternd --slaac" "no autoconfiguration line"
    fi
    for _ in $(seq 10); do ip netns exec "$A" ping -6 -c 1 -W 1 "$H6" >/dev/null 2>&1 && break; done
    out=$(ip netns exec "$A" timeout 15 ping -6 -c 3 -i 0.2 -W 2 "$H6" 2>&1)
    if echo "$out" | grep -q " 3 received"; then
        pass "A pings the autoconfigured ternd host through the router (its replies go by the default router)"
    else
        fail "A pings the SLAAC host" "$(echo "$out" | grep -E 'transmitted|rror' | head -1)"
    fi
    stop_ternd "$TERND_PID"
else
    fail "ternd --slaac starts" "no ready line"
fi
it_end
