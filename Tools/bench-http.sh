#!/usr/bin/env bash
# Small-file HTTP rate, ternd against nginx, in one run (needs root):
#
#   sudo Tools/bench-http.sh [RUNS]      # RUNS rounds, default 3
#
# Each round runs, against each server in turn, on a 1 KiB file:
#   ab -n 50000 -c 100 -k            (HTTP/1.0 with Connection: keep-alive; Debian apache2-utils)
#   h2load --h1 -n 100000 -c 64      (HTTP/1.1 keep-alive; Debian nghttp2-client)
# and reports requests per second, failed requests (ab also its keep-alive count) and the
# server's CPU time per request from /proc/PID/stat (nginx: master and worker together).
#
# The set-up follows Tools/bench's: ternd (the release build, built if missing)
# on a TAP device with its offloads, as 10.66.0.2 with the kernel side 10.66.0.1; nginx
# (Debian nginx-light: one worker, sendfile, tcp_nopush, open_file_cache, access log off)
# at the far end of a veth pair in a nested namespace, as 10.67.0.2, offloads on. ternd runs
# with --log-level notice, so it keeps no access log either. Clients, servers and the
# kernel's work share the machine's cores: compare the two servers within one run only.
# Everything lives in a network namespace this script makes (and one inside it); both are
# removed on exit, and the processes it started are stopped by PID.
set -euo pipefail

runs=${1:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
ternd=${TERND:-$root/.build/release/ternd}
if [ "$(id -u)" -ne 0 ]; then
    echo "bench-http.sh: needs root (network namespaces, TAP and veth devices)" >&2
    exit 1
fi
source "$root/Tools/lib/packages.sh"
packages_ensure bench-http.sh "${TERN_BUILD_PACKAGES[@]}" "${TERN_BENCH_PACKAGES[@]}"
if [ ! -x "$ternd" ]; then
    (cd "$root" && swift build -c release --static-swift-stdlib --product ternd >/dev/null)
fi

ns="tern-bench-http-$$"
peer="$ns-nginx"
work=$(mktemp -d /tmp/tern-bench-http-XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    ip netns del "$peer" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/www"
head -c 1024 /dev/urandom | base64 -w 64 | head -c 1024 >"$work/www/small.txt"
chmod -R a+rX "$work/www"

ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip netns exec "$ns" sysctl -q -w net.ipv4.ip_local_port_range="10000 65000"

# ternd on a TAP.
(cd "$work" && exec ip netns exec "$ns" "$ternd" --tap tbh0 --address 10.66.0.2/24 --host-address 10.66.0.1/24 \
    --www "$work/www" --time-port 0 --chat-port 0 --log-level notice >"$work/ternd.out" 2>"$work/ternd.err") &
ternd_pid=$!
pids+=("$ternd_pid")
for _ in $(seq 100); do grep -q "^ternd ready" "$work/ternd.out" 2>/dev/null && break; sleep 0.1; done
grep -q "^ternd ready" "$work/ternd.out" || { echo "ternd did not start: $(cat "$work/ternd.err")" >&2; exit 1; }

# nginx behind a veth pair, in a namespace of its own.
ip netns add "$peer"
ip -n "$peer" link set lo up
ip netns exec "$peer" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$ns" link add vbh0 type veth peer name eth0 netns "$peer"
ip -n "$peer" addr add 10.67.0.2/24 dev eth0
ip -n "$peer" link set eth0 up
ip -n "$ns" addr add 10.67.0.1/24 dev vbh0
ip -n "$ns" link set vbh0 up
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 10000000;
    keepalive_timeout 65;
    open_file_cache max=64 inactive=60s;
    types { text/plain txt; }
    default_type application/octet-stream;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 10.67.0.2:80 backlog=4096;
        root $work/www;
    }
}
CONF
(exec ip netns exec "$peer" nginx -e stderr -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' \
    2>"$work/nginx.err") &
nginx_pid=$!
pids+=("$nginx_pid")
for _ in $(seq 100); do
    ip netns exec "$ns" curl -s -o /dev/null -m 1 http://10.67.0.2/small.txt 2>/dev/null && break
    sleep 0.1
done

# cpu_ticks PID: user + system clock ticks of PID and its children that are alive.
cpu_ticks() {
    local total=0 pid stat
    for pid in "$1" $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        stat=${stat##*) }
        set -- $stat
        total=$((total + ${12} + ${13}))
    done
    echo "$total"
}
# busy: the machine's non-idle share of CPU since the last call, in percent.
busy_last=""
busy() {
    local now
    now=$(head -1 /proc/stat | awk '{ idle = $5 + $6; total = 0; for (i = 2; i <= NF; i++) total += $i; print idle, total }')
    if [ -n "$busy_last" ]; then
        echo "$busy_last $now" | awk '{ printf "%.0f", 100 * (1 - ($3 - $1) / ($4 - $2)) }'
    fi
    busy_last=$now
}
hz=$(getconf CLK_TCK)

# measure NAME PID URL TOOL: one client run; prints a table row.
measure() {
    local name=$1 pid=$2 url=$3 tool=$4 before after out rate requests failed kept machine
    before=$(cpu_ticks "$pid")
    busy >/dev/null
    if [ "$tool" = ab ]; then
        out=$(ip netns exec "$ns" ab -q -k -n 50000 -c 100 "$url" 2>&1)
        rate=$(echo "$out" | sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p')
        requests=$(echo "$out" | sed -n 's/^Complete requests: *//p')
        failed=$(echo "$out" | sed -n 's/^Failed requests: *//p')
        kept=$(echo "$out" | sed -n 's/^Keep-Alive requests: *//p')
    else
        out=$(ip netns exec "$ns" h2load --h1 -n 100000 -c 64 "$url" 2>&1)
        rate=$(echo "$out" | sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p')
        requests=$(echo "$out" | sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p')
        failed=$(echo "$out" | sed -n 's/^requests: .* \([0-9]*\) failed.*/\1/p')
        kept=-
    fi
    machine=$(busy)
    after=$(cpu_ticks "$pid")
    awk -v n="$name" -v t="$tool" -v r="$rate" -v q="${requests:-0}" -v f="${failed:-?}" -v k="${kept:-?}" \
        -v c=$((after - before)) -v hz="$hz" -v m="$machine" 'BEGIN {
        us = q > 0 ? c / hz * 1e6 / q : 0
        printf "| %s | %s | %.0f | %s | %s | %s | %.2f | %s %% |\n", t, n, r, q, f, k, us, m }'
}

echo "# bench-http $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# ternd: $ternd ($(ip netns exec "$ns" curl -s -D - -o /dev/null http://10.66.0.2/small.txt | tr -d '\r' | sed -n 's/^Server: //p')); nginx: $(nginx -v 2>&1 | sed 's/.*: //')"
echo
echo "| client | server | requests/s | requests | failed | keep-alive | server CPU µs/request | machine busy |"
echo "|---|---|---|---|---|---|---|---|"
for round in $(seq "$runs"); do
    for tool in ab h2load; do
        measure ternd "$ternd_pid" http://10.66.0.2/small.txt "$tool"
        measure nginx "$nginx_pid" http://10.67.0.2/small.txt "$tool"
    done
done
