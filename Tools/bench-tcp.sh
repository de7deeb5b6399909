#!/usr/bin/env bash
# Bulk TCP throughput, ternd against the Linux kernel, in one run (needs root):
#
#   sudo Tools/bench-tcp.sh [MIB]      # MIB per transfer, default 1000
#
# Measures, with the same Python client on the kernel side each time (1 MiB reads and
# writes, median of 3 runs):
#   - kernel→ternd (ternd's discard service) and ternd→kernel (its chargen service), over
#     a TAP with offloads (the default), with --no-offload, and both again with 1 % of
#     frames dropped each way by ternd's fault injector (--fault-drop 0.01);
#   - the same two transfers to the kernel's own TCP at the far end of a veth pair, with
#     offloads off (1500-byte frames end to end, like a TAP without offloads) and on, with
#     socat as discard and chargen servers; and both again with 1 % of the packets each
#     side receives dropped by iptables (`-m statistic`), when iptables is installed. With
#     offloads on, iptables sees the kernel's merged super-packets and drops them whole, as
#     ternd's fault injector does with the super-frames it receives.
# Everything runs in a network namespace this script makes (and a second one inside it for
# the veth peer); both are removed on exit. Uses the release ternd (builds it if missing).
set -euo pipefail

mib=${1:-1000}
root=$(cd "$(dirname "$0")/.." && pwd)
ternd=${TERND:-$root/.build/release/ternd}
if [ "$(id -u)" -ne 0 ]; then
    echo "bench-tcp.sh: needs root (network namespaces, TAP and veth devices)" >&2
    exit 1
fi
for tool in ip socat ethtool python3; do
    command -v "$tool" >/dev/null || { echo "bench-tcp.sh: $tool is missing" >&2; exit 1; }
done
if [ ! -x "$ternd" ]; then
    (cd "$root" && swift build -c release --static-swift-stdlib --product ternd >/dev/null)
fi

ns="tern-bench-tcp-$$"
peer="$ns-peer"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    ip netns del "$peer" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1

# measure HOST PORT discard|chargen: median Gbit/s of 3 transfers of $mib MiB.
measure() {
    ip netns exec "$ns" python3 - "$1" "$2" "$3" "$mib" <<'EOF'
import socket, statistics, sys, time
host, port, mode, mib = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
total = mib << 20
rates = []
for _ in range(3):
    s = socket.create_connection((host, port), timeout=60)
    start = time.monotonic()
    if mode == "discard":
        chunk = bytes(1 << 20)
        for _ in range(mib):
            s.sendall(chunk)
        s.shutdown(socket.SHUT_WR)
        s.recv(1)          # the server's FIN: everything arrived
    else:
        got = 0
        while got < total:
            data = s.recv(1 << 20)
            if not data:
                raise SystemExit("chargen: connection closed early")
            got += len(data)
    rates.append(total * 8 / (time.monotonic() - start) / 1e9)
    s.close()
print(f"{statistics.median(rates):.2f}")
EOF
}

# ternd on a TAP, with extra flags; prints "discard chargen".
ternd_run() {
    ip netns exec "$ns" "$ternd" --tap tbt0 --address 10.88.0.2/24 --host-address 10.88.0.1/24 \
        --http-port 0 --time-port 0 --chat-port 0 --discard-port 9 --chargen-port 19 "$@" \
        >/tmp/bench-tcp-ternd.log 2>&1 &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 100); do grep -q "^ternd ready" /tmp/bench-tcp-ternd.log 2>/dev/null && break; sleep 0.1; done
    local discard chargen
    discard=$(measure 10.88.0.2 9 discard)
    chargen=$(measure 10.88.0.2 19 chargen)
    kill -TERM "$pid"; wait "$pid" || true
    echo "$discard $chargen"
}

# the kernel at the far end of a veth pair, offloads on|off, optionally dropping a share
# of the packets each side receives; prints "discard chargen".
kernel_run() {
    ip netns add "$peer"
    ip netns exec "$peer" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link add vbt0 type veth peer name eth0 netns "$peer"
    if [ "$1" = off ]; then
        local features=(tso off gso off gro off tx off rx off sg off)
        ip netns exec "$ns" ethtool -K vbt0 "${features[@]}" >/dev/null
        ip netns exec "$peer" ethtool -K eth0 "${features[@]}" >/dev/null
    fi
    ip -n "$peer" addr add 10.89.0.2/24 dev eth0
    ip -n "$peer" link set eth0 up
    ip -n "$peer" link set lo up
    ip -n "$ns" addr add 10.89.0.1/24 dev vbt0
    ip -n "$ns" link set vbt0 up
    local drop=${2:-}
    if [ -n "$drop" ]; then
        for side in "$ns" "$peer"; do
            ip netns exec "$side" iptables -A INPUT -p tcp -m statistic --mode random --probability "$drop" -j DROP
        done
    fi
    ip netns exec "$peer" socat -u -b 1048576 TCP-LISTEN:9,fork,reuseaddr OPEN:/dev/null 2>/dev/null &
    local discard_server=$!
    ip netns exec "$peer" socat -u -b 1048576 OPEN:/dev/zero TCP-LISTEN:19,fork,reuseaddr 2>/dev/null &
    local chargen_server=$!
    pids+=("$discard_server" "$chargen_server")
    sleep 0.5
    local discard chargen
    discard=$(measure 10.89.0.2 9 discard)
    chargen=$(measure 10.89.0.2 19 chargen)
    kill -TERM "$discard_server" "$chargen_server" 2>/dev/null || true
    wait "$discard_server" "$chargen_server" 2>/dev/null || true
    ip -n "$ns" link del vbt0
    if [ -n "$drop" ]; then ip netns exec "$ns" iptables -F INPUT; fi
    ip netns del "$peer"
    echo "$discard $chargen"
}

echo "bench-tcp: $mib MiB per transfer, median of 3, Gbit/s"
printf '%-48s %10s %10s\n' "" "kernel→" "→kernel"
printf '%-48s %10s %10s\n' "" "(discard)" "(chargen)"
row() { printf '%-48s %10s %10s\n' "$1" "$2" "$3"; }
row "ternd, TAP with offloads" $(ternd_run)
row "ternd, TAP with offloads, 1% drop" $(ternd_run --fault-drop 0.01 --fault-seed 1)
row "ternd, TAP --no-offload" $(ternd_run --no-offload)
row "ternd, TAP --no-offload, 1% drop" $(ternd_run --no-offload --fault-drop 0.01 --fault-seed 1)
row "Linux, veth, offloads off (socat)" $(kernel_run off)
row "Linux, veth, offloads on (socat)" $(kernel_run on)
if command -v iptables >/dev/null; then
    row "Linux, veth, offloads off, 1% drop (iptables)" $(kernel_run off 0.01)
    row "Linux, veth, offloads on, 1% drop (iptables)" $(kernel_run on 0.01)
else
    row "Linux with 1% drop: no iptables, skipped" - -
fi
