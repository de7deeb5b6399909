#!/usr/bin/env bash
# The one test command:
#
#   Tools/test.sh
#
# Builds the package (failing on any compiler warning in Tern's own sources), runs the
# unit tests (`swift test`), then the integration tests against the real ternd binary
# (Tests/Integration/run.sh), which need root. Without root they are skipped with a
# message. As root, missing Debian packages the tests use are installed first.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# Debian packages the build and the integration tests use (.ci/run installs the same).
packages=(libcap-dev iproute2 iputils-ping iputils-arping tcpdump tshark nmap netcat-openbsd socat python3 python3-scapy python3-h11 curl apache2-utils ethtool tmux wrk)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "== installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "== note: missing packages ${missing[*]} (run as root to have them installed)"
    fi
fi

echo "== swift build"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { swift build && swift build --build-tests; } 2>&1 | tee "$log"; then
    echo "swift build failed"
    exit 1
fi
warnings=$(grep -E "^$root/(Sources|Tests|Tools|CShims)/.*: warning:" "$log" | sort -u || true)
if [ -n "$warnings" ]; then
    echo "$warnings"
    echo "swift build: $(echo "$warnings" | wc -l) warning(s) in Tern's sources; the build must have none"
    exit 1
fi

echo "== swift test"
swift test

echo "== integration tests"
if [ "$(id -u)" -ne 0 ]; then
    echo "integration tests skipped: they need root (network namespaces, TAP devices); run Tools/test.sh as root"
    exit 0
fi
status=0
TERND="$(swift build --show-bin-path)/ternd" Tests/Integration/run.sh || status=1
echo "== client tools integration tests"
Tests/Integration/tools/run.sh || status=1
exit $status
