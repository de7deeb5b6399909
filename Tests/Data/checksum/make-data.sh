#!/usr/bin/env bash
# Regenerates the checksum test data in this directory from segments made by the Linux
# kernel. Needs root: it creates two network namespaces joined by TAP devices
# (tap-relay.py), captures a TCP and UDP conversation (traffic.py) with tcpdump, then
# splits and corrupts it (split-capture.py). Everything it creates is removed on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [[ $EUID -ne 0 ]]; then
    echo "make-data.sh: needs root (it creates network namespaces)" >&2
    exit 1
fi

ns_a=tern-cksum-a-$$
ns_b=tern-cksum-b-$$
work=$(mktemp -d)
pids=()

cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    ip netns del "$ns_a" 2>/dev/null || true
    ip netns del "$ns_b" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

wait_for_line() { # FILE TEXT: wait up to 5 s for TEXT to appear in FILE
    for _ in $(seq 50); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "make-data.sh: timed out waiting for '$2' in $1" >&2
    return 1
}

for ns in "$ns_a" "$ns_b"; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done

ip netns exec "$ns_a" python3 "$here/tap-relay.py" tern0 "/run/netns/$ns_b" tern0 >"$work/relay.log" &
pids+=($!)
wait_for_line "$work/relay.log" ready

ip -n "$ns_a" link set tern0 address 02:00:00:00:00:01
ip -n "$ns_b" link set tern0 address 02:00:00:00:00:02
ip -n "$ns_a" addr add 192.0.2.1/24 dev tern0
ip -n "$ns_b" addr add 192.0.2.2/24 dev tern0
ip -n "$ns_a" link set tern0 up
ip -n "$ns_b" link set tern0 up

ip netns exec "$ns_a" tcpdump -i tern0 --immediate-mode -U -s 0 -w "$work/capture.pcap" 'ip or arp' 2>"$work/tcpdump.log" &
tcpdump_pid=$!
pids+=($tcpdump_pid)
wait_for_line "$work/tcpdump.log" listening

ip netns exec "$ns_b" python3 "$here/traffic.py" server >"$work/server.log" &
server_pid=$!
pids+=($server_pid)
wait_for_line "$work/server.log" listening
ip netns exec "$ns_a" python3 "$here/traffic.py" client
wait "$server_pid"

sleep 0.5
kill -TERM "$tcpdump_pid"
wait "$tcpdump_pid" || true
cat "$work/tcpdump.log" >&2

python3 "$here/split-capture.py" "$work/capture.pcap" "$here"
