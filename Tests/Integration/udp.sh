#!/usr/bin/env bash
# UDP services against the kernel's sockets: time, echo, discard, chargen, and ICMP port
# unreachable seen as ECONNREFUSED.
source "$(dirname "$0")/lib.sh"
it_begin udp
it_namespace

if ! tap_host "$NS" --echo-port 7 --discard-port 9 --chargen-port 19; then
    fail "ternd starts" "no ready line"
    it_end
fi

check "UDP time within ±2 s" client "$NS" udp-time 10.0.0.2 37
check "UDP echo byte-exact (0, 1, 1472 bytes; 1473, 4000, 65507 fragmented)" \
    client "$NS" udp-echo 10.0.0.2 7 0 1 1472 1473 4000 65507
check "UDP discard answers nothing" client "$NS" udp-discard 10.0.0.2 9
check "UDP chargen answers 0–512 bytes of the pattern" client "$NS" udp-chargen 10.0.0.2 19 30
check "ICMP port unreachable reaches a connected UDP socket as ECONNREFUSED" client "$NS" udp-refused 10.0.0.2 4444
it_end
