# Shared by the integration tests. Source it, then call `it_begin NAME`.
#
# Each test file runs as root in network namespaces it creates (tern-it-NAME-PID) and
# removes on exit; it starts the real ternd binary ($TERND, default: the debug build)
# inside, and reports each check as a line "PASS name", "FAIL name: why" or
# "SKIP name: why". On failure the daemon's output and capture are kept under
# $IT_ARTIFACTS (default /tmp/tern-it-artifacts) and the path is printed.

set -u
IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_ROOT=$(cd "$IT_DIR/../.." && pwd)
TERND=${TERND:-$IT_ROOT/.build/debug/ternd}
PY=/usr/bin/python3
CLIENTS=$IT_DIR/clients.py
# The client tools (tern-time, tern-chat, tern-words…): beside ternd unless given.
TERN_BIN=${TERN_BIN:-$(dirname "$TERND")}
IT_ARTIFACTS=${IT_ARTIFACTS:-/tmp/tern-it-artifacts}

IT_PASSED=0
IT_FAILED=0
IT_SKIPPED=0
IT_NAMESPACES=()
IT_PIDS=()

# it_begin NAME: the test's name, a work directory, cleanup on exit.
it_begin() {
    IT_NAME=$1
    if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP $IT_NAME: needs root (network namespaces and TAP devices)"
        exit 0
    fi
    if [ ! -x "$TERND" ]; then
        echo "FAIL $IT_NAME: no ternd binary at $TERND (build it first)"
        exit 1
    fi
    IT_WORK=$(mktemp -d "/tmp/tern-it-$IT_NAME-XXXXXX")
    chmod 755 "$IT_WORK"
    # ternd runs in $IT_WORK, so its default web root ./www is this one.
    mkdir -p "$IT_WORK/www"
    echo "<h1>tern</h1>" >"$IT_WORK/www/index.html"
    chmod -R a+rX "$IT_WORK/www"
    trap it_cleanup EXIT
    trap 'exit 130' INT TERM
}

# it_namespace: creates a namespace with loopback up; its name is left in NS. (Not meant
# for $(...): the name must be recorded in this shell for the cleanup to remove it.) When
# IT_NAMESPACE_LOG names a file, the name is also appended there (run.sh checks that each
# is gone afterwards).
it_namespace() {
    NS="tern-it-$IT_NAME-$$-${#IT_NAMESPACES[@]}"
    IT_NAMESPACES+=("$NS")
    [ -n "${IT_NAMESPACE_LOG:-}" ] && echo "$NS" >>"$IT_NAMESPACE_LOG"
    ip netns add "$NS"
    ip netns exec "$NS" ip link set lo up
}

it_cleanup() {
    local pid ns
    for pid in "${IT_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null
            for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null
        fi
    done
    for ns in "${IT_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
    if [ "$IT_FAILED" -gt 0 ]; then
        local keep="$IT_ARTIFACTS/$IT_NAME-$$"
        mkdir -p "$keep" && cp -r "$IT_WORK"/. "$keep"/ 2>/dev/null
        echo "# $IT_NAME: daemon output and captures kept in $keep"
    fi
    rm -rf "$IT_WORK"
    echo "# $IT_NAME: $IT_PASSED passed, $IT_FAILED failed, $IT_SKIPPED skipped"
}

pass() { IT_PASSED=$((IT_PASSED + 1)); echo "PASS $1"; }
fail() { IT_FAILED=$((IT_FAILED + 1)); echo "FAIL $1: $2"; }
skip() { IT_SKIPPED=$((IT_SKIPPED + 1)); echo "SKIP $1: $2"; }

# it_end: exit status of the test file.
it_end() {
    [ "$IT_FAILED" -eq 0 ]
    exit $?
}

# start_ternd NS LABEL ARGS...: starts ternd in namespace NS, its stdout and stderr in
# $IT_WORK/LABEL.out and .err, and waits for the ready line. Sets TERND_PID. Returns 1
# (with the daemon's last words on stdout) if it does not get ready within 10 s.
start_ternd() {
    local ns=$1 label=$2
    shift 2
    (cd "$IT_WORK" && exec ip netns exec "$ns" "$TERND" "$@") >"$IT_WORK/$label.out" 2>"$IT_WORK/$label.err" &
    TERND_PID=$!
    IT_PIDS+=("$TERND_PID")
    for _ in $(seq 100); do
        if grep -q "^ternd ready:" "$IT_WORK/$label.out" 2>/dev/null; then return 0; fi
        if ! kill -0 "$TERND_PID" 2>/dev/null; then break; fi
        sleep 0.1
    done
    echo "# ternd did not get ready; its stderr:"
    sed 's/^/#   /' "$IT_WORK/$label.err"
    return 1
}

# stop_ternd PID [SIGNAL]: signals the daemon and waits for it. Sets STOP_STATUS (its
# exit status; 124 if it outlived 5 s) and STOP_MS (milliseconds until it was gone).
# Not in a subshell: only this shell can collect the daemon's exit status.
stop_ternd() {
    local pid=$1 signal=${2:-TERM} start end
    STOP_STATUS=124
    start=$(date +%s%N)
    kill "-$signal" "$pid" 2>/dev/null
    for _ in $(seq 500); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null
            STOP_STATUS=$?
            break
        fi
        sleep 0.01
    done
    end=$(date +%s%N)
    STOP_MS=$(((end - start) / 1000000))
}

# client NS ARGS...: runs clients.py in NS with a time limit; its line goes to stdout.
client() {
    local ns=$1
    shift
    timeout 120 ip netns exec "$ns" "$PY" "$CLIENTS" "$@" 2>&1 | tail -1
    return "${PIPESTATUS[0]}"
}

# check NAME COMMAND...: PASS if the command succeeds, else FAIL with its last line.
check() {
    local name=$1 output
    shift
    if output=$("$@" 2>&1); then
        pass "$name"
        [ -n "${IT_VERBOSE:-}" ] && echo "#   $(echo "$output" | tail -1)"
    else
        fail "$name" "$(echo "$output" | tail -1)"
    fi
}

# check_noted NAME COMMAND...: check, and the command's last line (figures such as a
# throughput) shown as a note on the next line whatever the outcome.
check_noted() {
    local name=$1 output
    shift
    if output=$("$@" 2>&1); then
        pass "$name"
    else
        fail "$name" "$(echo "$output" | tail -1)"
    fi
    echo "#   $(echo "$output" | tail -1)"
}

# it_require COMMAND...: SKIP the whole file (status 0) when a command it needs is missing.
it_require() {
    local command
    for command in "$@"; do
        if ! command -v "$command" >/dev/null 2>&1 && [ ! -x "$command" ]; then
            skip "$IT_NAME" "$command is not installed"
            exit 0
        fi
    done
}

# tap_host NS [ARGS...]: the usual virtual host: TAP tern0 in NS, ternd at 10.0.0.2/24,
# the kernel at 10.0.0.1/24. Its output goes to $IT_WORK/$IT_LABEL.out and .err
# (IT_LABEL defaults to "ternd"; set it to keep the logs of several runs apart).
tap_host() {
    local ns=$1
    shift
    start_ternd "$ns" "${IT_LABEL:-ternd}" --tap tern0 --address 10.0.0.2/24 --host-address 10.0.0.1/24 "$@"
}

# h11_check CAPTURE: every HTTP response in a capture of the daemon's traffic (ternd --pcap,
# read after the daemon has exited) must satisfy h11, a strict parser of its own
# (h11_check.py). SKIP when python3-h11 is missing.
h11_check() {
    local capture=$1 output
    if ! "$PY" -c "import h11" 2>/dev/null; then
        skip "h11 check of every response" "python3-h11 is not installed"
        return
    fi
    if output=$("$PY" "$IT_DIR/h11_check.py" "$capture" 2>&1); then
        pass "h11 (strict HTTP/1.1 parser) accepts every response of the run: ${output#ok h11 }"
    else
        fail "h11 check of every response" "$(echo "$output" | tail -1)"
    fi
    rm -f "$capture"
}
