#!/usr/bin/env bash
# Bulk TCP against the kernel's TCP: 100 MiB to discard, 100 MiB from chargen (every byte
# checked against RFC 864's pattern), 20 MiB round trip through echo with nc, checked by
# sha256, and 200 echo connections established at once. The figures (MB/s) are printed as
# notes; the counters of the run are logged at the end.
source "$(dirname "$0")/lib.sh"
it_begin tcp_bulk
it_require nc sha256sum
it_namespace
MIB=$((1 << 20))

if ! tap_host "$NS" --echo-port 7 --discard-port 9 --chargen-port 19; then
    fail "ternd starts" "no ready line"
    it_end
fi

check_noted "100 MiB to discard, then the server's FIN" client "$NS" tcp-discard 10.0.0.2 9 $((100 * MIB))
check_noted "100 MiB from chargen, every byte the RFC 864 pattern" client "$NS" tcp-chargen 10.0.0.2 19 $((100 * MIB))

# nc sends the file, half-closes when it ends (-N) and prints what comes back until the
# server closes.
head -c $((20 * MIB)) /dev/urandom >"$IT_WORK/echo.bin"
sent=$(sha256sum <"$IT_WORK/echo.bin" | cut -d' ' -f1)
start=$(date +%s%N)
received=$(ip netns exec "$NS" timeout 60 nc -N 10.0.0.2 7 <"$IT_WORK/echo.bin" | sha256sum | cut -d' ' -f1)
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$sent" = "$received" ]; then
    pass "20 MiB round trip through echo with nc: sha256 matches"
else
    fail "20 MiB through echo" "sha256 $received, sent $sent"
fi
echo "#   20 MiB each way in $ms ms"
rm -f "$IT_WORK/echo.bin"

check_noted "200 echo connections established at once, 64 KiB each byte-exact" \
    client "$NS" tcp-echo-many 10.0.0.2 7 200 65536

kill -USR1 "$TERND_PID"
sleep 0.3
# The kernel sends to discard as fast as the window lets it, and the service reads at once:
# the receive buffer grows past its first 256 KiB.
grown=$(grep "counters:" "$IT_WORK/ternd.err" | tail -1 | grep -oE "TCP receive buffers grown: [0-9]+" | grep -oE "[0-9]+$")
if [ "${grown:-0}" -gt 0 ]; then
    pass "receive buffers grew while the kernel filled the window ($grown doublings)"
else
    fail "receive-buffer growth" "no growth counted"
fi
left=$(ip netns exec "$NS" ss -tanH state established '( dport = :7 or dport = :9 or dport = :19 )' | wc -l)
if [ "$left" -eq 0 ]; then
    pass "no connection left established on the kernel side"
else
    fail "connections left" "$left still established"
fi
stop_ternd "$TERND_PID"
if [ "$STOP_STATUS" -eq 0 ]; then
    pass "ternd exits 0 on SIGTERM after the run"
else
    fail "ternd after the run" "exit status $STOP_STATUS"
fi
grep "counters:" "$IT_WORK/ternd.err" | tail -1 | sed 's/^.*counters: /# counters: /'
it_end
