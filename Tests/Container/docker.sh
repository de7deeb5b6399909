#!/usr/bin/env bash
# The container for real: the README's "Tern in a container" lines, word for word, against a
# Docker engine of this test's own (Debian's docker.io, installed when missing).
#
#   Tests/Container/docker.sh        (root; Tools/test.sh runs it)
#
# Nothing outside the test's network namespace changes: dockerd runs inside it (ip netns
# exec) with its own data root, exec root, pid file, socket, cgroup parent and bridge, and
# --iptables=false --ip-forward=false. At the end dockerd is stopped by PID and the
# namespace and every file the test made are removed. "The Docker host" of the README's
# `curl http://127.0.0.1:8080/` is that namespace.
#
# The base images come from Docker Hub, which this machine may not reach, so the test makes
# stand-ins under the Dockerfile's names inside its own engine (users with network access
# get the real ones; nothing in the repository changes for the test):
#   debian:bookworm-slim  debootstrap --variant=minbase bookworm, imported;
#   swift:6.3.1-bookworm  that, the Debian packages of the official Swift image, and this
#                         machine's toolchain (swift in PATH) and Swift package cache (git's
#                         url.insteadOf, as on this machine) for the three dependencies.
# The containers' apt-get goes through apt-proxy.py. The debootstrap'd trees and the
# packages are cached under TERN_CI_CACHE (default /var/cache/tern-ci): a second run skips
# debootstrap; a fresh machine builds them from nothing.
source "$(dirname "$0")/../Integration/lib.sh"
source "$IT_ROOT/Tools/lib/packages.sh"
it_begin docker

packages_ensure docker.sh "${TERN_CONTAINER_PACKAGES[@]}" || { fail "packages" "cannot install"; it_end; }
CACHE=${TERN_CI_CACHE:-/var/cache/tern-ci}
mkdir -p "$CACHE"
W=$IT_WORK
BRIDGE=tdk$$
BRIDGE_IP=172.29.$(($$ % 200 + 10)).1
PROXY_PORT=3142
DOCKERD_PID=""
PROXY_PID=""
CGROUP_PARENT=tern-docker-$$
TMUX_SOCKET=$W/tmux.sock

docker_cleanup() {
    local pid
    [ -S "$TMUX_SOCKET" ] && tmux -S "$TMUX_SOCKET" kill-server 2>/dev/null
    if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
        # Containers first (they would outlive dockerd), then dockerd itself, by PID.
        for container in $(docker_cli ps -aq 2>/dev/null); do docker_cli rm -f "$container" >/dev/null 2>&1; done
        kill -TERM "$DOCKERD_PID"
        for _ in $(seq 150); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$DOCKERD_PID" 2>/dev/null
    fi
    [ -n "$PROXY_PID" ] && kill -TERM "$PROXY_PID" 2>/dev/null
    # What the engine's containerd and shims left, found by the namespace they run in.
    if [ -n "${NS:-}" ]; then
        for pid in $(ip netns pids "$NS" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    fi
    # The engine's mounts (overlay layers, its netns files) under the work directory.
    grep -F " $W/" /proc/mounts | awk '{print $2}' | sort -r | while read -r mount; do umount -l "$mount" 2>/dev/null; done
    for dir in /sys/fs/cgroup/*/"$CGROUP_PARENT"; do [ -d "$dir" ] && rmdir "$dir"/* "$dir" 2>/dev/null; done
    it_cleanup
}
trap docker_cleanup EXIT
docker_cli() { DOCKER_HOST=unix://$W/docker.sock /usr/bin/docker "$@"; }
# The docker CLI warns at each run that the engine's namespace does not forward IPv4
# (--ip-forward=false, on purpose): that line is left out of what the test shows.
unwarned() { grep -v "^WARNING: IPv4 forwarding is disabled"; }

# --- The stand-in base images' file trees (cached; base-trees.sh makes them when missing) --
started=$(date +%s)
if ! "$IT_DIR/../Container/base-trees.sh" "$W/trees"; then
    fail "the stand-in file trees" "base-trees.sh failed (its log is above)"
    it_end
fi
base_tar=$CACHE/debian-bookworm-minbase.tar
swift_tar=$CACHE/swift-bookworm-packages.tar
mirror_host=$(cat "$CACHE/mirror-host")
echo "# stand-in file trees ready in $(($(date +%s) - started)) s"

# --- The engine, in a namespace of its own -------------------------------------------------
it_namespace
ip -n "$NS" link add "$BRIDGE" type bridge
ip -n "$NS" address add "$BRIDGE_IP/24" dev "$BRIDGE"
ip -n "$NS" link set "$BRIDGE" up
echo '{}' >"$W/daemon.json"
mkdir -p "$W/data"
# `ip netns exec` gives dockerd a fresh /sys for the namespace; the cgroup hierarchies are
# mounted again beneath it, in that private mount namespace only.
# The data root is a tmpfs in that mount namespace too: the stand-ins and the build are
# gigabytes written once and thrown away, and they vanish with dockerd.
ip netns exec "$NS" env DATA_ROOT="$W/data" sh -c '
    mount -t tmpfs -o mode=0710 docker-data "$DATA_ROOT"
    mount -t tmpfs cgroups /sys/fs/cgroup
    awk '\''$2 ~ "^/sys/fs/cgroup/" && ($3 == "cgroup" || $3 == "cgroup2") { print $3, $2, $4 }'\'' /proc/1/mounts |
        while read -r type dir options; do mkdir -p "$dir" && mount -t "$type" -o "$options" "$type" "$dir"; done
    if awk '\''$2 == "/sys/fs/cgroup" && $3 == "cgroup2" { found = 1 } END { exit !found }'\'' /proc/1/mounts; then
        umount /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup
    fi
    exec "$@"' sh dockerd --config-file "$W/daemon.json" --data-root "$W/data" --exec-root "$W/exec" \
    --pidfile "$W/dockerd.pid" -H "unix://$W/docker.sock" --bridge "$BRIDGE" --cgroup-parent "$CGROUP_PARENT" \
    --iptables=false --ip-forward=false --ip-masq=false >"$W/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for _ in $(seq 150); do docker_cli info >/dev/null 2>&1 && break; kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
if ! docker_cli info >/dev/null 2>&1; then
    fail "dockerd starts" "$(tail -3 "$W/dockerd.log" | tr '\n' ' ')"
    it_end
fi
pass "a private dockerd ($(docker_cli version -f '{{.Server.Version}}')) in namespace $NS, bridge $BRIDGE, no iptables"
/usr/bin/python3 "$IT_DIR/../Container/apt-proxy.py" "/run/netns/$NS" "$BRIDGE_IP" "$PROXY_PORT" "$CACHE/debs" \
    "$mirror_host" >"$W/apt-proxy.log" 2>&1 &
PROXY_PID=$!

# --- The stand-in images, under the Dockerfile's names, in this engine only ----------------
started=$(date +%s)
proxy_conf="Acquire::http::Proxy \"http://$BRIDGE_IP:$PROXY_PORT\";"
mkdir "$W/debian"
tar -C "$W/debian" -xf "$base_tar"
echo "$proxy_conf" >"$W/debian/etc/apt/apt.conf.d/99tern-test-proxy"
tar --numeric-owner -C "$W/debian" -cf - . | docker_cli import --change 'CMD ["bash"]' - debian:bookworm-slim >/dev/null \
    || { fail "import debian:bookworm-slim" "docker import failed"; it_end; }
rm -rf "$W/debian"
swift_bin=$(dirname "$(readlink -f "$(command -v swift)")")
toolchain=$(dirname "$(dirname "$swift_bin")")    # …/usr/bin/swift → the directory holding usr/
mkdir "$W/swift"
tar -C "$W/swift" -xf "$swift_tar"
echo "$proxy_conf" >"$W/swift/etc/apt/apt.conf.d/99tern-test-proxy"
# The toolchain goes where the official image has it, /usr (hard links when it lies on
# the same file system, so nothing is copied); the three dependencies' repositories where
# git's insteadOf finds them on this machine.
cp -alf "$toolchain/usr/." "$W/swift/usr/" 2>/dev/null || cp -af "$toolchain/usr/." "$W/swift/usr/"
# Left out, to import a quarter less: the debugger and the editor services, which no build
# runs (lldb, sourcekit-lsp and sourcekitd, clangd, docc).
rm -rf "$W/swift/usr/bin/"lldb* "$W/swift/usr/lib/"liblldb* "$W/swift/usr/bin/sourcekit-lsp" \
    "$W/swift/usr/lib/"libsourcekitd* "$W/swift/usr/bin/clangd" "$W/swift/usr/bin/docc" "$W/swift/usr/share/docc"
packages_root=$(git config --system --get-regexp '^url\..*\.insteadof$' 'https://github.com/' | head -1 | sed -E 's/^url\.(.*)\.insteadof .*/\1/')
if [ -n "$packages_root" ]; then
    for repository in swift-argument-parser swift-log swift-collections; do
        for candidate in "${packages_root%/}/apple/$repository.git" "${packages_root%/}/apple/$repository"; do
            if [ -d "$candidate" ]; then
                mkdir -p "$W/swift$(dirname "$candidate")" && cp -a "$candidate" "$W/swift$candidate"
                break
            fi
        done
    done
    printf '[url "%s"]\n\tinsteadOf = https://github.com/\n' "${packages_root%/}/" >"$W/swift/etc/gitconfig"
fi
tar --numeric-owner -C "$W/swift" -cf - . 2>"$W/swift-tar.err" \
    | docker_cli import --change 'CMD ["bash"]' - swift:6.3.1-bookworm >/dev/null \
    || { fail "import swift:6.3.1-bookworm" "$(tail -2 "$W/swift-tar.err")"; it_end; }
rm -rf "$W/swift"
pass "stand-ins debian:bookworm-slim and swift:6.3.1-bookworm ($(docker_cli run --rm swift:6.3.1-bookworm swift --version 2>/dev/null | head -1)) in $(($(date +%s) - started)) s"

# --- The README's lines ---------------------------------------------------------------------
# The commands of the README's container section, in order, continuation lines joined.
readme_lines() {
    awk '/^## Tern in a container/ { inside = 1; next } /^## / { inside = 0 }
         inside && /^```sh/ { block = 1; next } inside && /^```/ { block = 0 } inside && block' "$IT_ROOT/README.md" \
        | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | tr -s ' '
}
expected=(
    "docker build -t tern ."
    "docker run -d --rm --name tern --cap-add NET_ADMIN --device /dev/net/tun --sysctl net.ipv4.ip_forward=1 -p 8080:80 tern"
    "docker exec tern ping -c 3 10.0.0.2"
    "docker exec tern curl -s http://10.0.0.2/"
    "curl http://127.0.0.1:8080/"
    "docker exec -it tern tern-chat alice 10.0.0.2 3490"
    "docker stop tern"
)
mapfile -t lines < <(readme_lines)
if [ "$(printf '%s\n' "${lines[@]}")" = "$(printf '%s\n' "${expected[@]}")" ]; then
    pass "the README's container section is the ${#expected[@]} commands this test runs"
else
    fail "README container section" "it reads: $(printf '%s | ' "${lines[@]}")"
    it_end
fi
# line N [redirections...]: runs README line N as the README has it, in the engine's
# namespace ("the Docker host"), with `docker` talking to this test's engine.
mkdir -p "$W/bin" "$W/context"
ln -s /usr/bin/docker "$W/bin/docker"
line() {
    (cd "$W/context" && exec timeout 900 ip netns exec "$NS" env PATH="$W/bin:$PATH" DOCKER_HOST="unix://$W/docker.sock" \
        bash -c "${lines[$1]}")
}
# The build context: the files of the repository git knows (a clean checkout's).
git -C "$IT_ROOT" ls-files -z --cached --others --exclude-standard | (cd "$IT_ROOT" && tar --null -T - -cf -) | tar -C "$W/context" -xf -

started=$(date +%s)
if line 0 >"$W/build.log" 2>&1; then
    pass "docker build -t tern . in $(($(date +%s) - started)) s"
else
    fail "docker build -t tern ." "$(tail -5 "$W/build.log" | tr '\n' '|')"
    it_end
fi
# A source edit must not fetch the dependencies again: rebuild after one, and stop the
# build once it is past the dependency layer.
echo "// an edit to a source file" >>"$W/context/Sources/ternd/Ternd.swift"
(cd "$W/context" && exec ip netns exec "$NS" env PATH="$W/bin:$PATH" DOCKER_HOST="unix://$W/docker.sock" \
    bash -c "${lines[0]}") >"$W/rebuild.log" 2>&1 &
rebuild=$!
for _ in $(seq 600); do grep -q "COPY \. \." "$W/rebuild.log" && break; kill -0 "$rebuild" 2>/dev/null || break; sleep 0.1; done
kill -INT "$rebuild" 2>/dev/null
wait "$rebuild" 2>/dev/null
resolve_step=$(grep -A1 "RUN swift package resolve" "$W/rebuild.log" | tail -1)
if [ "$resolve_step" = " ---> Using cache" ] && grep -q "COPY \. \." "$W/rebuild.log"; then
    pass "after a source edit the dependency layer (swift package resolve) comes from the cache"
else
    fail "dependency layer cached" "$(grep -A2 "swift package resolve" "$W/rebuild.log" | tr '\n' '|')"
fi
sizes=$(docker_cli run --rm --entrypoint sh tern -c 'cd /usr/local/bin && stat -c "%n %s" ternd tern-chat tern-time tern-get tern-words' 2>/dev/null | tr '\n' ',')
ternd_size=$(echo "$sizes" | tr ',' '\n' | awk '$1 == "ternd" { print $2 }')
larger=$(echo "$sizes" | tr ',' '\n' | awk -v limit="$ternd_size" 'NF == 2 && $2 > limit { print $1 }')
if [ -n "$ternd_size" ] && [ -z "$larger" ]; then
    pass "the image's tools are no larger than ternd (stripped, bytes: ${sizes%,})"
else
    fail "tool sizes" "larger than ternd: ${larger:-?} (${sizes%,})"
fi

if line 1 >"$W/run.out" 2>"$W/run.err"; then
    pass "docker run -d … tern: container $(cut -c1-12 "$W/run.out")"
else
    fail "docker run" "$(cat "$W/run.out" "$W/run.err" | tr '\n' '|')"
    it_end
fi
for _ in $(seq 100); do docker_cli logs tern 2>&1 | grep -q "^ternd ready:" && break; sleep 0.2; done
if docker_cli logs tern 2>&1 | grep -q "^ternd ready:"; then
    pass "ternd is ready: $(docker_cli logs tern 2>/dev/null | grep '^ternd ready:')"
else
    fail "ternd ready" "$(docker_cli logs tern 2>&1 | tail -3 | tr '\n' '|')"
    it_end
fi
out=$(line 2 2>&1)
if echo "$out" | grep -q " 3 received"; then pass "docker exec tern ping -c 3 10.0.0.2: 3 replies"; else fail "ping" "$(echo "$out" | tail -2 | tr '\n' ' ')"; fi
out=$(line 3 2>&1)
if [ "$out" = "<h1>tern</h1>" ]; then pass "docker exec tern curl -s http://10.0.0.2/: $out"; else fail "curl in the container" "got '$out'"; fi
out=$(line 4 2>"$W/curl-published.err")
if [ "$out" = "<h1>tern</h1>" ]; then
    pass "curl http://127.0.0.1:8080/ on the Docker host: $out (published port → DNAT → virtual host)"
else
    fail "curl through the published port" "got '$out' $(tr '\n' ' ' <"$W/curl-published.err")"
fi

# A chat round trip: alice is the README's `docker exec -it` line in a terminal (tmux); bob
# is tern-chat reading lines, in the same container.
tmux -S "$TMUX_SOCKET" new-session -d -s alice -x 100 -y 25 \
    "cd '$W/context' && ip netns exec '$NS' env PATH='$W/bin:$PATH' DOCKER_HOST='unix://$W/docker.sock' bash -c '${lines[5]}'; echo \"alice exited \$?\" >'$W/alice.status'; sleep 30"
screen() { tmux -S "$TMUX_SOCKET" capture-pane -p -t alice; }
wait_for() { local what=$1 check=$2; for _ in $(seq 100); do eval "$check" && return 0; sleep 0.1; done; echo "# waited in vain for $what"; return 1; }
wait_for "alice's join" 'screen | grep -q "alice has joined"'
(
    echo "hello alice"
    for _ in $(seq 100); do grep -q "alice: hi bob" "$W/bob.out" 2>/dev/null && break; sleep 0.1; done
) | docker_cli exec -i tern tern-chat bob 10.0.0.2 3490 >"$W/bob.out" 2>&1 &
bob=$!
if wait_for "bob's line on alice's screen" 'screen | grep -q "bob: hello alice"'; then
    tmux -S "$TMUX_SOCKET" send-keys -t alice "hi bob" Enter
fi
wait "$bob"
tmux -S "$TMUX_SOCKET" send-keys -t alice "/q" Enter
wait_for "alice to quit" '[ -s "$W/alice.status" ]'
if screen | grep -q "bob: hello alice" && grep -q "alice: hi bob" "$W/bob.out" && grep -q "alice exited 0" "$W/alice.status"; then
    pass "chat round trip: docker exec -it tern tern-chat alice … sees bob's line, bob sees alice's, /q exits 0"
else
    fail "chat round trip" "alice's screen: $(screen | grep -v '^$' | tail -4 | tr '\n' '|') bob: $(tr '\n' '|' <"$W/bob.out")"
fi

# The daemon: uid 65534 and no capabilities; PID 1 reaps orphans.
init=$(docker_cli inspect -f '{{.State.Pid}}' tern)
ternd_pid=$(cat "/proc/$init/task/$init/children" | awk '{print $1}')
status=$(grep -E '^(Name|Uid|CapEff):' "/proc/$ternd_pid/status" | tr -s '\t ' ' ' | tr '\n' ' ')
if echo "$status" | grep -q "Name: ternd" && echo "$status" | grep -q "Uid: 65534 65534 65534 65534" \
    && echo "$status" | grep -q "CapEff: 0000000000000000"; then
    pass "the daemon runs as uid 65534 with CapEff 0 (PID 1 is $(cat "/proc/$init/comm"))"
else
    fail "daemon privileges" "$status"
fi
docker_cli exec tern sh -c 'sleep 1 & exit 0'
sleep 2.5
zombies=$(docker_cli exec tern sh -c 'grep -l "^State:.*Z" /proc/[0-9]*/status 2>/dev/null' | wc -l)
if [ "$zombies" -eq 0 ]; then
    pass "no zombie after docker exec tern sh -c 'sleep 1 & exit 0'"
else
    fail "zombies" "$zombies zombie process(es) in the container"
fi

docker_cli wait tern >"$W/wait.out" 2>&1 &
waiter=$!
started=$(date +%s%N)
line 6 >/dev/null 2>&1
stopped=$((($(date +%s%N) - started) / 1000000))
wait "$waiter"
if [ "$(cat "$W/wait.out")" = 0 ] && [ "$stopped" -lt 2000 ]; then
    pass "docker stop tern: ternd exits 0 in $stopped ms"
else
    fail "docker stop" "exit status '$(cat "$W/wait.out")' after $stopped ms"
fi

# Help without devices; one-line errors for each missing flag.
out=$(docker_cli run --rm tern --help 2>&1)
if echo "$out" | grep -q "^USAGE: ternd"; then pass "docker run --rm tern --help shows ternd's help"; else fail "--help" "$(echo "$out" | head -2 | tr '\n' '|')"; fi
out=$(docker_cli run --rm tern 2>&1 | unwarned)
if echo "$out" | grep -q "run it with --device /dev/net/tun"; then pass "without --device /dev/net/tun: $out"; else fail "no tun" "$out"; fi
out=$(docker_cli run --rm --device /dev/net/tun tern 2>&1 | unwarned)
if echo "$out" | grep -q "cap-add NET_ADMIN"; then pass "without --cap-add NET_ADMIN: $out"; else fail "no NET_ADMIN" "$out"; fi
docker_cli run -d --rm --name tern-nosysctl --cap-add NET_ADMIN --device /dev/net/tun -p 8081:80 tern >/dev/null 2>&1
for _ in $(seq 100); do docker_cli logs tern-nosysctl 2>&1 | grep -q "^ternd ready:" && break; sleep 0.2; done
out=$(docker_cli logs tern-nosysctl 2>&1 | grep "container-entrypoint")
if echo "$out" | grep -q -- "--sysctl net.ipv4.ip_forward=1" && docker_cli logs tern-nosysctl 2>&1 | grep -q "^ternd ready:"; then
    pass "-p without the sysctl: one line says so, ternd starts anyway ($out)"
else
    fail "no sysctl" "$out"
fi
docker_cli stop tern-nosysctl >/dev/null

# --network host: ternd makes the TAP in the host's namespace and it goes away with ternd.
docker_cli run -d --rm --name tern-host --network host --cap-add NET_ADMIN --device /dev/net/tun tern >/dev/null 2>&1
for _ in $(seq 100); do docker_cli logs tern-host 2>&1 | grep -q "^ternd ready:" && break; sleep 0.2; done
tap=$(ip -n "$NS" -4 -o address show dev tern0 2>/dev/null | awk '{print $4}')
out=$(ip netns exec "$NS" ping -c 2 -i 0.2 -W 2 10.0.0.2 2>&1)
if [ "$tap" = "10.0.0.1/24" ] && echo "$out" | grep -q " 2 received" && docker_cli logs tern-host 2>&1 | grep -q "host network"; then
    pass "--network host: tern0 is 10.0.0.1/24 on the host and 10.0.0.2 answers; no ports forwarded there"
else
    fail "--network host" "tern0 '$tap'; $(echo "$out" | tail -2 | tr '\n' ' ')"
fi
docker_cli stop tern-host >/dev/null
for _ in $(seq 50); do ip -n "$NS" link show dev tern0 >/dev/null 2>&1 || break; sleep 0.1; done
if ip -n "$NS" link show dev tern0 >/dev/null 2>&1; then
    fail "--network host cleanup" "tern0 is still on the host after docker stop"
else
    pass "--network host: tern0 is gone from the host after docker stop"
fi
it_end
