#!/usr/bin/env bash
# The side-by-side benchmark in one command (needs root):
#
#   sudo Tools/bench.sh                  tern reflector lwip kernel kernel_nooffload
#   sudo Tools/bench.sh tern lwip        some entries only (names: Tools/bench/README.md)
#
# Builds ternd (release, static Swift runtime), installs what the benchmark needs when it is
# missing, builds the lwIP server and the C reflector, and measures every entry in one
# invocation inside network namespaces of its own; then prints the table of medians.
# Everything is written under BENCH_OUT (default /tmp/tern-bench). About 10 minutes for the
# default entries on two cores; BENCH_QUICK=1 checks that everything works in about a minute.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
case ${1:-} in
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
    echo "bench.sh: needs root (TAP devices, veth pairs, network namespaces); try: sudo $0 $*" >&2
    exit 1
fi
source "$root/Tools/lib/packages.sh"
packages_ensure bench.sh "${TERN_BUILD_PACKAGES[@]}"
echo "bench.sh: building ternd (release)…"
(cd "$root" && swift build -c release --static-swift-stdlib --product ternd 2>&1 | tail -1)
TERND="$(cd "$root" && swift build -c release --static-swift-stdlib --show-bin-path)/ternd"
export TERND
entries=("$@")
[ ${#entries[@]} -eq 0 ] && entries=(tern reflector lwip kernel kernel_nooffload)
exec "$root/Tools/bench/run_all.sh" "${entries[@]}"
