#!/usr/bin/env bash
# ternd as a router (--forward): kernel host A — ternd — kernel host B, over packet-socket
# veth links and over TAP links; then a chain of three ternd routers. ping both ways,
# traceroute (UDP and ICMP), mtr and tracepath see the router as they see a Linux one, a TCP
# transfer through it is byte-exact, and without --forward nothing passes.
source "$(dirname "$0")/lib.sh"
it_begin forward
it_require traceroute tracepath socat sha256sum

MIB=${FORWARD_TEST_MIB:-100}
head -c $((MIB << 20)) /dev/urandom >"$IT_WORK/transfer.bin"
SENT_SUM=$(sha256sum <"$IT_WORK/transfer.bin" | cut -d' ' -f1)

# host_side NS IF ADDRESS GATEWAY [MTU]: addresses a kernel host's end of a link.
host_side() {
    ip netns exec "$1" ip link set "$2" mtu "${5:-1500}"
    ip netns exec "$1" ip addr add "$3" dev "$2"
    ip netns exec "$1" ip link set "$2" up
    ip netns exec "$1" ip route add 10.0.0.0/8 via "$4"
}
# no_offloads NS IF: the kernel would hand a packet socket super-frames larger than the MTU.
no_offloads() { ip netns exec "$1" ethtool -K "$2" tso off gso off >/dev/null 2>&1; }

pings() { ip netns exec "$1" timeout 15 ping -c 3 -i 0.2 -W 2 "$2" 2>&1 | grep -q " 3 received"; }

# traceroute_lists NS TARGET HOPS... [-- FLAGS]: traceroute -n from NS lists exactly HOPS.
traceroute_hops() {
    local ns=$1 target=$2
    shift 2
    ip netns exec "$ns" timeout 30 traceroute -n -q 1 -w 2 -m 8 "$@" "$target" 2>/dev/null \
        | awk 'NR > 1 { print $2 }' | tr '\n' ' ' | sed 's/ $//'
}

# the_checks LABEL A B: the checks through a router between host A (10.1.0.1) and host B
# (10.2.0.1, on a link of MTU 1400).
the_checks() {
    local label=$1 a=$2 b=$3 hops
    if pings "$a" 10.2.0.1; then pass "$label: A pings B through ternd"; else fail "$label: A pings B" "no replies"; fi
    if pings "$b" 10.1.0.1; then pass "$label: B pings A through ternd"; else fail "$label: B pings A" "no replies"; fi
    hops=$(traceroute_hops "$a" 10.2.0.1)
    if [ "$hops" = "10.1.0.254 10.2.0.1" ]; then
        pass "$label: traceroute -n (UDP) lists the router: $hops"
    else
        fail "$label: traceroute UDP" "hops: $hops"
    fi
    hops=$(traceroute_hops "$a" 10.2.0.1 -I)
    if [ "$hops" = "10.1.0.254 10.2.0.1" ]; then
        pass "$label: traceroute -n -I (ICMP) lists the router: $hops"
    else
        fail "$label: traceroute ICMP" "hops: $hops"
    fi
    if command -v mtr >/dev/null; then
        hops=$(ip netns exec "$a" timeout 30 mtr -n -r -c 2 10.2.0.1 2>/dev/null | awk '/\|--/ { print $2 }' | tr '\n' ' ' | sed 's/ $//')
        if [ "$hops" = "10.1.0.254 10.2.0.1" ]; then
            pass "$label: mtr lists the router: $hops"
        else
            fail "$label: mtr" "hops: $hops"
        fi
    else
        skip "$label: mtr" "mtr is not installed (mtr-tiny)"
    fi
    local path
    path=$(ip netns exec "$a" timeout 30 tracepath -n 10.2.0.1 2>&1)
    if echo "$path" | grep -q "pmtu 1400"; then
        pass "$label: tracepath finds the smaller MTU: $(echo "$path" | grep -o 'pmtu 1400' | head -1)"
    else
        fail "$label: tracepath" "$(echo "$path" | tr '\n' '|')"
    fi
    ip netns exec "$b" timeout 120 socat -u TCP-LISTEN:5001,reuseaddr - 2>/dev/null \
        | sha256sum | cut -d' ' -f1 >"$IT_WORK/received.sum" &
    local listener=$!
    sleep 0.3
    local start end
    start=$(date +%s%N)
    ip netns exec "$a" timeout 120 socat -u "FILE:$IT_WORK/transfer.bin" TCP:10.2.0.1:5001 2>/dev/null
    wait "$listener"
    end=$(date +%s%N)
    if [ "$(cat "$IT_WORK/received.sum")" = "$SENT_SUM" ]; then
        pass "$label: $MIB MiB TCP from A to B through ternd, sha256 matches ($(( (MIB << 20) / ((end - start) / 1000 + 1) )) MB/s)"
    else
        fail "$label: $MIB MiB TCP through ternd" "sha256 differs"
    fi
}

# --- packet-socket links on veth ---------------------------------------------------------
it_namespace; A=$NS
it_namespace; R=$NS
it_namespace; B=$NS
ip link add a0 netns "$A" type veth peer name r-a netns "$R"
ip link add b0 netns "$B" type veth peer name r-b netns "$R"
ip netns exec "$R" ip link set r-a up
ip netns exec "$R" ip link set r-b mtu 1400
ip netns exec "$R" ip link set r-b up
host_side "$A" a0 10.1.0.1/24 10.1.0.254
host_side "$B" b0 10.2.0.1/24 10.2.0.254 1400
no_offloads "$A" a0; no_offloads "$B" b0

if start_ternd "$R" plain --link packet:r-a,10.1.0.254/24 --link packet:r-b,10.2.0.254/24 --http-port 0; then
    if ip netns exec "$A" timeout 5 ping -c 2 -i 0.2 -W 1 10.2.0.1 >/dev/null 2>&1; then
        fail "without --forward nothing passes" "A reached B"
    else
        pass "without --forward nothing passes"
    fi
    stop_ternd "$TERND_PID"
else
    fail "ternd starts without --forward" "no ready line"
fi
if start_ternd "$R" packet --link packet:r-a,10.1.0.254/24 --link packet:r-b,10.2.0.254/24 --forward --http-port 0; then
    pass "ternd routes between packet links: $(cat "$IT_WORK/packet.out")"
    the_checks "packet links" "$A" "$B"
    stop_ternd "$TERND_PID"
else
    fail "ternd starts with --forward" "no ready line"
fi

# --- TAP links: each TAP made in R, attached to by ternd, then moved into its host --------
it_namespace; TA=$NS
it_namespace; TR=$NS
it_namespace; TB=$NS
ip netns exec "$TR" ip tuntap add mode tap name t-a
ip netns exec "$TR" ip tuntap add mode tap name t-b
if start_ternd "$TR" tap --link tap:t-a,10.1.0.254/24 --link tap:t-b,10.2.0.254/24,mtu=1400 --forward --http-port 0; then
    ip netns exec "$TR" ip link set t-a netns "$TA"
    ip netns exec "$TR" ip link set t-b netns "$TB"
    host_side "$TA" t-a 10.1.0.1/24 10.1.0.254
    host_side "$TB" t-b 10.2.0.1/24 10.2.0.254 1400
    pass "ternd routes between TAP links: $(cat "$IT_WORK/tap.out")"
    the_checks "TAP links" "$TA" "$TB"
    stop_ternd "$TERND_PID"
else
    fail "ternd starts on TAP links" "no ready line"
fi

# --- a chain of three ternd routers -------------------------------------------------------
# A 10.1.0.1 — R1 — 10.2.0.0/24 — R2 — 10.3.0.0/24 — R3 — B 10.4.0.1
it_namespace; CA=$NS
it_namespace; C1=$NS
it_namespace; C2=$NS
it_namespace; C3=$NS
it_namespace; CB=$NS
ip link add a0 netns "$CA" type veth peer name r1-a netns "$C1"
ip link add r1-b netns "$C1" type veth peer name r2-a netns "$C2"
ip link add r2-b netns "$C2" type veth peer name r3-a netns "$C3"
ip link add r3-b netns "$C3" type veth peer name b0 netns "$CB"
for pair in "$C1 r1-a" "$C1 r1-b" "$C2 r2-a" "$C2 r2-b" "$C3 r3-a" "$C3 r3-b"; do
    set -- $pair
    ip netns exec "$1" ip link set "$2" up
done
host_side "$CA" a0 10.1.0.1/24 10.1.0.254
host_side "$CB" b0 10.4.0.1/24 10.4.0.254
no_offloads "$CA" a0; no_offloads "$CB" b0
chain_ok=1
start_ternd "$C1" r1 --link packet:r1-a,10.1.0.254/24 --link packet:r1-b,10.2.0.1/24 --forward --http-port 0 \
    --gateway 10.2.0.2 || chain_ok=0
start_ternd "$C2" r2 --link packet:r2-a,10.2.0.2/24 --link packet:r2-b,10.3.0.1/24 --forward --http-port 0 \
    --route 10.1.0.0/24 via 10.2.0.1 --route 10.4.0.0/24 via 10.3.0.2 || chain_ok=0
start_ternd "$C3" r3 --link packet:r3-a,10.3.0.2/24 --link packet:r3-b,10.4.0.254/24 --forward --http-port 0 \
    --gateway 10.3.0.1 || chain_ok=0
if [ "$chain_ok" -eq 1 ]; then
    if pings "$CA" 10.4.0.1 && pings "$CB" 10.1.0.1; then
        pass "a chain of three ternd routers: A and B ping each other"
    else
        fail "chain of three: ping" "no replies"
    fi
    hops=$(traceroute_hops "$CA" 10.4.0.1)
    if [ "$hops" = "10.1.0.254 10.2.0.2 10.3.0.2 10.4.0.1" ]; then
        pass "a chain of three ternd routers: traceroute lists each: $hops"
    else
        fail "chain of three: traceroute" "hops: $hops"
    fi
else
    fail "a chain of three ternd routers" "a router did not start"
fi
it_end
