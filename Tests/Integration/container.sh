#!/usr/bin/env bash
# The container's entrypoint (Tools/container-entrypoint.sh), run as `docker run --cap-add
# NET_ADMIN --device /dev/net/tun` would run it, without Docker: in a fresh network
# namespace, with the capability bounding set of a Docker container plus NET_ADMIN, no
# inherited environment, ternd on the PATH, and the image's working directory holding
# ./www. Then what `docker exec` would do: ping and curl the virtual host. Also the
# capabilities before and after the privilege drop (/proc/PID/status), how long ternd ran
# as root, the errors without NET_ADMIN or /dev/net/tun, and that the Dockerfile's build
# commands are the ones docs/container.md gives. Tests/Container/docker.sh runs the real
# image in a real Docker engine.
source "$(dirname "$0")/lib.sh"
it_begin container
it_namespace
ENTRYPOINT=$IT_ROOT/Tools/container-entrypoint.sh

# Docker's default capabilities (moby's oci/caps/defaults.go) plus --cap-add NET_ADMIN.
DOCKER_CAPS=chown,dac_override,fowner,fsetid,kill,setgid,setuid,setpcap,net_bind_service,net_raw,sys_chroot,mknod,audit_write,setfcap
# The same set as the hexadecimal mask /proc/PID/status shows.
DOCKER_CAPS_MASK=00000000a80435fb

# The image's /usr/local/bin: ternd (here a wrapper that notes the capabilities and the
# time it started with, then execs the real binary in the same process).
BIN=$IT_WORK/bin
mkdir -p "$BIN"
cat >"$BIN/ternd" <<EOF
#!/bin/sh
grep -E '^(Cap|NoNewPrivs|Uid)' /proc/self/status >"$IT_WORK/status-before"
date +%s%N >"$IT_WORK/started-ns"
exec "$TERND" "\$@"
EOF
chmod 755 "$BIN/ternd"

# as_container NS [setpriv options] -- COMMAND...: runs COMMAND in the namespace with a
# container's bounding set and inheritable set, a clean environment, in the work directory.
as_container() {
    local ns=$1 caps=$2
    shift 2
    (cd "$IT_WORK" && exec ip netns exec "$ns" setpriv --bounding-set "-all,+${caps//,/,+}" --inh-caps -all \
        env -i PATH="$BIN:/usr/sbin:/usr/bin:/sbin:/bin" HOME=/root "$@")
}

# Every step execs the next, so $! is the daemon's PID, as the container's process is.
(cd "$IT_WORK" && exec ip netns exec "$NS" setpriv --bounding-set "-all,+${DOCKER_CAPS//,/,+},+net_admin" \
    --inh-caps -all env -i PATH="$BIN:/usr/sbin:/usr/bin:/sbin:/bin" HOME=/root "$ENTRYPOINT" --echo-port 7) \
    >"$IT_WORK/container.out" 2>"$IT_WORK/container.err" &
PID=$!
IT_PIDS+=("$PID")
for _ in $(seq 100); do
    grep -q "^ternd ready:" "$IT_WORK/container.out" 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
done
if ! grep -q "^ternd ready:" "$IT_WORK/container.out"; then
    fail "the entrypoint starts ternd" "$(tail -3 "$IT_WORK/container.err" | tr '\n' '|')"
    it_end
fi
pass "the entrypoint creates the TAP and starts ternd: $(cat "$IT_WORK/container.out")"

kernel_side=$(ip netns exec "$NS" ip -4 -o address show dev tern0 | awk '{print $4}')
if [ "$kernel_side" = "10.0.0.1/24" ]; then
    pass "the container's side of tern0 is 10.0.0.1/24"
else
    fail "container side of tern0" "address '$kernel_side'"
fi
out=$(ip netns exec "$NS" ping -c 3 -i 0.2 -W 2 10.0.0.2 2>&1)
if echo "$out" | grep -q " 3 received"; then
    pass "docker exec tern ping -c 3 10.0.0.2: 3 replies"
else
    fail "ping from the container" "$(echo "$out" | tail -2 | tr '\n' ' ')"
fi
out=$(ip netns exec "$NS" curl -s -m 5 http://10.0.0.2/ 2>&1)
if [ "$out" = "<h1>tern</h1>" ]; then
    pass "docker exec tern curl http://10.0.0.2/: the image's ./www/index.html"
else
    fail "curl from the container" "got '$out'"
fi
check "the arguments reach ternd (--echo-port 7)" client "$NS" tcp-echo 10.0.0.2 7 1000

# Capabilities: what ternd started with (the wrapper's note), what it holds now.
before=$IT_WORK/status-before
status=/proc/$PID/status
if grep -qE "^CapEff:\s+$DOCKER_CAPS_MASK$" "$before" && grep -qE "^CapBnd:\s+$DOCKER_CAPS_MASK$" "$before" \
    && grep -qE "^Uid:\s+0\s" "$before"; then
    pass "before the drop: uid 0, CapEff = CapBnd = $DOCKER_CAPS_MASK (Docker's defaults + NET_ADMIN)"
else
    fail "capabilities before the drop" "$(tr '\n' ' ' <"$before")"
fi
if [ "$(grep -cE '^Cap(Eff|Prm|Inh|Bnd|Amb):\s+0000000000000000$' "$status")" -eq 5 ] \
    && grep -qE '^NoNewPrivs:\s+1$' "$status" && grep -qE '^Uid:\s+65534\s+65534\s+65534\s+65534$' "$status"; then
    pass "after the drop: uid 65534, every capability set empty, no-new-privs"
else
    fail "capabilities after the drop" "$(grep -E '^(Cap|NoNewPrivs|Uid)' "$status" | tr '\n' ' ')"
fi
# A process whose user changed is not dumpable: /proc/PID/mem and the rest belong to root,
# so other processes running as nobody can neither ptrace it nor read its memory.
if [ "$(stat -c %u "/proc/$PID/mem")" = 0 ] && [ "$(stat -c %u "/proc/$PID/environ")" = 0 ]; then
    pass "not dumpable after the drop: /proc/PID/mem and environ stay root's"
else
    fail "dumpable" "/proc/$PID/mem owned by uid $(stat -c %u "/proc/$PID/mem")"
fi
dropped=$(grep -m1 "dropped privileges" "$IT_WORK/container.err" | awk '{print $1}')
if [ -n "$dropped" ]; then
    started_ns=$(cat "$IT_WORK/started-ns")
    dropped_ns=$(date -d "$dropped" +%s%N)
    echo "# ternd ran as root for $(((dropped_ns - started_ns) / 1000000)) ms (exec to the privilege drop's log line)"
    pass "ternd logs its privilege drop"
else
    fail "privilege drop logged" "no 'dropped privileges' line"
fi

stop_ternd "$PID"
if [ "$STOP_STATUS" -eq 0 ]; then
    pass "docker stop (SIGTERM to the container's process): ternd exits 0 in $STOP_MS ms"
else
    fail "docker stop" "status $STOP_STATUS"
fi

# ternd made the TAP, not the entrypoint: it is not persistent and went away with ternd
# (with --network host it would otherwise stay on the host).
if ip netns exec "$NS" ip link show dev tern0 >/dev/null 2>&1; then
    fail "the TAP goes away with ternd" "tern0 is still there"
else
    pass "the TAP went away with ternd (not persistent)"
fi

# Without NET_ADMIN, or without /dev/net/tun: one clear line, non-zero exit.
it_namespace
as_container "$NS" "$DOCKER_CAPS" "$ENTRYPOINT" >"$IT_WORK/nocap.out" 2>"$IT_WORK/nocap.err"
code=$?
if [ "$code" -ne 0 ] && grep -q "cap-add NET_ADMIN" "$IT_WORK/nocap.err"; then
    pass "without --cap-add NET_ADMIN: $(cat "$IT_WORK/nocap.err")"
else
    fail "without NET_ADMIN" "exit $code: $(tr '\n' '|' <"$IT_WORK/nocap.err")"
fi
it_namespace
(cd "$IT_WORK" && ip netns exec "$NS" unshare --mount sh -c \
    'mount -t tmpfs none /dev/net && exec setpriv --bounding-set "$1" env -i PATH="$2" "$3"' \
    sh "-all,+${DOCKER_CAPS//,/,+},+net_admin" "$BIN:/usr/sbin:/usr/bin:/sbin:/bin" "$ENTRYPOINT") \
    >"$IT_WORK/notun.out" 2>"$IT_WORK/notun.err"
code=$?
if [ "$code" -ne 0 ] && grep -q "device /dev/net/tun" "$IT_WORK/notun.err"; then
    pass "without --device /dev/net/tun: $(cat "$IT_WORK/notun.err")"
else
    fail "without /dev/net/tun" "exit $code: $(tr '\n' '|' <"$IT_WORK/notun.err")"
fi
# --help and --version need no device and no NET_ADMIN: straight to ternd.
out=$(as_container "$NS" "$DOCKER_CAPS" "$ENTRYPOINT" --help 2>&1)
if echo "$out" | grep -q "^USAGE: ternd" && echo "$out" | grep -q -- "--host-address"; then
    pass "docker run --rm tern --help: ternd's help, without NET_ADMIN"
else
    fail "--help through the entrypoint" "$(echo "$out" | head -2 | tr '\n' '|')"
fi
out=$(as_container "$NS" "$DOCKER_CAPS" "$ENTRYPOINT" --version 2>&1)
if [ "$out" = "$("$TERND" --version)" ]; then
    pass "docker run --rm tern --version: $out"
else
    fail "--version through the entrypoint" "got '$out'"
fi
out=$(as_container "$NS" "$DOCKER_CAPS" "$ENTRYPOINT" echo a command instead of ternd 2>&1)
if [ "$out" = "a command instead of ternd" ]; then
    pass "a command that is not an option runs instead of ternd (docker run -it tern sh)"
else
    fail "command instead of ternd" "got '$out'"
fi

# The Dockerfile builds with exactly the commands docs/container.md gives ("Building").
build_commands() {
    grep -E "swift build|install -D" | sed -E 's/^[[:space:]]*(RUN[[:space:]]+)?//; s/[[:space:]\\;]*$//'
}
docker_commands=$(build_commands <"$IT_ROOT/Dockerfile")
doc_commands=$(awk '/^## Building/ { inside = 1; next } /^## / { inside = 0 } inside' "$IT_ROOT/docs/container.md" | build_commands)
if [ -n "$docker_commands" ] && [ "$docker_commands" = "$doc_commands" ]; then
    pass "the Dockerfile's build commands are those of docs/container.md ($(echo "$docker_commands" | wc -l) lines)"
else
    fail "build commands" "Dockerfile: $(echo "$docker_commands" | tr '\n' '|') docs: $(echo "$doc_commands" | tr '\n' '|')"
fi
it_end
