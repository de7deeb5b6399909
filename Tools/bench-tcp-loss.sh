#!/usr/bin/env bash
# Uploads under loss, ternd against the Linux kernel as the receiver (needs root):
#
#   sudo Tools/bench-tcp-loss.sh [MIB]      # MiB per upload, default 50
#
# The same Python client, the kernel's TCP as the sender, writes MIB MiB to a discard
# server, half-closes and waits for the server's FIN (every byte has arrived). The servers:
#   - ternd's discard service on a TAP with --no-offload (1500-byte frames), its fault
#     injector dropping a share of the frames each way (--fault-drop, fixed seed);
#   - socat, the kernel's TCP as the receiver, at the far end of a veth pair with offloads
#     off, iptables (`-m statistic`) dropping the same share of the TCP packets each side
#     receives.
# Loss-free, then 1 %, 5 % and 10 %: the median of 3 uploads in seconds each, and ternd's
# time over the kernel's. An upload that has not ended after 120 s counts as a stall
# (printed as such; the median then says "stall" when two of three stalled).
# Everything runs in a network namespace this script makes (and a second one inside it for
# the veth peer); both are removed on exit. Uses the release ternd (builds it if missing).
set -euo pipefail

mib=${1:-50}
root=$(cd "$(dirname "$0")/.." && pwd)
ternd=${TERND:-$root/.build/release/ternd}
if [ "$(id -u)" -ne 0 ]; then
    echo "bench-tcp-loss.sh: needs root (network namespaces, TAP and veth devices)" >&2
    exit 1
fi
for tool in ip socat ethtool iptables python3; do
    command -v "$tool" >/dev/null || { echo "bench-tcp-loss.sh: $tool is missing" >&2; exit 1; }
done
if [ ! -x "$ternd" ]; then
    (cd "$root" && swift build -c release --static-swift-stdlib --product ternd >/dev/null)
fi

ns="tern-bench-loss-$$"
peer="$ns-peer"
log=$(mktemp /tmp/bench-tcp-loss-XXXXXX.log)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    ip netns del "$peer" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1

# upload HOST: the median of 3 uploads of $mib MiB to HOST's discard port, in seconds.
upload() {
    ip netns exec "$ns" python3 - "$1" "$mib" <<'PYTHON'
import socket, statistics, sys, time
host, mib = sys.argv[1], int(sys.argv[2])
limit = 120.0
times = []
for _ in range(3):
    start = time.monotonic()
    try:
        s = socket.create_connection((host, 9), timeout=limit)
        chunk = bytes(1 << 20)
        for _ in range(mib):
            s.sendall(chunk)
            if time.monotonic() - start > limit:
                raise TimeoutError
        s.shutdown(socket.SHUT_WR)
        s.settimeout(max(1.0, limit - (time.monotonic() - start)))
        if s.recv(1):
            raise SystemExit("discard sent data")
        times.append(time.monotonic() - start)
    except (TimeoutError, socket.timeout):
        times.append(float("inf"))
    s.close()
median = statistics.median(times)
print("stall" if median == float("inf") else f"{median:.2f}")
PYTHON
}

# ternd_upload P: ternd on a TAP without offloads, dropping P of the frames each way.
ternd_upload() {
    ip netns exec "$ns" "$ternd" --tap tbl0 --address 10.90.0.2/24 --host-address 10.90.0.1/24 --no-offload \
        --http-port 0 --time-port 0 --chat-port 0 --echo-port 0 --chargen-port 0 --discard-port 9 \
        --fault-drop "$1" --fault-seed 1 >"$log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 100); do grep -q "^ternd ready" "$log" 2>/dev/null && break; sleep 0.1; done
    upload 10.90.0.2
    kill -TERM "$pid"
    wait "$pid" || true
}

# kernel_upload P: socat as the discard server behind a veth pair with offloads off,
# iptables dropping P of the TCP packets each side receives.
kernel_upload() {
    ip netns add "$peer"
    ip netns exec "$peer" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link add vbl0 type veth peer name eth0 netns "$peer"
    local features=(tso off gso off gro off tx off rx off sg off)
    ip netns exec "$ns" ethtool -K vbl0 "${features[@]}" >/dev/null
    ip netns exec "$peer" ethtool -K eth0 "${features[@]}" >/dev/null
    ip -n "$peer" addr add 10.91.0.2/24 dev eth0
    ip -n "$peer" link set eth0 up
    ip -n "$peer" link set lo up
    ip -n "$ns" addr add 10.91.0.1/24 dev vbl0
    ip -n "$ns" link set vbl0 up
    if [ "$1" != 0 ]; then
        for side in "$ns" "$peer"; do
            ip netns exec "$side" iptables -A INPUT -p tcp -m statistic --mode random --probability "$1" -j DROP
        done
    fi
    ip netns exec "$peer" socat -u -b 1048576 TCP-LISTEN:9,fork,reuseaddr OPEN:/dev/null 2>/dev/null &
    local server=$!
    pids+=("$server")
    sleep 0.5
    upload 10.91.0.2
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    ip -n "$ns" link del vbl0
    if [ "$1" != 0 ]; then ip netns exec "$ns" iptables -F INPUT; fi
    ip netns del "$peer"
}

echo "bench-tcp-loss: $mib MiB uploaded by the kernel's TCP, median of 3, seconds"
printf '%-10s %10s %10s %12s\n' "loss" "ternd" "kernel" "ternd/kernel"
for drop in 0 0.01 0.05 0.10; do
    t=$(ternd_upload "$drop")
    k=$(kernel_upload "$drop")
    ratio=$(awk -v t="$t" -v k="$k" 'BEGIN { if (t == "stall" || k == "stall" || k == 0) print "-"; else printf "%.2f", t / k }')
    printf '%-10s %10s %10s %12s\n' "$(awk "BEGIN { printf \"%g %%\", $drop * 100 }")" "$t" "$k" "$ratio"
done
