#!/usr/bin/env bash
# Bad command lines and impossible setups: one clear line on stderr, a non-zero exit, no
# crash and no ready line.
source "$(dirname "$0")/lib.sh"
it_begin flags
it_namespace

crashed() { grep -qE "Fatal error|Stack trace|Backtrace|Current stack trace|💣|Illegal instruction|Segmentation" "$1"; }

# usage_error NAME ARGS...: rejected before anything is opened.
usage_error() {
    local name=$1
    shift
    timeout 10 ip netns exec "$NS" "$TERND" "$@" >"$IT_WORK/out" 2>"$IT_WORK/err"
    local code=$? lines
    lines=$(wc -l <"$IT_WORK/err")
    if [ "$code" -ne 0 ] && [ "$code" -ne 124 ] && [ "$lines" -eq 1 ] && grep -q "^ternd: " "$IT_WORK/err" \
        && [ ! -s "$IT_WORK/out" ] && ! crashed "$IT_WORK/err"; then
        pass "$name → $(cat "$IT_WORK/err")"
    else
        fail "$name" "exit $code, $lines stderr lines: $(head -3 "$IT_WORK/err" | tr '\n' '|')"
    fi
}

# setup_error NAME ARGS...: accepted, but setup fails; one error line, no ready line.
setup_error() {
    local name=$1
    shift
    timeout 10 ip netns exec "$NS" "$TERND" "$@" >"$IT_WORK/out" 2>"$IT_WORK/err"
    local code=$? errors
    errors=$(grep -c " error ternd: " "$IT_WORK/err")
    if [ "$code" -ne 0 ] && [ "$code" -ne 124 ] && [ "$errors" -eq 1 ] && ! grep -q "ready" "$IT_WORK/out" \
        && ! crashed "$IT_WORK/err"; then
        pass "$name → $(grep " error ternd: " "$IT_WORK/err" | sed 's/^.* error ternd: //')"
    else
        fail "$name" "exit $code, $errors error lines: $(head -3 "$IT_WORK/err" | tr '\n' '|')"
    fi
}

usage_error "no arguments"
usage_error "no link" --address 10.0.0.2/24
usage_error "no address" --tap tern0
usage_error "both links" --tap tern0 --packet-socket eth0 --address 10.0.0.2/24
usage_error "address without prefix" --tap tern0 --address 10.0.0.2
usage_error "address out of range" --tap tern0 --address 10.0.0.300/24
usage_error "prefix out of range" --tap tern0 --address 10.0.0.2/33
usage_error "network address" --tap tern0 --address 10.0.0.0/24
usage_error "gateway outside the subnet" --tap tern0 --address 10.0.0.2/24 --gateway 10.0.1.1
usage_error "route without via" --tap tern0 --address 10.0.0.2/24 --route 10.9.0.0/16 10.0.0.1
usage_error "route via outside the subnet" --tap tern0 --address 10.0.0.2/24 --route 10.9.0.0/16 via 192.168.0.1
usage_error "bad MAC" --tap tern0 --address 10.0.0.2/24 --mac 02:00:00:00:00
usage_error "multicast MAC" --tap tern0 --address 10.0.0.2/24 --mac 01:00:5e:00:00:01
usage_error "host address in another subnet" --tap tern0 --address 10.0.0.2/24 --host-address 10.0.1.1/24
usage_error "host address equal to ours" --tap tern0 --address 10.0.0.2/24 --host-address 10.0.0.2/24
usage_error "MTU too small" --tap tern0 --address 10.0.0.2/24 --mtu 20
usage_error "port out of range" --tap tern0 --address 10.0.0.2/24 --echo-port 65536
usage_error "two services on one port" --tap tern0 --address 10.0.0.2/24 --echo-port 37
usage_error "probability above 1" --tap tern0 --address 10.0.0.2/24 --fault-drop 2
usage_error "unknown log level" --tap tern0 --address 10.0.0.2/24 --log-level loud
usage_error "unknown flag" --tap tern0 --address 10.0.0.2/24 --frobnicate
usage_error "interface name too long" --tap a-very-long-tap-name --address 10.0.0.2/24

setup_error "no such user" --tap tern0 --address 10.0.0.2/24 --user no-such-user-here
setup_error "no such interface" --packet-socket nosuchif0 --address 10.0.0.2/24
setup_error "TAP name of an existing non-TAP interface" --tap lo --address 10.0.0.2/24
setup_error "capture in a missing directory" --tap tern0 --address 10.0.0.2/24 --pcap /nonexistent/dir/x.pcap

if timeout 10 "$TERND" --help >"$IT_WORK/out" 2>&1 && grep -q -- "--address <cidr>" "$IT_WORK/out"; then
    pass "--help prints the options and exits 0"
else
    fail "--help" "$(head -2 "$IT_WORK/out" | tr '\n' '|')"
fi
it_end
