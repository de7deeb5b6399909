#!/usr/bin/env bash
# Routes: replies to a peer outside the subnet go through --route or --gateway; without a
# route they are dropped.
source "$(dirname "$0")/lib.sh"
it_begin routing
it_namespace
# Addresses of the kernel outside the TAP's subnet, reachable through it from ternd's side.
ip netns exec "$NS" ip addr add 192.168.50.1/32 dev lo
ip netns exec "$NS" ip addr add 192.168.60.1/32 dev lo

ping_from() {
    ip netns exec "$NS" timeout 10 ping -c 2 -i 0.2 -W 1 -I "$1" 10.0.0.2 2>&1 | grep -q " 2 received"
}

if tap_host "$NS" --route 192.168.50.0/24 via 10.0.0.1; then
    if ping_from 192.168.50.1; then
        pass "--route 192.168.50.0/24 via 10.0.0.1: replies reach 192.168.50.1"
    else
        fail "--route" "no reply to 192.168.50.1"
    fi
    if ping_from 192.168.60.1; then
        fail "no route" "192.168.60.1 got replies without a route"
    else
        pass "no route to 192.168.60.1: no replies"
    fi
    stop_ternd "$TERND_PID"
else
    fail "ternd starts with --route" "no ready line"
fi

if tap_host "$NS" --gateway 10.0.0.1; then
    if ping_from 192.168.60.1; then
        pass "--gateway 10.0.0.1: replies reach 192.168.60.1"
    else
        fail "--gateway" "no reply to 192.168.60.1"
    fi
    stop_ternd "$TERND_PID"
else
    fail "ternd starts with --gateway" "no ready line"
fi

if tap_host "$NS" --route "192.168.50.0/24 via 10.0.0.1" --route 192.168.50.1/32 via 10.0.0.99; then
    # The /32 is more specific and points at a next hop that does not exist.
    if ping_from 192.168.50.1; then
        fail "longest prefix" "192.168.50.1 answered through the /24"
    else
        pass "longest prefix: the /32 via a missing next hop wins over the /24"
    fi
    sleep 3.5
    if grep -q "no ARP answer from 10.0.0.99" "$IT_WORK/ternd.err"; then
        pass "a failed resolution is logged as a warning"
    else
        fail "resolution failure warning" "not in the log"
    fi
    stop_ternd "$TERND_PID"
else
    fail "ternd starts with two routes" "no ready line"
fi
it_end
