#!/usr/bin/env bash
# One command to see Tern work (needs root):
#
#   sudo Tools/demo.sh          # runs until Ctrl-C
#   sudo Tools/demo.sh --once   # pings and curls, then cleans up and exits (for tests)
#
# Installs the Debian packages it needs when they are missing, builds ternd, makes a network
# namespace with a TAP device in it, starts ternd there as 10.0.0.2 with a small web root
# (the kernel side is 10.0.0.1), pings it, fetches its page with curl, and prints how to
# reach it by hand. Everything is removed on exit; nothing is configured outside the
# namespace.
set -euo pipefail

once=0
for argument in "$@"; do
    case "$argument" in
        --once) once=1 ;;
        -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "demo.sh: unknown argument $argument (try --help)" >&2; exit 2 ;;
    esac
done
if [ "$(id -u)" -ne 0 ]; then
    echo "demo.sh: needs root (it creates a network namespace and a TAP device); try: sudo $0 $*" >&2
    exit 1
fi
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/Tools/lib/packages.sh"
packages_ensure demo.sh "${TERN_DEMO_PACKAGES[@]}" || exit 1
# sudo's PATH may leave out where the toolchain was unpacked: look in the usual places.
if ! command -v swift >/dev/null; then
    for dir in /opt/swift/usr/bin /usr/share/swift/usr/bin /usr/local/swift/usr/bin; do
        [ -x "$dir/swift" ] && PATH="$dir:$PATH" && break
    done
fi
command -v swift >/dev/null || {
    echo "demo.sh: swift is missing: install the Swift 6 toolchain (swift.org) and put it on the PATH" >&2
    exit 1
}

ns="tern-demo-$$"
work=""
pid=""

cleanup() {
    trap - EXIT INT TERM
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    ip netns del "$ns" 2>/dev/null || true
    [ -n "$work" ] && rm -rf "$work"
    echo "demo: cleaned up (namespace $ns removed)"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

echo "demo: building ternd and tern-chat (a first build takes a few minutes)…"
build=$(mktemp)
if ! (cd "$root" && swift build --product ternd && swift build --product tern-chat) >"$build" 2>&1; then
    cat "$build" >&2
    rm -f "$build"
    echo "demo: the build failed" >&2
    exit 1
fi
tail -1 "$build"
rm -f "$build"
bin="$(cd "$root" && swift build --show-bin-path)"
ternd="$bin/ternd"

work=$(mktemp -d /tmp/tern-demo-XXXXXX)
chmod 755 "$work"  # the daemon reads the web root after dropping to nobody
mkdir "$work/www"
cat >"$work/www/index.html" <<'HTML'
<!doctype html>
<html><head><meta charset="utf-8"><title>Tern</title></head>
<body><h1>Hello from Tern</h1><p>Served by a TCP/IP stack written in Swift, in user space.</p></body></html>
HTML
chmod -R a+rX "$work/www"

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" "$ternd" --tap tern0 --address 10.0.0.2/24 --host-address 10.0.0.1/24 \
    --www "$work/www" --echo-port 7 --pcap "$work/demo.pcap" >"$work/ready" 2>"$work/log" &
pid=$!
for _ in $(seq 100); do
    grep -q "ternd ready" "$work/ready" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if ! grep -q "ternd ready" "$work/ready" 2>/dev/null; then
    echo "demo: ternd did not start:" >&2
    cat "$work/log" >&2
    exit 1
fi
echo "demo: $(cat "$work/ready")"
echo "demo: ping -c 3 10.0.0.2 (from the namespace)"
ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 10.0.0.2
echo
echo "demo: curl -si http://10.0.0.2/ (from the namespace)"
ip netns exec "$ns" curl -sS -i --fail-with-body --max-time 10 http://10.0.0.2/

cat <<EOF2

The virtual host 10.0.0.2 runs in network namespace $ns (the kernel side is 10.0.0.1).
Try, as root in another terminal:
  ip netns exec $ns ping 10.0.0.2
  ip netns exec $ns ping -s 4000 10.0.0.2            # fragmented both ways
  ip netns exec $ns nc -u 10.0.0.2 37 | od -An -tu1   # Time Protocol over UDP (type Enter)
  ip netns exec $ns nc 10.0.0.2 7                     # TCP echo
  ip netns exec $ns curl -i http://10.0.0.2/          # web server
  ip netns exec $ns $bin/tern-chat you 10.0.0.2 3490   # chat
  ip netns exec $ns tcpdump -ni tern0                 # watch the wire
The daemon's log: $work/log; its capture: $work/demo.pcap (kill -USR1 $pid logs counters).
EOF2

if [ "$once" -eq 1 ]; then
    echo "(--once: everything is removed now; run without --once to keep the host up)"
    exit 0
fi
echo "Press Ctrl-C to stop and clean up."
wait "$pid"
