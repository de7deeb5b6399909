#!/usr/bin/env bash
# The bulk transfers of tcp_bulk.sh again while ternd's fault injector drops 5 % of the
# frames each way (--fault-drop 0.05, fixed seed): 100 MiB to discard, 100 MiB from chargen
# (the pattern checked), 20 MiB through echo with nc (sha256), 200 echo connections at once.
# Every byte must arrive; the figures are printed as notes. Chargen is the slow one (about
# a minute with the debug build): the stack is the sender there, recovering every loss.
source "$(dirname "$0")/lib.sh"
it_begin tcp_lossy
it_require nc sha256sum
it_namespace
MIB=$((1 << 20))

# `client` with a limit of 300 s instead of 120: slower machines must not fail the chargen.
patient_client() {
    local ns=$1
    shift
    timeout 300 ip netns exec "$ns" "$PY" "$CLIENTS" "$@" 2>&1 | tail -1
    return "${PIPESTATUS[0]}"
}

if ! tap_host "$NS" --echo-port 7 --discard-port 9 --chargen-port 19 --fault-drop 0.05 --fault-seed 5; then
    fail "ternd starts with --fault-drop 0.05" "no ready line"
    it_end
fi

check_noted "5% drop: 100 MiB to discard, then the server's FIN" client "$NS" tcp-discard 10.0.0.2 9 $((100 * MIB))
check_noted "5% drop: 100 MiB from chargen, every byte the RFC 864 pattern" \
    patient_client "$NS" tcp-chargen 10.0.0.2 19 $((100 * MIB))

head -c $((20 * MIB)) /dev/urandom >"$IT_WORK/echo.bin"
sent=$(sha256sum <"$IT_WORK/echo.bin" | cut -d' ' -f1)
start=$(date +%s%N)
received=$(ip netns exec "$NS" timeout 300 nc -N 10.0.0.2 7 <"$IT_WORK/echo.bin" | sha256sum | cut -d' ' -f1)
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$sent" = "$received" ]; then
    pass "5% drop: 20 MiB round trip through echo with nc, sha256 matches"
else
    fail "5% drop: 20 MiB through echo" "sha256 $received, sent $sent (after $ms ms)"
fi
echo "#   20 MiB each way in $ms ms"
rm -f "$IT_WORK/echo.bin"

# Lost SYNs and SYN-ACKs cost the kernel's 1 s (then 3 s…) retransmission: allow time.
check_noted "5% drop: 200 echo connections established at once, 16 KiB each byte-exact" \
    client "$NS" tcp-echo-many 10.0.0.2 7 200 16384 90

kill -USR1 "$TERND_PID"
sleep 0.3
counters=$(grep "counters:" "$IT_WORK/ternd.err" | tail -1)
dropped_out=$(echo "$counters" | sed -n 's/.*faults out: dropped \([0-9]*\).*/\1/p')
dropped_in=$(echo "$counters" | sed -n 's/.*faults in: dropped \([0-9]*\).*/\1/p')
if [ "${dropped_out:-0}" -gt 1000 ] && [ "${dropped_in:-0}" -gt 1000 ]; then
    pass "the injector dropped frames both ways ($dropped_in in, $dropped_out out)"
else
    fail "fault injection" "dropped in: ${dropped_in:-none}, out: ${dropped_out:-none}"
fi
stop_ternd "$TERND_PID"
echo "$counters" | sed 's/^.*counters: /# counters: /'
it_end
