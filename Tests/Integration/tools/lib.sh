# Shared by the client tools' integration tests (sourced, not run).
#
# Each test script gets a network namespace of its own, tern-clients-$$, with only a
# loopback interface: the test servers listen there and the tools run there, so nothing
# touches the host's network. Everything started is recorded by PID and stopped on exit,
# and the namespace is deleted, by the EXIT trap.

set -u

TOOLS_TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$TOOLS_TEST_DIR/../../.." && pwd)
# The tools under test: TERN_BIN, or the debug build.
BIN=${TERN_BIN:-$REPO_ROOT/.build/debug}
SERVERS=$TOOLS_TEST_DIR/servers
NS=tern-clients-$$
WORK=""
STARTED_PIDS=()
TMUX_SOCKET=""
CHECKS=0
FAILED=0

cleanup() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${STARTED_PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    if [ -n "$TMUX_SOCKET" ]; then
        tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null
    fi
    ip netns del "$NS" 2>/dev/null
    [ -n "$WORK" ] && rm -rf "$WORK"
}

# Skips the script (status 77) unless it runs as root with the tools built; then creates
# the namespace.
setup() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP $(basename "$0"): needs root to create network namespace $NS"
        exit 77
    fi
    local tool
    for tool in "$@"; do
        if [ ! -x "$BIN/$tool" ]; then
            echo "SKIP $(basename "$0"): $BIN/$tool is not built (swift build, or set TERN_BIN)"
            exit 77
        fi
    done
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/tern-clients-$$-XXXXXX")
    ip netns add "$NS" || { echo "FAIL cannot create network namespace $NS"; exit 1; }
    ip -n "$NS" link set lo up
}

# Runs a command inside the namespace.
in_ns() {
    ip netns exec "$NS" "$@"
}

# Starts a command in the background inside the namespace, its output to
# $WORK/servers.log, and records its PID (`ip netns exec` execs the command, so the PID is
# the command's own).
start() {
    ip netns exec "$NS" "$@" >>"$WORK/servers.log" 2>&1 &
    STARTED_PIDS+=($!)
}

# Makes BLACK_HOLE (10.99.0.2) an address whose connection attempts are never answered: it
# sits behind a veth pair whose other end has no such address (a permanent neighbour entry
# spares the ARP), so every SYN is silently dropped.
BLACK_HOLE=10.99.0.2
make_black_hole() {
    in_ns ip link add tern-hole0 type veth peer name tern-hole1
    in_ns ip addr add 10.99.0.1/24 dev tern-hole0
    in_ns ip link set tern-hole0 up
    in_ns ip link set tern-hole1 up
    in_ns ip neigh add "$BLACK_HOLE" lladdr 02:00:00:00:99:02 dev tern-hole0 nud permanent
}

# Waits until something listens on TCP (or, with "udp", UDP) port $1 in the namespace.
wait_for_port() {
    local port=$1 proto=${2:-tcp} flag=-ltnH
    [ "$proto" = udp ] && flag=-lunH
    local tries=0
    while ! in_ns ss $flag "sport = :$port" | grep -q .; do
        tries=$((tries + 1))
        if [ $tries -gt 100 ]; then
            echo "FAIL nothing listens on $proto port $port after 10 s"
            exit 1
        fi
        sleep 0.1
    done
}

# Waits up to $1 seconds until the command in "$@" (after the first argument) succeeds.
wait_until() {
    local seconds=$1
    shift
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.1
    done
}

pass() {
    CHECKS=$((CHECKS + 1))
    echo "  ok    $1"
}

fail() {
    CHECKS=$((CHECKS + 1))
    FAILED=$((FAILED + 1))
    echo "  FAIL  $1"
    shift
    local detail
    for detail in "$@"; do
        printf '%s\n' "$detail" | sed 's/^/        | /'
    done
}

# check NAME COMMAND...: passes when the command succeeds.
check() {
    local name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

# Runs a tool in the namespace, capturing standard output, standard error and the status
# in $OUT, $ERR and $STATUS.
run_tool() {
    in_ns "$@" >"$WORK/out" 2>"$WORK/err"
    STATUS=$?
    OUT=$(tr -d '\0' <"$WORK/out")
    ERR=$(cat "$WORK/err")
}

# expect_failure NAME STATUS MESSAGE TOOL ARGS...: the tool exits with STATUS and its
# standard error is one line containing MESSAGE.
expect_failure() {
    local name=$1 status=$2 message=$3
    shift 3
    run_tool "$@"
    if [ "$STATUS" -eq "$status" ] && [[ "$ERR" == *"$message"* ]] && [ "$(printf '%s\n' "$ERR" | wc -l)" -eq 1 ]; then
        pass "$name"
    else
        fail "$name" "status $STATUS (expected $status)" "stderr: $ERR" "expected to contain: $message"
    fi
}

# Prints the summary line and exits with the script's status.
finish() {
    echo "$(basename "$0"): $CHECKS checks, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit $?
}
