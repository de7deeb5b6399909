#!/usr/bin/env bash
# The daemon as a process: privileges after setup, the capture file, signals (SIGUSR1
# logs counters; SIGTERM and SIGINT close connections with a FIN and exit 0 quickly).
source "$(dirname "$0")/lib.sh"
it_begin lifecycle
it_namespace
PCAP=$IT_WORK/lifecycle.pcap

if ! tap_host "$NS" --echo-port 7 --pcap "$PCAP"; then
    fail "ternd starts" "no ready line"
    it_end
fi
PID=$TERND_PID

ready=$(cat "$IT_WORK/ternd.out")
if [ "$(wc -l <"$IT_WORK/ternd.out")" -eq 1 ] && echo "$ready" | grep -q "10.0.0.2/24" \
    && echo "$ready" | grep -q "02:00:0a:00:00:02" && echo "$ready" | grep -q "tern0" \
    && echo "$ready" | grep -q "time 37" && echo "$ready" | grep -q "echo 7"; then
    pass "one ready line with address, MAC, device and ports"
else
    fail "ready line" "got: $ready"
fi
echo "# $ready"

status=/proc/$PID/status
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$status")
gids=$(awk '/^Gid:/ {print $2, $3, $4, $5}' "$status")
if [ "$uids" = "65534 65534 65534 65534" ] && [ "$gids" = "65534 65534 65534 65534" ]; then
    pass "runs as uid 65534 (real, effective, saved, fs) and gid 65534"
else
    fail "user" "Uid: $uids, Gid: $gids"
fi
caps=$(grep -E "^Cap(Eff|Prm|Inh|Bnd|Amb):" "$status" | tr '\t' ' ' | tr '\n' ' ')
if [ "$(grep -cE '^Cap(Eff|Prm|Inh):\s+0000000000000000$' "$status")" -eq 3 ]; then
    pass "CapEff, CapPrm and CapInh all zero"
else
    fail "capabilities" "$caps"
fi
if grep -qE '^CapBnd:\s+0000000000000000$' "$status" && grep -qE '^NoNewPrivs:\s+1$' "$status"; then
    pass "bounding set empty and no-new-privs set"
else
    fail "bounding set and no-new-privs" "$caps $(grep NoNewPrivs "$status")"
fi
groups=$(awk '/^Groups:/ {print $2}' "$status")
if [ -z "$groups" ]; then
    pass "no supplementary groups"
else
    fail "supplementary groups" "Groups: $groups"
fi

ip netns exec "$NS" ping -c 3 -i 0.1 -W 2 10.0.0.2 >/dev/null 2>&1

kill -USR1 "$PID"
sleep 0.3
if grep -q "counters: .*echo replies sent: 3" "$IT_WORK/ternd.err" && kill -0 "$PID"; then
    pass "SIGUSR1 logs the counters and the daemon runs on"
else
    fail "SIGUSR1" "$(grep counters "$IT_WORK/ternd.err" | tail -1)"
fi

# An open TCP connection when SIGTERM comes must be closed with a FIN.
ready_file=$IT_WORK/connection-ready
client "$NS" tcp-wait-close 10.0.0.2 7 "$ready_file" >"$IT_WORK/wait-close.txt" &
client_pid=$!
for _ in $(seq 100); do [ -e "$ready_file" ] && break; sleep 0.05; done

stop_ternd "$PID" TERM
code=$STOP_STATUS ms=$STOP_MS
if [ "$code" -eq 0 ] && [ "$ms" -le 2000 ]; then
    pass "SIGTERM: exit status 0 after $ms ms"
else
    fail "SIGTERM" "exit status $code after $ms ms"
fi
if wait "$client_pid"; then
    pass "SIGTERM closes an open connection with a FIN"
else
    fail "FIN on SIGTERM" "$(cat "$IT_WORK/wait-close.txt")"
fi
if grep -q "counters:" "$IT_WORK/ternd.err" && grep -q "SIGTERM" "$IT_WORK/ternd.err"; then
    pass "the counters are logged on exit"
else
    fail "counters on exit" "no counters line in the log"
fi

if tshark -r "$PCAP" >/dev/null 2>&1; then
    arp=$(tshark -r "$PCAP" -Y arp 2>/dev/null | wc -l)
    icmp=$(tshark -r "$PCAP" -Y "icmp.type==0 || icmp.type==8" 2>/dev/null | wc -l)
    fin=$(tshark -r "$PCAP" -Y "ip.src==10.0.0.2 && tcp.flags.fin==1" 2>/dev/null | wc -l)
    if [ "$arp" -gt 0 ] && [ "$icmp" -ge 6 ]; then
        pass "capture readable by tshark: $arp ARP and $icmp ICMP echo frames"
    else
        fail "capture contents" "$arp ARP and $icmp ICMP echo frames"
    fi
    if [ "$fin" -gt 0 ]; then
        pass "the capture holds the FIN sent on shutdown"
    else
        fail "FIN in the capture" "none from 10.0.0.2"
    fi
else
    fail "capture readable by tshark" "$(tshark -r "$PCAP" 2>&1 | tail -1)"
fi

# SIGINT behaves the same.
if tap_host "$NS"; then
    stop_ternd "$TERND_PID" INT
    code=$STOP_STATUS ms=$STOP_MS
    if [ "$code" -eq 0 ] && [ "$ms" -le 2000 ]; then
        pass "SIGINT: exit status 0 after $ms ms"
    else
        fail "SIGINT" "exit status $code after $ms ms"
    fi
else
    fail "second start" "no ready line"
fi
it_end
