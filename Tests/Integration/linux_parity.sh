#!/usr/bin/env bash
# Where ternd answers as Linux does, probed with scapy (linux_parity.py): a SYN with a
# malformed MSS or timestamp option is answered; an inexact RST in SYN-RECEIVED draws a
# challenge ACK; PAWS lets a reordered duplicate ACK through but not older data; an ICMP
# timestamp request is answered in ms since midnight UT; with the connection table full a
# SYN gets a reset; IPv4 options: record route and timestamp echoed, malformed ones answered
# with a parameter problem, source routes dropped. Then,
# with the kernel's TCP as the client on a clean link, chargen and discard transfers
# without spurious retransmissions from ternd (loss probes wait for the kernel's ACKs).
source "$(dirname "$0")/lib.sh"
it_begin linux_parity
it_require /usr/bin/python3
if ! "$PY" -c "import scapy" 2>/dev/null; then
    skip "$IT_NAME" "python3-scapy is not installed"
    exit 0
fi
it_namespace
ip netns exec "$NS" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1

# run_checks LABEL CHECKS ARGS...: ternd with ARGS, then linux_parity.py CHECKS.
run_checks() {
    local label=$1 checks=$2 output
    shift 2
    IT_LABEL=$label
    if ! tap_host "$NS" --discard-port 9 "$@"; then
        fail "ternd starts ($label)" "no ready line"
        return
    fi
    output=$(ip netns exec "$NS" timeout 60 "$PY" "$IT_DIR/linux_parity.py" --interface tern0 --address 10.0.0.2 \
        "$checks" 2>&1)
    echo "$output" | grep -E "^(PASS|FAIL) "
    IT_PASSED=$((IT_PASSED + $(echo "$output" | grep -c "^PASS ")))
    IT_FAILED=$((IT_FAILED + $(echo "$output" | grep -c "^FAIL ")))
    if echo "$output" | grep -q "^Traceback"; then
        fail "linux_parity.py $checks" "$(echo "$output" | tail -1)"
    fi
    stop_ternd "$TERND_PID"
}

run_checks parity tcp
run_checks options ipopts
run_checks full full --max-connections 1

IT_LABEL=clean
if tap_host "$NS" --discard-port 9 --chargen-port 19; then
    for _ in 1 2 3; do
        client "$NS" tcp-chargen 10.0.0.2 19 $((20 << 20)) >/dev/null
        client "$NS" tcp-discard 10.0.0.2 9 $((20 << 20)) >/dev/null
    done
    kill -USR1 "$TERND_PID"
    sleep 0.3
    counters=$(grep "counters:" "$IT_WORK/clean.err" | tail -1)
    stop_ternd "$TERND_PID"
    retransmissions=$(echo "$counters" | grep -oE "TCP retransmissions: [0-9]+" | grep -oE "[0-9]+$")
    probes=$(echo "$counters" | grep -oE "TCP tail loss probes: [0-9]+" | grep -oE "[0-9]+$")
    # A loss probe that fires before the kernel's ACK is a spurious retransmission. With
    # probes after 2·SRTT (at least 1 ms) there were several per transfer; now there are none, but
    # on a heavily loaded machine a scheduling delay of over 8 ms can still make one.
    if [ "${retransmissions:-0}" -le 2 ]; then
        pass "clean link: 3 × 20 MiB each way, ${retransmissions:-no} retransmissions (at most 2)"
    else
        fail "clean link: no spurious retransmissions" "$retransmissions retransmissions, ${probes:-0} loss probes"
    fi
else
    fail "ternd starts (clean)" "no ready line"
fi
it_end
