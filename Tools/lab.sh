#!/usr/bin/env bash
# The networking course's topologies, built for real in network namespaces (needs root):
#
#   sudo Tools/lab.sh two             two computers on one link
#   sudo Tools/lab.sh switch          three computers on a switch (a Linux bridge)
#   sudo Tools/lab.sh router          two subnets joined by a ternd router
#   sudo Tools/lab.sh chain N         N ternd routers in a chain, static routes
#   sudo Tools/lab.sh ring N          N ternd routers in a ring, static routes
#   sudo Tools/lab.sh graph FILE      one ternd router per router of a tern-route graph,
#                                     static routes from tern-route's shortest-path trees
#
# Each prints what to try and waits until Ctrl-C, then removes everything it made.
# Options: --check SRC DST (graph, chain and ring: traceroute from the host at SRC's router
# to the host at DST's router must list exactly the routers `tern-route GRAPH SRC DST`
# prints, then exit with its verdict), --ipv6 (dual-stack: every link and host gets an
# IPv6 /64 beside its IPv4 subnet, fd00:AABB:CCDD::/64 for the IPv4 network
# AA.BB.CC.DD, the same host part; routes and --check's traceroute then go over IPv6
# too), --prefix P (namespace names start with P, default "lab"). TERND and TERN_ROUTE
# name the binaries (default: the release build if there is one, else the debug build).
# Nothing is configured outside the namespaces.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
topology=${1:-}
[ -z "$topology" ] && usage 2
[ "$topology" = "-h" ] || [ "$topology" = "--help" ] && usage 0
shift
count=""
graph=""
case "$topology" in
    two | switch | router) ;;
    chain | ring) count=${1:-}; shift || true
        [[ "$count" =~ ^[0-9]+$ ]] && [ "$count" -ge 1 ] && [ "$count" -le 200 ] \
            || { echo "lab.sh: $topology needs a router count, 1–200" >&2; exit 2; } ;;
    graph) graph=${1:-}; shift || true
        [ -f "$graph" ] || { echo "lab.sh: graph needs a tern-route JSON file" >&2; exit 2; } ;;
    *) echo "lab.sh: unknown topology $topology (try --help)" >&2; exit 2 ;;
esac
check_src="" check_dst="" prefix=lab ipv6=""
while [ $# -gt 0 ]; do
    case "$1" in
        --check) check_src=${2:?}; check_dst=${3:?}; shift 3 ;;
        --ipv6) ipv6=1; shift ;;
        --prefix) prefix=${2:?}; shift 2 ;;
        *) echo "lab.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done
if [ "$(id -u)" -ne 0 ]; then
    echo "lab.sh: needs root (network namespaces, veth pairs, TAP devices); try: sudo $0" >&2
    exit 1
fi
binary() {
    if [ -x "$root/.build/release/$1" ]; then echo "$root/.build/release/$1"; else echo "$root/.build/debug/$1"; fi
}
TERND=${TERND:-$(binary ternd)}
TERN_ROUTE=${TERN_ROUTE:-$(binary tern-route)}
[ -x "$TERND" ] || { echo "lab.sh: no ternd at $TERND (run swift build -c release)" >&2; exit 1; }

work=$(mktemp -d "/tmp/$prefix-XXXXXX")
chmod 755 "$work"
namespaces=()
pids=()
cleanup() {
    local pid ns
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# namespace NAME: a namespace $prefix-NAME with loopback up and no IPv6 chatter.
namespace() {
    local ns="$prefix-$1"
    ip netns add "$ns"
    namespaces+=("$ns")
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}
in_ns() { local ns="$prefix-$1"; shift; ip netns exec "$ns" "$@"; }

# ternd_in NAME ARGS...: starts ternd in namespace NAME and waits for its ready line.
ternd_in() {
    local name=$1
    shift
    mkdir -p "$work/www-$name"
    echo "<h1>ternd in $prefix-$name</h1>" >"$work/www-$name/index.html"
    chmod -R a+rX "$work/www-$name"
    (cd "$work" && exec ip netns exec "$prefix-$name" "$TERND" --www "$work/www-$name" --chat-port 0 \
        --time-port 0 --busy-poll 0 "$@") >"$work/$name.out" 2>"$work/$name.err" &
    pids+=($!)
    for _ in $(seq 150); do
        grep -q "^ternd ready:" "$work/$name.out" 2>/dev/null && return 0
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    echo "lab.sh: ternd in $prefix-$name did not start:" >&2
    sed 's/^/  /' "$work/$name.err" >&2
    exit 1
}

# veth NAME_A IF_A NAME_B IF_B: a veth pair between two namespaces, both ends up.
veth() {
    ip link add "$2" netns "$prefix-$1" type veth peer name "$4" netns "$prefix-$3"
    in_ns "$1" ip link set "$2" up
    in_ns "$3" ip link set "$4" up
}
# kernel_host NAME IF CIDR [GATEWAY]: the kernel in NAME as a host on IF, without
# segmentation offload towards a ternd packet socket.
kernel_host() {
    in_ns "$1" ip addr add "$3" dev "$2"
    in_ns "$1" ethtool -K "$2" tso off gso off >/dev/null 2>&1 || true
    [ -n "${4:-}" ] && in_ns "$1" ip route add default via "$4"
    return 0
}

# kernel_host6 NAME IF ADDRESS6 [GATEWAY6]: the same over IPv6 (--ipv6): IPv6 on for IF
# only (the namespaces start with it off), a fixed /64 address, no autoconfiguration.
kernel_host6() {
    in_ns "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=0" "net.ipv6.conf.$2.accept_ra=0"
    in_ns "$1" ip -6 addr add "$3/64" dev "$2" nodad
    [ -n "${4:-}" ] && in_ns "$1" ip -6 route add default via "$4"
    return 0
}
# v6 ADDRESS PREFIXLEN: the lab's IPv6 address for an IPv4 one (--ipv6): the IPv4
# network's 32 bits as the second and third groups after fd00, the host part last.
v6() {
    python3 -c 'import ipaddress, sys
a = ipaddress.IPv4Interface(sys.argv[1] + "/" + sys.argv[2])
net, host = int(a.network.network_address), int(a.ip) - int(a.network.network_address)
print(ipaddress.IPv6Address((0xfd00 << 112) | (net << 80) | host).compressed)' "$1" "$2"
}
# with6 SPEC ADDRESS PREFIXLEN: SPEC, plus ",IPV6/64" with --ipv6.
with6() { if [ -n "$ipv6" ]; then echo "$1,$(v6 "$2" "$3")/64"; else echo "$1"; fi; }

say() { printf '%s\n' "$@"; }
wait_for_user() {
    say "" "Ctrl-C removes everything."
    # Waiting in `wait` lets a signal run the cleanup at once.
    while true; do sleep 3600 & wait $!; done
}

case "$topology" in
two)
    namespace h1; namespace h2
    veth h1 eth0 h2 eth0
    kernel_host h1 eth0 10.0.0.1/24
    extra=()
    if [ -n "$ipv6" ]; then
        kernel_host6 h1 eth0 "$(v6 10.0.0.1 24)"
        extra=(--address "$(v6 10.0.0.2 24)/64")
    fi
    ternd_in h2 --packet-socket eth0 --address 10.0.0.2/24 "${extra[@]}"
    say "Two computers on one link: $prefix-h1 (Linux, 10.0.0.1) and $prefix-h2 (ternd, 10.0.0.2)." "" \
        "Try:" \
        "  sudo ip netns exec $prefix-h1 ping -c 3 10.0.0.2" \
        "  sudo ip netns exec $prefix-h1 arping -c 2 -I eth0 10.0.0.2" \
        "  sudo ip netns exec $prefix-h1 curl http://10.0.0.2/" \
        "  sudo ip netns exec $prefix-h1 ip neigh      # the MAC ternd answered ARP with"
    [ -n "$ipv6" ] && say "  sudo ip netns exec $prefix-h1 ping -6 -c 3 $(v6 10.0.0.2 24)" \
        "  sudo ip netns exec $prefix-h1 curl -g 'http://[$(v6 10.0.0.2 24)]/'" \
        "  sudo ip netns exec $prefix-h1 ip -6 neigh   # the MAC ternd answered neighbour discovery with"
    wait_for_user ;;
switch)
    namespace sw; namespace h1; namespace h2; namespace h3
    in_ns sw ip link add br0 type bridge
    in_ns sw ip link set br0 up
    for i in 1 2 3; do
        veth "h$i" eth0 sw "port$i"
        in_ns sw ip link set "port$i" master br0
    done
    kernel_host h1 eth0 10.0.0.1/24
    kernel_host h2 eth0 10.0.0.2/24
    extra=()
    if [ -n "$ipv6" ]; then
        kernel_host6 h1 eth0 "$(v6 10.0.0.1 24)"
        kernel_host6 h2 eth0 "$(v6 10.0.0.2 24)"
        extra=(--address "$(v6 10.0.0.3 24)/64")
    fi
    ternd_in h3 --packet-socket eth0 --address 10.0.0.3/24 "${extra[@]}"
    say "Three computers on a switch (the bridge br0 in $prefix-sw): $prefix-h1 (Linux, 10.0.0.1)," \
        "$prefix-h2 (Linux, 10.0.0.2) and $prefix-h3 (ternd, 10.0.0.3)." "" \
        "Try:" \
        "  sudo ip netns exec $prefix-h1 ping -c 3 10.0.0.2" \
        "  sudo ip netns exec $prefix-h2 curl http://10.0.0.3/" \
        "  sudo ip netns exec $prefix-sw bridge fdb show br br0 | grep -v permanent   # what the switch learnt" \
        "  sudo ip netns exec $prefix-h1 ping -c 1 -b 10.0.0.255   # a broadcast every port sees"
    [ -n "$ipv6" ] && say "  sudo ip netns exec $prefix-h1 ping -6 -c 3 $(v6 10.0.0.3 24)" \
        "  sudo ip netns exec $prefix-h1 ping -6 -c 2 ff02::1%eth0   # all nodes on the link answer"
    wait_for_user ;;
router)
    namespace h1; namespace r; namespace h2
    veth h1 eth0 r r-a
    veth h2 eth0 r r-b
    kernel_host h1 eth0 10.1.0.1/24 10.1.0.254
    extra=()
    if [ -n "$ipv6" ]; then
        kernel_host6 h1 eth0 "$(v6 10.1.0.1 24)" "$(v6 10.1.0.254 24)"
        # The ternd host takes its default router from the router's advertisements.
        extra=(--address "$(v6 10.2.0.1 24)/64")
    fi
    ternd_in r --link "$(with6 packet:r-a,10.1.0.254/24 10.1.0.254 24)" \
        --link "$(with6 packet:r-b,10.2.0.254/24 10.2.0.254 24)" --forward
    ternd_in h2 --packet-socket eth0 --address 10.2.0.1/24 --gateway 10.2.0.254 "${extra[@]}"
    say "Two subnets joined by a ternd router ($prefix-r, 10.1.0.254 and 10.2.0.254):" \
        "$prefix-h1 (Linux, 10.1.0.1) and $prefix-h2 (a ternd host, 10.2.0.1)." "" \
        "Try:" \
        "  sudo ip netns exec $prefix-h1 ping -c 3 10.2.0.1" \
        "  sudo ip netns exec $prefix-h1 traceroute -n 10.2.0.1" \
        "  sudo ip netns exec $prefix-h1 curl http://10.2.0.1/" \
        "  sudo ip netns exec $prefix-h1 ping -c 1 -t 1 10.2.0.1   # time exceeded from the router" \
        "  sudo kill -USR1 ${pids[0]}   # the router's counters, per link, in its log ($work/r.err)"
    [ -n "$ipv6" ] && say "  sudo ip netns exec $prefix-h1 ping -6 -c 3 $(v6 10.2.0.1 24)" \
        "  sudo ip netns exec $prefix-h1 traceroute -6 -n $(v6 10.2.0.1 24)" \
        "  sudo ip netns exec $prefix-h1 tracepath -6 -n $(v6 10.2.0.1 24)"
    wait_for_user ;;
esac

# Graph mode (also chain and ring): one namespace per router, named $prefix-rI; ternd in it
# routes between a TAP for its LAN, whose kernel side is the namespace's own kernel (the
# LAN's host), and one veth link per connection.
if [ -n "$count" ]; then
    graph="$work/$topology.json"
    python3 "$root/Tools/lab/plan.py" "--$topology" "$count" >"$graph"
fi
[ -x "$TERN_ROUTE" ] || { echo "lab.sh: no tern-route at $TERN_ROUTE" >&2; exit 1; }
python3 "$root/Tools/lab/plan.py" "$graph" "$TERN_ROUTE" >"$work/plan"
declare -A links routes address host prefixlen owner
while read -r kind a b c d; do
    case "$kind" in
        router) address[$a]=$b; prefixlen[$a]=$c; host[$a]=$d; owner[$b]=$a
            [ -n "$ipv6" ] && owner[$(v6 "$b" "$c")]=$a ;;
        link) links[$a]+=" n$b,$c"; links[$b]+=" n$a,$d"; owner[$c]=$a; owner[$d]=$b
            [ -n "$ipv6" ] && owner[$(v6 "$c" 30)]=$a && owner[$(v6 "$d" 30)]=$b
            ip netns list | grep -q "^$prefix-r$a\b" || namespace "r$a"
            ip netns list | grep -q "^$prefix-r$b\b" || namespace "r$b"
            ip link add "n$b" netns "$prefix-r$a" type veth peer name "n$a" netns "$prefix-r$b"
            in_ns "r$a" ip link set "n$b" up
            in_ns "r$b" ip link set "n$a" up ;;
        route) routes[$a]+=" --route $b via $c"
            [ -n "$ipv6" ] && routes[$a]+=" --route $(v6 "${b%/*}" "${b#*/}")/64 via $(v6 "$c" 30)" ;;
    esac
done <"$work/plan"
routers=${#address[@]}
for i in $(seq 0 $((routers - 1))); do
    ip netns list | grep -q "^$prefix-r$i\b" || namespace "r$i"
    lan="tap:lan,${address[$i]}/${prefixlen[$i]}"
    [ -n "$ipv6" ] && lan+=",$(v6 "${address[$i]}" "${prefixlen[$i]}")/64"
    arguments=(--link "$lan,host-address=${host[$i]}/${prefixlen[$i]}")
    for spec in ${links[$i]:-}; do
        arguments+=(--link "$(with6 "packet:${spec%%,*},${spec#*,}/30" "${spec#*,}" 30)")
    done
    # shellcheck disable=SC2206
    arguments+=(--forward ${routes[$i]:-})
    ternd_in "r$i" "${arguments[@]}"
    in_ns "r$i" ip route add default via "${address[$i]}"
    if [ -n "$ipv6" ]; then
        kernel_host6 "r$i" lan "$(v6 "${host[$i]}" "${prefixlen[$i]}")" "$(v6 "${address[$i]}" "${prefixlen[$i]}")"
    fi
done
say "$routers ternd routers from $graph; router I runs in namespace $prefix-rI, and the" \
    "namespace's own kernel is a host on the router's LAN:"
for i in $(seq 0 $((routers - 1))); do
    say "  $prefix-r$i: router ${address[$i]}/${prefixlen[$i]}, LAN host ${host[$i]}"
    [ -n "$ipv6" ] && say "        router $(v6 "${address[$i]}" "${prefixlen[$i]}")/64, LAN host $(v6 "${host[$i]}" "${prefixlen[$i]}")"
done

# hops_as_routers SRC_HOST DST_HOST: traceroute from the LAN host SRC to DST, each hop
# shown as the router it belongs to (by any of its addresses) or as the host itself.
# With --ipv6 the trace goes over IPv6 (TO is the IPv6 address; hops are shown as the
# routers' and host's IPv4 addresses, to compare with tern-route).
traceroute_routers() {
    local from=$1 to=$2 shown=${3:-$2} hop family=-4
    [ -n "$ipv6" ] && family=-6
    in_ns "r$from" traceroute "$family" -n -q 1 -w 2 -m 30 "$to" 2>/dev/null | awk 'NR > 1 { print $2 }' | while read -r hop; do
        if [ "$hop" = "$to" ]; then echo "$shown"
        elif [ -n "${owner[$hop]:-}" ]; then echo "${address[${owner[$hop]}]}"
        else echo "?$hop"; fi
    done | tr '\n' ' ' | sed 's/ $//'
}
# The router serving an address: the one whose LAN holds it.
router_of() {
    local i
    for i in $(seq 0 $((routers - 1))); do
        if python3 -c "import ipaddress,sys; sys.exit(0 if ipaddress.IPv4Address('$1') in ipaddress.IPv4Interface('${address[$i]}/${prefixlen[$i]}').network else 1)"; then
            echo "$i"; return 0
        fi
    done
    return 1
}

# ternd's IPv6 addresses are tentative for its one second of duplicate address detection.
[ -n "$ipv6" ] && sleep 1.5
if [ -n "$check_src" ]; then
    from=$(router_of "$check_src") || { echo "lab.sh: no router serves $check_src" >&2; exit 1; }
    to=$(router_of "$check_dst") || { echo "lab.sh: no router serves $check_dst" >&2; exit 1; }
    expected=$("$TERN_ROUTE" "$graph" "${host[$from]}" "${host[$to]}" | sed "s/.*\[//; s/\]//; s/[',]//g")
    expected="$expected ${host[$to]}"
    expected=${expected# }
    if [ -n "$ipv6" ]; then
        target=$(v6 "${host[$to]}" "${prefixlen[$to]}")
        actual=$(traceroute_routers "$from" "$target" "${host[$to]}")
        say "" "tern-route: ${host[$from]} -> ${host[$to]}: $expected" \
            "traceroute -6: $(v6 "${host[$from]}" "${prefixlen[$from]}") -> $target: $actual"
    else
        actual=$(traceroute_routers "$from" "${host[$to]}")
        say "" "tern-route: ${host[$from]} -> ${host[$to]}: $expected" "traceroute: ${host[$from]} -> ${host[$to]}: $actual"
    fi
    if [ "$actual" = "$expected" ]; then
        say "the packets follow tern-route's path"
        exit 0
    fi
    say "the packets do NOT follow tern-route's path"
    exit 1
fi
last=$((routers - 1))
say "" "Try (the hops are the routers' addresses on the links back towards you):" \
    "  sudo ip netns exec $prefix-r0 traceroute -n ${host[$last]}" \
    "  $TERN_ROUTE $graph ${host[0]} ${host[$last]}" \
    "  sudo ip netns exec $prefix-r0 ping -c 3 ${host[$last]}" \
    "  sudo ip netns exec $prefix-r0 curl http://${address[$last]}/    # the far router's web server" \
    "  sudo ip netns exec $prefix-r0 tracepath -n ${host[$last]}"
[ -n "$ipv6" ] && say "  sudo ip netns exec $prefix-r0 traceroute -6 -n $(v6 "${host[$last]}" "${prefixlen[$last]}")" \
    "  sudo ip netns exec $prefix-r0 ping -6 -c 3 $(v6 "${host[$last]}" "${prefixlen[$last]}")"
wait_for_user
