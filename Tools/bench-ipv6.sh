#!/usr/bin/env bash
# IPv6 beside IPv4 in one run (needs root):
#
#   sudo Tools/bench-ipv6.sh [ROUNDS]     # default 3 rounds
#
# One ternd (release build, TAP with offloads, the benchmark's web root) answers on
# 10.77.0.2 and fd77::2 at once; the kernel side of the TAP is the client, with curl, wrk
# and ping. Each round measures both families back to back, alternating which goes first:
#   - bulk download of the 100 MiB big.bin, three times (curl, MB/s, size checked);
#   - small.txt with wrk -t1 -c1 and -c16, keep-alive, 5 s each (requests/s, and ternd's
#     CPU time per request);
#   - ping -c 200 -i 0.002: the median of the per-packet round trips (ms).
# Then prints a table of the medians over all runs, with IPv6 / IPv4 for each (for ping
# and CPU, lower is better), and the load average before and after. Everything runs in a
# network namespace this script makes and removes; BENCH_OUT (default /tmp/tern-bench)
# holds the web root and the raw figures (results/ipv6.txt). BENCH_WRK_SECONDS sets the
# wrk runs' length (default 5): with other load on the machine, more and shorter rounds
# share it out more evenly between the families, and the CPU time per request moves far
# less with such load than the rates do. BENCH_QUICK=1: one round of 2 s wrk runs, to
# check that it works. TERND: a ternd to use instead of building the release one.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
case ${1:-} in
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
rounds=${1:-3}
duration=${BENCH_WRK_SECONDS:-5}
if [ -n "${BENCH_QUICK:-}" ]; then rounds=1; duration=2; fi
if [ "$(id -u)" -ne 0 ]; then
    echo "bench-ipv6.sh: needs root (network namespaces, TAP devices); try: sudo $0 $*" >&2
    exit 1
fi
for tool in ip curl wrk ping python3; do
    command -v "$tool" >/dev/null || { echo "bench-ipv6.sh: $tool is missing (Tools/bench/setup.sh installs it)" >&2; exit 1; }
done
export BENCH_OUT=${BENCH_OUT:-/tmp/tern-bench}
ternd=${TERND:-}
if [ -z "$ternd" ]; then
    echo "bench-ipv6.sh: building ternd (release)…"
    (cd "$root" && swift build -c release --static-swift-stdlib --product ternd 2>&1 | tail -1)
    ternd="$(cd "$root" && swift build -c release --static-swift-stdlib --show-bin-path)/ternd"
fi
"$root/Tools/bench/make_www.sh" "$BENCH_OUT/www" >/dev/null
mkdir -p "$BENCH_OUT/results"
raw=$BENCH_OUT/results/ipv6.txt
: >"$raw"

ns="tern-bench6-$$"
tap=tbench6
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up
in_ns ip tuntap add dev "$tap" mode tap
in_ns ip addr add 10.77.0.1/24 dev "$tap"
in_ns ip -6 addr add fd77::1/64 dev "$tap" nodad
in_ns ip link set "$tap" up

ip netns exec "$ns" "$ternd" --tap "$tap" --address 10.77.0.2/24 --address fd77::2/64 --www "$BENCH_OUT/www" \
    --time-port 0 --chat-port 0 --log-level notice >"$BENCH_OUT/results/ipv6.server.log" 2>&1 &
server_pid=$!
ready=
for _ in $(seq 100); do
    if in_ns curl -s -o /dev/null --max-time 1 http://10.77.0.2/small.txt &&
        in_ns curl -s -o /dev/null --max-time 1 'http://[fd77::2]/small.txt'; then
        ready=1
        break
    fi
    sleep 0.2
done
if [ -z "$ready" ]; then
    echo "bench-ipv6.sh: ternd did not answer on both families; its log:" >&2
    cat "$BENCH_OUT/results/ipv6.server.log" >&2
    exit 1
fi

# ternd's CPU time so far (user and system), in clock ticks.
ticks=$(getconf CLK_TCK)
server_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }

# One measurement per line in $raw: FAMILY METRIC VALUE.
url() { if [ "$1" = 4 ]; then echo "http://10.77.0.2/$2"; else echo "http://[fd77::2]/$2"; fi; }
address() { if [ "$1" = 4 ]; then echo 10.77.0.2; else echo fd77::2; fi; }
measure() {
    local family=$1 out bytes speed
    for _ in 1 2 3; do
        out=$(in_ns curl -s -o /dev/null --max-time 120 -w '%{size_download} %{speed_download}' "$(url "$family" big.bin)")
        read -r bytes speed <<<"$out"
        if [ "$bytes" = 104857600 ]; then
            echo "$family bulk_MBps $(python3 -c "print(round($speed / 1e6, 1))")" >>"$raw"
        else
            echo "bench-ipv6.sh: IPv$family bulk download got $bytes bytes" >&2
        fi
    done
    local before after requests rate
    for connections in 1 16; do
        before=$(server_ticks)
        out=$(in_ns timeout $((duration + 15)) wrk -t1 -c"$connections" -d"${duration}s" --timeout 2s \
            "$(url "$family" small.txt)" | awk '/ requests in / { print $1 } /^Requests\/sec:/ { print $2 }' | tr '\n' ' ')
        after=$(server_ticks)
        read -r requests rate <<<"$out"
        if [ -n "${rate:-}" ] && [ "${requests:-0}" -gt 0 ]; then
            echo "$family wrk_c${connections}_rps $rate" >>"$raw"
            echo "$family wrk_c${connections}_cpu_us $(python3 -c "print(round(($after - $before) * 1e6 / $ticks / $requests, 2))")" >>"$raw"
        fi
    done
    out=$(in_ns ping -"$family" -c 200 -i 0.002 -W 1 "$(address "$family")" |
        python3 -c '
import re, statistics, sys
times = [float(m.group(1)) for m in re.finditer(r"time=([0-9.]+) ms", sys.stdin.read())]
print(statistics.median(times) if len(times) >= 190 else "")')
    [ -n "$out" ] && echo "$family ping_median_ms $out" >>"$raw"
    return 0
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$rounds"); do
    if [ $((round % 2)) = 1 ]; then order="4 6"; else order="6 4"; fi
    for family in $order; do
        echo "bench-ipv6.sh: round $round of $rounds, IPv$family…"
        measure "$family"
    done
done

echo "bench-ipv6.sh: load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after"
python3 - "$raw" "$rounds" <<'EOF'
import statistics, sys
from collections import defaultdict
values = defaultdict(list)
for line in open(sys.argv[1]):
    family, metric, value = line.split()
    values[(family, metric)].append(float(value))
rows = [("bulk_MBps", "bulk download of 100 MiB, MB/s", True),
        ("wrk_c1_rps", "small.txt req/s, wrk -c1 keep-alive", True),
        ("wrk_c1_cpu_us", "  ternd CPU µs per request (user + system)", False),
        ("wrk_c16_rps", "small.txt req/s, wrk -c16 keep-alive", True),
        ("wrk_c16_cpu_us", "  ternd CPU µs per request (user + system)", False),
        ("ping_median_ms", "ping RTT, median of per-packet times, ms", False)]
print(f"\nMedians over {sys.argv[2]} round(s), both families in the same run:\n")
print("| metric | IPv4 | IPv6 | IPv6 / IPv4 |")
print("|---|---|---|---|")
for key, label, _ in rows:
    v4, v6 = values.get(("4", key)), values.get(("6", key))
    if not v4 or not v6:
        print(f"| {label} | {'–' if not v4 else statistics.median(v4)} | {'–' if not v6 else statistics.median(v6)} | – |")
        continue
    m4, m6 = statistics.median(v4), statistics.median(v6)
    fmt = (lambda x: f"{x:,.0f}") if key.endswith("_rps") else (lambda x: f"{x:g}")
    print(f"| {label} | {fmt(m4)} | {fmt(m6)} | {m6 / m4:.2f} |" if m4 else f"| {label} | {fmt(m4)} | {fmt(m6)} | – |")
print("\nEvery run (IPv4 / IPv6):")
for key, label, _ in rows:
    print(f"  {key}: {values.get(('4', key), [])} / {values.get(('6', key), [])}")
EOF
