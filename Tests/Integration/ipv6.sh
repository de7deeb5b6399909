#!/usr/bin/env bash
# IPv6 against the real kernel: ping -6 to the global and link-local addresses, ndisc6
# resolving ternd's MAC, the kernel's neighbour table, port unreachable for UDP, and
# duplicate address detection finding an address the kernel already has.
source "$(dirname "$0")/lib.sh"
it_begin ipv6
it_require ndisc6 tshark
it_namespace
PCAP=$IT_WORK/ipv6.pcap
LINK_LOCAL=fe80::aff:fe00:2

if ! tap_host "$NS" --address fd00::2/64 --echo-port 7 --pcap "$PCAP"; then
    fail "ternd starts" "no ready line"
    it_end
fi
ready=$(cat "$IT_WORK/ternd.out")
if echo "$ready" | grep -q "fd00::2/64 $LINK_LOCAL MAC"; then
    pass "the ready line shows the IPv6 addresses: $ready"
else
    fail "ready line" "$ready"
fi
# The kernel side: a global address of its own (no DAD wait for it).
ip netns exec "$NS" ip -6 addr add fd00::1/64 dev tern0 nodad

# ternd's addresses are tentative for its one second of duplicate address detection.
for _ in $(seq 10); do
    ip netns exec "$NS" ping -6 -c 1 -W 1 fd00::2 >/dev/null 2>&1 && break
done
out=$(ip netns exec "$NS" timeout 20 ping -6 -c 20 -i 0.05 -W 2 fd00::2 2>&1)
if echo "$out" | grep -q " 20 received, 0% packet loss"; then
    pass "ping -6 -c 20: no loss"
else
    fail "ping -6 -c 20" "$(echo "$out" | grep -E 'transmitted|error' | head -1)"
fi
out=$(ip netns exec "$NS" timeout 20 ping -6 -c 3 -i 0.2 -w 10 "$LINK_LOCAL%tern0" 2>&1)
if echo "$out" | grep -q " 3 received, 0% packet loss"; then
    pass "ping -6 $LINK_LOCAL%tern0 (link-local): no loss"
else
    fail "ping -6 link-local" "$(echo "$out" | grep -E 'transmitted|error' | head -1)"
fi
out=$(ip netns exec "$NS" timeout 20 ping -6 -c 2 -i 0.2 -W 2 -s 1400 -p 5a fd00::2 2>&1)
if echo "$out" | grep -q " 2 received, 0% packet loss" && echo "$out" | grep -q "1408 bytes from fd00::2"; then
    pass "ping -6 -s 1400 with a pattern: replies intact"
else
    fail "ping -6 -s 1400" "$(echo "$out" | grep -E 'transmitted|wrong|error' | head -1)"
fi

out=$(ip netns exec "$NS" timeout 20 ping -6 -c 3 -i 0.2 -W 2 -s 4000 fd00::2 2>&1)
if echo "$out" | grep -q " 3 received, 0% packet loss" && echo "$out" | grep -q "4008 bytes from fd00::2"; then
    pass "ping -6 -s 4000: 4008-byte replies, no loss"
else
    fail "ping -6 -s 4000" "$(echo "$out" | grep -E 'transmitted|error' | head -1)"
fi
out=$(ip netns exec "$NS" timeout 10 ping -6 -c 2 -i 0.2 -W 2 -s 20000 -p a5 fd00::2 2>&1)
if echo "$out" | grep -q " 2 received, 0% packet loss"; then
    pass "ping -6 -s 20000 with a pattern: replies intact"
else
    fail "ping -6 -s 20000" "$(echo "$out" | grep -E 'transmitted|wrong|error' | head -1)"
fi
out=$(ip netns exec "$NS" timeout 10 "$PY" -c '
import os, socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.settimeout(3)
data = os.urandom(65000)
s.sendto(data, ("fd00::2", 7))
got, peer = s.recvfrom(70000)
print("same" if got == data else "differs (%d bytes)" % len(got))
' 2>&1)
if [ "$out" = same ]; then
    pass "UDP echo of 65,000 bytes over IPv6: the same bytes back (fragments both ways)"
else
    fail "UDP echo of 65,000 bytes over IPv6" "$out"
fi

out=$(ip netns exec "$NS" timeout 10 ndisc6 -1 -r 3 -w 1000 fd00::2 tern0 2>&1)
if echo "$out" | grep -qi "Target link-layer address: 02:00:0A:00:00:02"; then
    pass "ndisc6 resolves fd00::2 to 02:00:0a:00:00:02"
else
    fail "ndisc6" "$(echo "$out" | tr '\n' ' ')"
fi
out=$(ip netns exec "$NS" timeout 10 ndisc6 -1 -r 3 -w 1000 "$LINK_LOCAL" tern0 2>&1)
if echo "$out" | grep -qi "Target link-layer address: 02:00:0A:00:00:02"; then
    pass "ndisc6 resolves the link-local address too"
else
    fail "ndisc6 link-local" "$(echo "$out" | tr '\n' ' ')"
fi
neigh=$(ip netns exec "$NS" ip -6 neigh show fd00::2 dev tern0)
if echo "$neigh" | grep -qi "lladdr 02:00:0a:00:00:02"; then
    pass "kernel neighbour table: fd00::2 is at 02:00:0a:00:00:02 ($(echo "$neigh" | awk '{print $NF}'))"
else
    fail "kernel neighbour table" "got '$neigh'"
fi

out=$(ip netns exec "$NS" timeout 10 ping -6 -c 1 -W 2 fd00::99 2>&1)
if echo "$out" | grep -q " 0 received"; then
    pass "no answer for another address on the prefix"
else
    fail "another address" "$(echo "$out" | grep transmitted)"
fi

# A connected UDP socket hears ECONNREFUSED from the ICMPv6 port unreachable.
out=$(ip netns exec "$NS" timeout 10 "$PY" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect(("fd00::2", 9999))
s.send(b"anyone?")
try:
    s.recv(100)
    print("answered")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
' 2>&1)
if [ "$out" = refused ]; then
    pass "UDP to a closed port over IPv6: port unreachable (ECONNREFUSED)"
else
    fail "UDP port unreachable over IPv6" "$out"
fi

stop_ternd "$TERND_PID"
dad=$(tshark -r "$PCAP" -Y "icmpv6.type==135 && ipv6.src==::" 2>/dev/null | wc -l)
if [ "$dad" -ge 2 ]; then
    pass "duplicate address detection at start: $dad solicitations from :: in the capture"
else
    fail "DAD solicitations" "$dad in the capture"
fi
frag_in=$(tshark -r "$PCAP" -Y "ipv6.src==fd00::1 && ipv6.fragment" 2>/dev/null | wc -l)
frag_out=$(tshark -r "$PCAP" -Y "ipv6.src==fd00::2 && ipv6.fragment" 2>/dev/null | wc -l)
if [ "$frag_in" -gt 0 ] && [ "$frag_out" -gt 0 ]; then
    pass "large pings were fragmented both ways ($frag_in fragments in, $frag_out out)"
else
    fail "fragments both ways" "$frag_in fragments from the kernel, $frag_out from ternd in the capture"
fi
warnings=$(tshark -r "$PCAP" -V -Y ipv6 2>&1 | grep -ciE "malformed|expert.*(warn|error)" || true)
if [ "$warnings" -eq 0 ]; then
    pass "tshark decodes the IPv6 traffic without warnings"
else
    fail "tshark warnings" "$warnings"
fi

# DAD finding a conflict: the kernel holds fd00::5 on one end of a veth pair; ternd, on
# the other end, is configured with it too.
ip netns exec "$NS" ip link add vk type veth peer name vt
ip netns exec "$NS" sysctl -qw net.ipv6.conf.vt.disable_ipv6=1
ip netns exec "$NS" ip link set vk up
ip netns exec "$NS" ip link set vt up
ip netns exec "$NS" ip -6 addr add fd00:5::5/64 dev vk nodad
if start_ternd "$NS" conflict --packet-socket vt --address 10.0.5.2/24 --address fd00:5::5/64; then
    for _ in $(seq 30); do grep -q "duplicate IPv6 address" "$IT_WORK/conflict.out" "$IT_WORK/conflict.err" && break; sleep 0.1; done
    warning=$(grep -h "duplicate IPv6 address" "$IT_WORK/conflict.out" "$IT_WORK/conflict.err" | head -1)
    if [ -n "$warning" ]; then
        pass "DAD finds the kernel's fd00:5::5 and warns: $warning"
    else
        fail "DAD conflict warning" "none in the daemon's output"
    fi
    for _ in $(seq 5); do
        ip netns exec "$NS" ping -6 -c 1 -W 1 "fe80::aff:fe00:502%vk" >/dev/null 2>&1 && break
    done
    out=$(ip netns exec "$NS" timeout 10 ping -6 -c 3 -i 0.3 -W 1 "fe80::aff:fe00:502%vk" 2>&1)
    if echo "$out" | grep -q " 3 received"; then
        pass "the link-local address, not in conflict, still works"
    else
        fail "link-local beside a duplicate" "$(echo "$out" | grep -E 'transmitted|error' | head -1)"
    fi
    stop_ternd "$TERND_PID"
else
    fail "ternd starts on the veth" "no ready line"
fi
# Bad IPv6 flags: one clear line and a non-zero exit, never a crash.
for args in "--tap t0 --address 10.0.0.2/24 --address fe80::5/64|link-local addresses come from" \
            "--tap t0 --address 10.0.0.2/24 --address fd00::2|needs a prefix length" \
            "--tap t0 --address 10.0.0.2/24 --address ff02::1/64|not a unicast host address" \
            "--link packet:r-a,10.1.0.254/24,fd00:1::1/64,fd00:1::5/64|overlaps another IPv6 address" \
            "--link packet:r-a,10.1.0.254/24,fd00:1::1/64 --forward --route fd00:5::/64 via fd00:9::2|on none of the links" \
            "--tap t0 --address 10.0.0.2/24 --slaac --forward|--slaac is for a host"; do
    flags=${args%%|*} expected=${args#*|}
    out=$("$TERND" $flags 2>&1)
    status=$?
    if [ "$status" -ne 0 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -qF -- "$expected"; then
        pass "ternd $flags: $out"
    else
        fail "ternd $flags" "status $status: $(echo "$out" | head -2 | tr '\n' '|')"
    fi
done
it_end
