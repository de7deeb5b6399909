#!/usr/bin/env bash
# Runs every integration test file here (each makes and removes its own network
# namespaces) against the real ternd binary, then prints a summary:
#   integration: N passed, N failed, N skipped
# Needs root; without it, says so and exits 0. TERND=path picks the binary (default: the
# debug build); run.sh NAME... runs only those files (e.g. run.sh tcp udp).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export TERND=${TERND:-$root/.build/debug/ternd}

if [ "$(id -u)" -ne 0 ]; then
    echo "integration tests skipped: they need root (network namespaces, TAP devices, packet sockets)"
    exit 0
fi
missing=()
for tool in ip ping arping tshark ss timeout /usr/bin/python3; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "integration tests cannot run: missing ${missing[*]} (Tools/test.sh installs them as root)"
    exit 1
fi
if [ ! -x "$TERND" ]; then
    echo "integration tests cannot run: no ternd binary at $TERND (run swift build first)"
    exit 1
fi

if [ $# -gt 0 ]; then
    files=()
    for name in "$@"; do files+=("$here/${name%.sh}.sh"); done
else
    files=()
    for file in "$here"/*.sh; do
        case "$(basename "$file")" in lib.sh | run.sh) ;; *) files+=("$file") ;; esac
    done
fi

passed=0 failed=0 skipped=0 broken=()
for file in "${files[@]}"; do
    name=$(basename "$file" .sh)
    echo "== $name"
    log=$(mktemp)
    # The file's own namespaces (lib.sh logs each one): others', made meanwhile by tests
    # running concurrently on the same machine, are not this file's leaks.
    namespaces=$(mktemp)
    IT_NAMESPACE_LOG=$namespaces bash "$file" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    leaked=$(comm -12 <(sort -u "$namespaces") <(ip netns list | awk '{print $1}' | sort) | tr '\n' ' ')
    rm -f "$namespaces"
    if [ -n "${leaked// /}" ]; then
        echo "FAIL $name: left network namespaces behind: $leaked" | tee -a "$log"
        status=1
    fi
    p=$(grep -c "^PASS " "$log")
    f=$(grep -c "^FAIL " "$log")
    s=$(grep -c "^SKIP " "$log")
    rm -f "$log"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        # The file died without reporting a failure: count that as one.
        failed=$((failed + 1))
        echo "FAIL $name: the test file exited with status $status"
    fi
    [ "$status" -ne 0 ] && broken+=("$name")
done

echo
[ ${#broken[@]} -gt 0 ] && echo "failing files: ${broken[*]}"
echo "integration: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
