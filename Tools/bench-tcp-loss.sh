#!/usr/bin/env bash
# TCP under loss, ternd against the Linux kernel in the same run (needs root):
#
#   sudo Tools/bench-tcp-loss.sh [MIB]      # MiB per transfer, default 100
#
# The same Python client, on the kernel's TCP, against two servers:
#   - ternd on a TAP with --no-offload (1500-byte frames), its fault injector dropping a
#     share of the frames each way (--fault-drop, fixed seed): its discard service for
#     uploads, its chargen service for downloads;
#   - the kernel's TCP at the far end of a veth pair with offloads off, iptables
#     (`-m statistic`) dropping the same share of the TCP packets each side receives: socat
#     as the discard server, a Python server sending the same RFC 864 pattern as chargen.
# An upload writes MIB MiB, half-closes and waits for the server's FIN (every byte has
# arrived); a download reads MIB MiB and checks every byte against the pattern. Loss-free,
# then 1 %, 5 % and 10 %: the median of 3 transfers in seconds each way, and ternd's time
# over the kernel's. A transfer that has not ended after 120 s counts as a stall (printed
# as such; the median then says "stall" when two of three stalled); a download with a
# wrong byte stops the benchmark.
# Everything runs in a network namespace this script makes (and a second one inside it for
# the veth peer); both are removed on exit. Uses the release ternd (builds it if missing).
set -euo pipefail

mib=${1:-100}
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

# transfer HOST upload|download: the median of 3 transfers of $mib MiB, in seconds.
transfer() {
    ip netns exec "$ns" python3 - "$1" "$2" "$mib" <<'PYTHON'
import socket, statistics, sys, time
host, mode, mib = sys.argv[1], sys.argv[2], int(sys.argv[3])
limit = 120.0
total = mib << 20
cycle = b"".join(bytes(32 + (line + column) % 95 for column in range(72)) + b"\r\n" for line in range(95))
pattern = cycle * ((2 << 20) // len(cycle) + 2)
times = []
for _ in range(3):
    start = time.monotonic()
    s = None
    try:
        s = socket.create_connection((host, 9 if mode == "upload" else 19), timeout=limit)
        if mode == "upload":
            chunk = bytes(1 << 20)
            for _ in range(mib):
                s.sendall(chunk)
                if time.monotonic() - start > limit:
                    raise TimeoutError
            s.shutdown(socket.SHUT_WR)
            s.settimeout(max(1.0, limit - (time.monotonic() - start)))
            if s.recv(1):
                raise SystemExit("discard sent data")
        else:
            got = 0
            while got < total:
                data = s.recv(min(1 << 20, total - got))
                if not data:
                    raise SystemExit(f"chargen closed after {got} bytes")
                at = got % len(cycle)
                if data != pattern[at:at + len(data)]:
                    raise SystemExit(f"chargen: a wrong byte within {got}..{got + len(data)}")
                got += len(data)
                if time.monotonic() - start > limit:
                    raise TimeoutError
        times.append(time.monotonic() - start)
    except (TimeoutError, socket.timeout):
        times.append(float("inf"))
    if s is not None:
        s.close()
median = statistics.median(times)
print("stall" if median == float("inf") else f"{median:.2f}")
PYTHON
}

# The kernel side's chargen: RFC 864's pattern to every client until it closes.
chargen_server=$(cat <<'PYTHON'
import socket, threading
cycle = b"".join(bytes(32 + (line + column) % 95 for column in range(72)) + b"\r\n" for line in range(95))
block = cycle * ((1 << 20) // len(cycle) + 1)
step = len(block) - len(block) % len(cycle)
def serve(c):
    try:
        while True:
            c.sendall(block[:step])
    except OSError:
        pass
    c.close()
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("0.0.0.0", 19))
listener.listen(8)
while True:
    connection, _ = listener.accept()
    threading.Thread(target=serve, args=(connection,), daemon=True).start()
PYTHON
)

# ternd_run P: ternd on a TAP without offloads, dropping P of the frames each way;
# prints "upload download".
ternd_run() {
    ip netns exec "$ns" "$ternd" --tap tbl0 --address 10.90.0.2/24 --host-address 10.90.0.1/24 --no-offload \
        --http-port 0 --time-port 0 --chat-port 0 --echo-port 0 --chargen-port 19 --discard-port 9 \
        --fault-drop "$1" --fault-seed 1 >"$log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 100); do grep -q "^ternd ready" "$log" 2>/dev/null && break; sleep 0.1; done
    echo "$(transfer 10.90.0.2 upload) $(transfer 10.90.0.2 download)"
    kill -TERM "$pid"
    wait "$pid" || true
}

# kernel_run P: socat (discard) and the Python chargen behind a veth pair, offloads off,
# iptables dropping P of the TCP packets each side receives.
kernel_run() {
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
    ip netns exec "$peer" python3 -c "$chargen_server" &
    local chargen=$!
    pids+=("$server" "$chargen")
    sleep 0.5
    echo "$(transfer 10.91.0.2 upload) $(transfer 10.91.0.2 download)"
    kill -TERM "$server" "$chargen" 2>/dev/null || true
    wait "$server" "$chargen" 2>/dev/null || true
    ip -n "$ns" link del vbl0
    if [ "$1" != 0 ]; then ip netns exec "$ns" iptables -F INPUT; fi
    ip netns del "$peer"
}

ratio() { awk -v t="$1" -v k="$2" 'BEGIN { if (t == "stall" || k == "stall" || k == 0) print "-"; else printf "%.2f", t / k }'; }
echo "bench-tcp-loss: $mib MiB each way, the kernel's TCP as the client, median of 3, seconds"
printf '%-8s %8s %8s %8s   %8s %8s %8s\n' "" "upload" "" "" "download" "" ""
printf '%-8s %8s %8s %8s   %8s %8s %8s\n' "loss" "ternd" "kernel" "ratio" "ternd" "kernel" "ratio"
for drop in 0 0.01 0.05 0.10; do
    # Command substitution waits for each set-up to be torn down before the next starts.
    ternd_times=$(ternd_run "$drop")
    kernel_times=$(kernel_run "$drop")
    read -r tu td <<<"$ternd_times"
    read -r ku kd <<<"$kernel_times"
    printf '%-8s %8s %8s %8s   %8s %8s %8s\n' "$(awk "BEGIN { printf \"%g %%\", $drop * 100 }")" \
        "$tu" "$ku" "$(ratio "$tu" "$ku")" "$td" "$kd" "$(ratio "$td" "$kd")"
done
