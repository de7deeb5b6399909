#!/usr/bin/env bash
# Captures that tell the truth. With the TAP's offloads on (the default), ternd hands the
# kernel TCP super-segments with their checksums left to it, and every other frame
# finished. So tcpdump on the TAP, during a curl of a small and of a large file, a ping
# and a UDP exchange, must show every frame ternd sent that fits the MTU with valid
# checksums (tshark with checksum validation on), and tern-checksum must report no
# invalid checksum in that capture: the kernel's own frames and ternd's super-segments,
# whose checksums are finished after the capture point, count as offloaded. ternd's own
# --pcap records frames as the wire carries them: none larger than the MTU, all valid.
# The same over IPv6: TCPv6 super-segments both ways, the same verdicts.
source "$(dirname "$0")/lib.sh"
it_begin capture
it_require tcpdump tshark curl sha256sum
CHECKSUM=$TERN_BIN/tern-checksum
it_require "$CHECKSUM"
it_namespace

head -c 100 /dev/urandom | base64 >"$IT_WORK/www/small.txt"
head -c $((8 << 20)) /dev/urandom >"$IT_WORK/www/large.bin"
chmod a+r "$IT_WORK/www"/*

if ! tap_host "$NS" --address fd00::2/64 --pcap "$IT_WORK/ternd.pcap" --echo-port 7 --discard-port 9; then
    fail "ternd starts" "no ready line"
    it_end
fi
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip -6 addr add fd00::1/64 dev tern0 nodad
# ternd's IPv6 address is tentative for its one second of duplicate address detection.
for _ in $(seq 20); do in_ns ping -6 -c 1 -W 1 fd00::2 >/dev/null 2>&1 && break; sleep 0.2; done

# tcpdump on the TAP, full frames, written as they come (-U).
ip netns exec "$NS" tcpdump -i tern0 -s 0 -U -w "$IT_WORK/tap.pcap" 2>"$IT_WORK/tcpdump.err" &
TCPDUMP_PID=$!
IT_PIDS+=("$TCPDUMP_PID")
for _ in $(seq 50); do grep -q "listening on" "$IT_WORK/tcpdump.err" 2>/dev/null && break; sleep 0.1; done

check "ping while capturing" in_ns ping -c 3 -i 0.2 -W 2 10.0.0.2
check "UDP echo while capturing" client "$NS" udp-echo 10.0.0.2 7 10 1000
small=$(in_ns curl -s -m 20 http://10.0.0.2/small.txt | sha256sum | cut -d' ' -f1)
check "curl of a small file while capturing, byte-exact" test "$small" = "$(sha256sum <"$IT_WORK/www/small.txt" | cut -d' ' -f1)"
large=$(in_ns curl -s -m 60 http://10.0.0.2/large.bin | sha256sum | cut -d' ' -f1)
check "curl of an 8 MiB file while capturing, byte-exact" test "$large" = "$(sha256sum <"$IT_WORK/www/large.bin" | cut -d' ' -f1)"
large6=$(in_ns curl -s -g -m 60 'http://[fd00::2]/large.bin' | sha256sum | cut -d' ' -f1)
check "curl of an 8 MiB file over IPv6 while capturing, byte-exact" test "$large6" = "$(sha256sum <"$IT_WORK/www/large.bin" | cut -d' ' -f1)"
# An upload, so the kernel hands ternd TCPv6 super-segments too (discard service).
check "4 MiB sent to the discard service over IPv6 while capturing" client "$NS" tcp-discard fd00::2 9 $((4 << 20))
sleep 0.3
kill -INT "$TCPDUMP_PID" 2>/dev/null
for _ in $(seq 50); do kill -0 "$TCPDUMP_PID" 2>/dev/null || break; sleep 0.1; done
stop_ternd "$TERND_PID"

# tshark_count FILE FILTER: how many frames of FILE match FILTER, checksums validated
# (tshark always validates ICMP checksums).
tshark_count() {
    tshark -r "$1" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
        -Y "$2" 2>/dev/null | wc -l
}
BAD='(ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0)'
GOOD='(tcp.checksum.status == 1 || udp.checksum.status == 1 || icmp.checksum.status == 1)'
FROM_TERND='ip.src == 10.0.0.2 && frame.len <= 1514'

# Every frame ternd sent that fits the MTU, of each protocol: some checked, none bad.
tcp_good=$(tshark_count "$IT_WORK/tap.pcap" "$FROM_TERND && tcp.checksum.status == 1")
synack_good=$(tshark_count "$IT_WORK/tap.pcap" "$FROM_TERND && tcp.flags.syn == 1 && tcp.checksum.status == 1")
udp_good=$(tshark_count "$IT_WORK/tap.pcap" "$FROM_TERND && udp.checksum.status == 1")
icmp_good=$(tshark_count "$IT_WORK/tap.pcap" "$FROM_TERND && icmp.checksum.status == 1")
sent_bad=$(tshark_count "$IT_WORK/tap.pcap" "$FROM_TERND && $BAD")
counts="TCP $tcp_good valid (SYN-ACKs $synack_good), UDP $udp_good, ICMP $icmp_good; $sent_bad bad"
if [ "$synack_good" -ge 2 ] && [ "$udp_good" -ge 2 ] && [ "$icmp_good" -ge 3 ] && [ "$sent_bad" -eq 0 ]; then
    pass "tcpdump on the TAP: every frame ternd sent that fits the MTU validates in tshark ($counts)"
else
    fail "tcpdump on the TAP: every frame ternd sent that fits the MTU validates in tshark" "$counts"
fi
super=$(tshark_count "$IT_WORK/tap.pcap" "ip.src == 10.0.0.2 && frame.len > 1514")
echo "#   ternd's super-segments in the TAP capture (checksum left to the kernel): $super"
FROM_TERND6='ipv6.src == fd00::2 && frame.len <= 1514'
tcp6_good=$(tshark_count "$IT_WORK/tap.pcap" "$FROM_TERND6 && tcp.checksum.status == 1")
tcp6_bad=$(tshark_count "$IT_WORK/tap.pcap" "$FROM_TERND6 && $BAD")
super6=$(tshark_count "$IT_WORK/tap.pcap" "ipv6.src == fd00::2 && tcp && frame.len > 1514")
if [ "$tcp6_good" -ge 2 ] && [ "$tcp6_bad" -eq 0 ] && [ "$super6" -ge 1 ]; then
    pass "tcpdump on the TAP over IPv6: $tcp6_good TCPv6 frames from ternd valid, none bad, $super6 TCPv6 super-segments"
else
    fail "tcpdump on the TAP over IPv6" "$tcp6_good valid, $tcp6_bad bad, $super6 super-segments (expected some: offloads for TCPv6)"
fi

report=$("$CHECKSUM" --pcap "$IT_WORK/tap.pcap")
status=$?
summary=$(echo "$report" | head -1)
if [ "$status" -eq 0 ] && echo "$summary" | grep -q ", 0 invalid"; then
    pass "tern-checksum on the TAP capture: 0 invalid ($summary)"
else
    fail "tern-checksum on the TAP capture: 0 invalid" "exit $status: $(echo "$report" | grep -m3 -E 'FAIL|invalid')"
fi

# ternd's own capture: frames as the wire carries them.
wire_big=$(tshark_count "$IT_WORK/ternd.pcap" "frame.len > 1514")
wire_good=$(tshark_count "$IT_WORK/ternd.pcap" "$GOOD")
wire_bad=$(tshark_count "$IT_WORK/ternd.pcap" "$BAD")
wire6_good=$(tshark_count "$IT_WORK/ternd.pcap" "ipv6 && tcp.checksum.status == 1")
echo "#   TCPv6 frames in ternd's --pcap with a valid checksum: $wire6_good"
if [ "$wire_big" -eq 0 ] && [ "$wire_bad" -eq 0 ] && [ "$wire_good" -gt 100 ] && [ "$wire6_good" -gt 100 ]; then
    pass "ternd --pcap: no frame larger than the MTU, every checksum valid ($wire_good checked)"
else
    fail "ternd --pcap: no frame larger than the MTU, every checksum valid" "$wire_big larger, $wire_bad bad, $wire_good good ($wire6_good TCPv6)"
fi
report=$("$CHECKSUM" --pcap "$IT_WORK/ternd.pcap")
status=$?
summary=$(echo "$report" | head -1)
if [ "$status" -eq 0 ] && echo "$summary" | grep -q ", 0 invalid$"; then
    pass "tern-checksum on ternd's --pcap: 0 invalid, none offloaded ($summary)"
else
    fail "tern-checksum on ternd's --pcap: 0 invalid, none offloaded" "exit $status: $summary"
fi
it_end
