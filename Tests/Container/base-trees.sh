#!/usr/bin/env bash
# The file trees of the container test's stand-in base images, made once and cached under
# TERN_CI_CACHE (default /var/cache/tern-ci):
#   debian-bookworm-minbase.tar   debootstrap --variant=minbase bookworm, apt lists removed
#   swift-bookworm-packages.tar   that, with the Debian packages of the official Swift image
#   mirror-host                   the Debian mirror they came from (what apt-proxy.py relays)
#
#   Tests/Container/base-trees.sh [WORK_DIR]     (root; a no-op when the cache is complete)
#
# Tools/test.sh starts it in the background at the beginning, so that debootstrap's network
# waits overlap with the build; Tests/Container/docker.sh runs it again (a lock makes the
# second wait for the first). Needs debootstrap; writes only WORK_DIR (removed afterwards)
# and the cache.
set -euo pipefail
CACHE=${TERN_CI_CACHE:-/var/cache/tern-ci}
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
base_tar=$CACHE/debian-bookworm-minbase.tar
swift_tar=$CACHE/swift-bookworm-packages.tar
if [ -s "$base_tar" ] && [ -s "$swift_tar" ] && [ -s "$CACHE/mirror-host" ]; then
    exit 0
fi
W=${1:-$(mktemp -d /tmp/tern-base-trees-XXXXXX)}
mkdir -p "$W"
# Each long step runs as a child whose PID is kept: a TERM (Tools/test.sh stopping early)
# kills it and its descendants, by PID (debootstrap carries on after a TERM of its own),
# then removes what debootstrap mounted in the tree and the work directory.
child=""
descendants() {
    local pid
    for pid in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        echo "$pid"
        descendants "$pid"
    done
}
finish() {
    set +e
    if [ -n "$child" ]; then
        # shellcheck disable=SC2046  # a list of PIDs
        kill -KILL "$child" $(descendants "$child") 2>/dev/null
        wait "$child" 2>/dev/null
    fi
    grep -F " $W/" /proc/mounts | awk '{print $2}' | sort -r | while read -r mount; do umount -l "$mount"; done
    rm -rf "$W"
}
trap finish EXIT
trap 'exit 143' TERM INT
step() {
    (exec "$@") &
    child=$!
    wait "$child"
    local status=$?
    child=""
    return "$status"
}

mirror=$(grep -hoE "^(URIs:|deb) +https?://[^ ]+/debian/?( |$)" /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
    | head -1 | awk '{print $2}' || true)
mirror=${mirror:-http://deb.debian.org/debian}
mirror=${mirror%/}
# The official Swift image's Debian packages (its Dockerfile for bookworm).
SWIFT_IMAGE_PACKAGES=(binutils git gcc libc6-dev libcurl4 libedit2 libicu72 libncurses6 libpython3.11 libsqlite3-0
    libstdc++-12-dev libxml2 pkg-config tzdata uuid-dev zlib1g-dev)

if [ ! -s "$base_tar" ]; then
    echo "# debootstrap --variant=minbase bookworm (cached in $base_tar afterwards)"
    if ! step debootstrap --variant=minbase bookworm "$W/base" "$mirror" >"$W/debootstrap.log" 2>&1; then
        tail -5 "$W/debootstrap.log"
        exit 1
    fi
    printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s-security bookworm-security main\n' \
        "$mirror" "$mirror" "$mirror" >"$W/base/etc/apt/sources.list"
    rm -rf "$W/base/var/lib/apt/lists/"* "$W/base/var/cache/apt/"*.bin
    tar --numeric-owner -C "$W/base" -cf "$base_tar.$$" . && mv "$base_tar.$$" "$base_tar"
    rm -rf "$W/base"
fi
if [ ! -s "$swift_tar" ]; then
    echo "# the Swift image's packages on the stand-in Debian (cached in $swift_tar afterwards)"
    mkdir "$W/swiftfs"
    tar -C "$W/swiftfs" -xf "$base_tar"
    cp /etc/resolv.conf "$W/swiftfs/etc/resolv.conf"
    # /proc for apt, in a mount namespace of the chroot's own.
    if ! step unshare --mount --fork sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' sh "$W/swiftfs" "$W/swiftfs" \
        sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" && apt-get clean' \
        sh "${SWIFT_IMAGE_PACKAGES[@]}" >"$W/swift-packages.log" 2>&1; then
        tail -5 "$W/swift-packages.log"
        exit 1
    fi
    rm -rf "$W/swiftfs/var/lib/apt/lists/"* && : >"$W/swiftfs/etc/resolv.conf"
    tar --numeric-owner -C "$W/swiftfs" -cf "$swift_tar.$$" . && mv "$swift_tar.$$" "$swift_tar"
    rm -rf "$W/swiftfs"
fi
echo "$mirror" | sed -E 's|^https?://([^/:]+).*|\1|' >"$CACHE/mirror-host.$$" && mv "$CACHE/mirror-host.$$" "$CACHE/mirror-host"
