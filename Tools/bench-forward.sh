#!/usr/bin/env bash
# Forwarding through a ternd router against forwarding through the Linux kernel, in one run
# and one topology (needs root):
#
#   sudo Tools/bench-forward.sh [SECONDS]      # per measurement, default 10
#
# Kernel host A (10.1.0.1) — router — kernel host B (10.2.0.1), each host in its own
# namespace. The router is either ternd --forward in a namespace of its own, or that
# namespace's kernel with ip_forward=1 (set inside the namespace only). Measured with
# iperf3 (A sends, B receives), median of three runs:
#   - TCP throughput with offloads off everywhere: veth links, TSO/GSO/GRO and checksum
#     offload off on every end; ternd on packet sockets (1500-byte frames end to end);
#   - TCP throughput with offloads on: the kernel router on veth links with offloads, ternd
#     on TAP links with offloads (each TAP moved into its host's namespace), so TCP
#     super-segments cross the router whole;
#   - 64-byte UDP forwarding: 18-byte payloads (64-byte frames on the wire), the rate the
#     router delivers to B in packets per second, offloads off.
# Everything it makes is removed on exit. Uses the release ternd (builds it if missing).
set -euo pipefail

seconds=${1:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
ternd=${TERND:-$root/.build/release/ternd}
if [ "$(id -u)" -ne 0 ]; then
    echo "bench-forward.sh: needs root (network namespaces, veth and TAP devices)" >&2
    exit 1
fi
for tool in ip iperf3 ethtool python3; do
    command -v "$tool" >/dev/null || { echo "bench-forward.sh: $tool is missing" >&2; exit 1; }
done
if [ ! -x "$ternd" ]; then
    (cd "$root" && swift build -c release --static-swift-stdlib --product ternd >/dev/null)
fi

prefix="tern-bench-fwd-$$"
namespaces=()
pids=()
cleanup() {
    local pid ns
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    pids=()
    namespaces=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM
work=$(mktemp -d)
trap 'cleanup; rm -rf "$work"' EXIT

ns() { ip netns add "$prefix-$1"; namespaces+=("$prefix-$1"); ip netns exec "$prefix-$1" ip link set lo up; }
in_ns() { local n="$prefix-$1"; shift; ip netns exec "$n" "$@"; }
offloads() {  # offloads NS IF on|off
    in_ns "$1" ethtool -K "$2" tso "$3" gso "$3" gro "$3" tx "$3" rx "$3" >/dev/null 2>&1 || true
}
host() {  # host NS IF CIDR GATEWAY
    in_ns "$1" ip addr add "$3" dev "$2"
    in_ns "$1" ip link set "$2" up
    in_ns "$1" ip route add 10.0.0.0/8 via "$4"
}

# topology KIND OFFLOADS: A, R, B; KIND kernel or ternd; OFFLOADS on or off.
topology() {
    local kind=$1 off=$2
    ns a; ns r; ns b
    if [ "$kind" = ternd ] && [ "$off" = on ]; then
        in_ns r ip tuntap add mode tap name t-a
        in_ns r ip tuntap add mode tap name t-b
        start_ternd --link tap:t-a,10.1.0.254/24 --link tap:t-b,10.2.0.254/24
        in_ns r ip link set t-a netns "$prefix-a"
        in_ns r ip link set t-b netns "$prefix-b"
        host a t-a 10.1.0.1/24 10.1.0.254
        host b t-b 10.2.0.1/24 10.2.0.254
        return
    fi
    ip link add a0 netns "$prefix-a" type veth peer name r-a netns "$prefix-r"
    ip link add b0 netns "$prefix-b" type veth peer name r-b netns "$prefix-r"
    for end in "a a0" "b b0" "r r-a" "r r-b"; do
        set -- $end
        offloads "$1" "$2" "$off"
        in_ns "$1" ip link set "$2" up
    done
    host a a0 10.1.0.1/24 10.1.0.254
    host b b0 10.2.0.1/24 10.2.0.254
    if [ "$kind" = kernel ]; then
        in_ns r ip addr add 10.1.0.254/24 dev r-a
        in_ns r ip addr add 10.2.0.254/24 dev r-b
        in_ns r sysctl -qw net.ipv4.ip_forward=1
    else
        start_ternd --link packet:r-a,10.1.0.254/24 --link packet:r-b,10.2.0.254/24
    fi
}
start_ternd() {
    (exec ip netns exec "$prefix-r" "$ternd" "$@" --forward --http-port 0 --chat-port 0 --time-port 0 ${TERND_ARGS:-} \
        >"$work/ternd.out" 2>"$work/ternd.err") &
    pids+=($!)
    for _ in $(seq 100); do grep -q "^ternd ready:" "$work/ternd.out" 2>/dev/null && return 0; sleep 0.1; done
    echo "bench-forward.sh: ternd did not start: $(cat "$work/ternd.err")" >&2
    exit 1
}

# iperf MODE: one iperf3 run from A to B; prints Gbit/s (tcp) or received packets/s (udp).
iperf() {
    in_ns b iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
    local server=$!
    sleep 0.3
    local json
    if [ "$1" = tcp ]; then
        json=$(in_ns a iperf3 -c 10.2.0.1 -p 5201 -t "$seconds" -J 2>/dev/null || true)
        python3 -c '
import json, sys
d = json.load(sys.stdin)
print("%.2f" % (d["end"]["sum_received"]["bits_per_second"] / 1e9))' <<<"$json"
    else
        json=$(in_ns a iperf3 -c 10.2.0.1 -p 5201 -u -b 0 -l 18 -t "$seconds" -J 2>/dev/null || true)
        python3 -c '
import json, sys
d = json.load(sys.stdin)
s = d["end"]["sum"]
print("%.0f" % ((s["packets"] - s["lost_packets"]) / s["seconds"]))' <<<"$json"
    fi
    wait "$server" 2>/dev/null || true
}
median() { python3 -c 'import sys; v=sorted(float(x) for x in sys.argv[1:]); print(v[len(v)//2])' "$@"; }

measure() {  # measure KIND OFFLOADS MODE: median of three
    local results=() i
    topology "$1" "$2"
    for i in 1 2 3; do results+=("$(iperf "$3")"); done
    cleanup
    echo "$(median "${results[@]}") (runs: ${results[*]})"
}

echo "forwarding A → router → B, iperf3 ${seconds} s per run, median of 3"
echo "TCP, offloads off:  kernel router $(measure kernel off tcp) Gbit/s"
echo "TCP, offloads off:  ternd router  $(measure ternd off tcp) Gbit/s"
echo "TCP, offloads on:   kernel router $(measure kernel on tcp) Gbit/s"
echo "TCP, offloads on:   ternd router  $(measure ternd on tcp) Gbit/s"
echo "UDP 64-byte frames: kernel router $(measure kernel off udp) packets/s delivered"
echo "UDP 64-byte frames: ternd router  $(measure ternd off udp) packets/s delivered"
