#!/usr/bin/env bash
# The one test command:
#
#   Tools/test.sh
#
# Builds the package (failing on any compiler warning in Tern's own sources), runs the
# unit tests (`swift test`), then the integration tests against the real ternd binary
# (Tests/Integration/run.sh, the demo among them), the client tools' tests, and the
# container test (Tests/Container/docker.sh), which need root. Without root they are
# skipped with a message. As root, missing Debian packages the tests use are installed
# first.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# Debian packages the build and the tests use (Tools/lib/packages.sh names them; .ci/run
# installs the same through the same file).
source "$root/Tools/lib/packages.sh"
if [ "$(id -u)" -eq 0 ]; then
    packages_ensure test.sh "${TERN_TEST_PACKAGES[@]}" "${TERN_CONTAINER_PACKAGES[@]}"
else
    missing=$(packages_missing "${TERN_TEST_PACKAGES[@]}" | tr '\n' ' ')
    [ -n "$missing" ] && echo "== note: missing packages $missing(run as root to have them installed)"
fi

# The container test's stand-in base images need debootstrap and Debian's mirror, little
# CPU: when they are not cached yet, they are made in the background while the rest runs.
trees_pid=""
trees_log=$(mktemp)
if [ "$(id -u)" -eq 0 ]; then
    Tests/Container/base-trees.sh >"$trees_log" 2>&1 &
    trees_pid=$!
fi

echo "== swift build"
log=$(mktemp)
trap 'rm -f "$log" "$trees_log"; [ -n "$trees_pid" ] && kill -TERM "$trees_pid" 2>/dev/null; true' EXIT
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

# The libraries, the daemon and the tools stay free of Foundation (the tools' size, and
# the daemon's surface, depend on it); tests may use it.
foundation=$(grep -rlE "^[[:space:]]*(@_exported )?import Foundation" Sources Tools CShims Fuzz 2>/dev/null || true)
if [ -n "$foundation" ]; then
    echo "$foundation"
    echo "these files import Foundation: the libraries, ternd and the tools must not"
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
echo "== container test (a private Docker engine builds and runs the image as the README says)"
container_log=$(mktemp)
wait "$trees_pid" || true   # the test makes whatever the background run did not
trees_pid=""
cat "$trees_log"
Tests/Container/docker.sh 2>&1 | tee "$container_log" || status=1
passed=$(grep -c "^PASS " "$container_log" || true)
failed=$(grep -c "^FAIL " "$container_log" || true)
rm -f "$container_log"
echo "container: $passed passed, $failed failed"
exit $status
