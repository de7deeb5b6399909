#!/usr/bin/env bash
# Two virtual hosts claiming one address on a bridge: each logs the conflict as a warning.
source "$(dirname "$0")/lib.sh"
it_begin conflict
it_namespace
ip netns exec "$NS" ip link add br0 type bridge
ip netns exec "$NS" ip link set br0 up
for tap in tern0 tern1; do
    ip netns exec "$NS" ip tuntap add mode tap name "$tap"
    ip netns exec "$NS" ip link set "$tap" master br0
    ip netns exec "$NS" ip link set "$tap" up
done

if ! start_ternd "$NS" first --tap tern0 --address 10.0.0.2/24 --mac 02:00:00:00:00:01; then
    fail "first host starts" "no ready line"
    it_end
fi
FIRST=$TERND_PID
if ! start_ternd "$NS" second --tap tern1 --address 10.0.0.2/24 --mac 02:00:00:00:00:02; then
    fail "second host starts" "no ready line"
    it_end
fi
SECOND=$TERND_PID
# The hosts announce themselves again 2 s after start (RFC 5227): a bridge port whose
# carrier the kernel has not processed yet drops the first announcement.
for _ in $(seq 50); do
    grep -q "address conflict" "$IT_WORK/first.err" && grep -q "address conflict" "$IT_WORK/second.err" && break
    sleep 0.1
done
if grep -q "warning ternd: address conflict: 02:00:00:00:00:01 also answers for 10.0.0.2" "$IT_WORK/second.err"; then
    pass "the newcomer warns that 02:00:00:00:00:01 already answers for its address"
else
    fail "conflict warning (newcomer)" "$(grep -c conflict "$IT_WORK/second.err") conflict lines"
fi
if grep -q "warning ternd: address conflict: 02:00:00:00:00:02 also answers for 10.0.0.2" "$IT_WORK/first.err"; then
    pass "the first host warns about the newcomer's announcement"
else
    fail "conflict warning (first host)" "$(grep -c conflict "$IT_WORK/first.err") conflict lines"
fi
stop_ternd "$SECOND"
stop_ternd "$FIRST"
it_end
