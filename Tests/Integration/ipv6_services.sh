#!/usr/bin/env bash
# Every service over IPv6 against the real kernel: HTTP (curl -g, 100 MiB byte-exact, and
# over the link-local address), nmap -6 port states over TCP and UDP, time over TCP and
# UDP, echo, tern-get with a bracketed literal, and chat between an IPv6 and an IPv4 client.
source "$(dirname "$0")/lib.sh"
it_begin ipv6_services
it_require curl nmap tmux "$TERN_BIN/tern-get" "$TERN_BIN/tern-time" "$TERN_BIN/tern-chat"
it_namespace
TMUX_SOCKET=tern-it-chat6-$$
tm() { tmux -L "$TMUX_SOCKET" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; it_cleanup' EXIT

head -c $((100 << 20)) /dev/urandom >"$IT_WORK/www/big.bin"
echo "hello over IPv6" >"$IT_WORK/www/hello.txt"
chmod a+r "$IT_WORK/www/big.bin" "$IT_WORK/www/hello.txt"
if ! tap_host "$NS" --address fd00::2/64 --echo-port 7; then
    fail "ternd starts" "no ready line"
    it_end
fi
ip netns exec "$NS" ip -6 addr add fd00::1/64 dev tern0 nodad
for _ in $(seq 10); do ip netns exec "$NS" ping -6 -c 1 -W 1 fd00::2 >/dev/null 2>&1 && break; done

start=$(date +%s%N)
code=$(ip netns exec "$NS" timeout 120 curl -g -s -o "$IT_WORK/got.bin" -w "%{http_code}" 'http://[fd00::2]/big.bin')
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$code" = 200 ] && cmp -s "$IT_WORK/got.bin" "$IT_WORK/www/big.bin"; then
    pass "curl -g http://[fd00::2]/big.bin: 100 MiB byte-exact in $ms ms"
else
    fail "curl -g 100 MiB over IPv6" "status $code, $(stat -c %s "$IT_WORK/got.bin" 2>/dev/null) bytes"
fi
rm -f "$IT_WORK/got.bin"
out=$(ip netns exec "$NS" timeout 10 curl -g -s 'http://[fe80::aff:fe00:2%25tern0]/hello.txt')
if [ "$out" = "hello over IPv6" ]; then
    pass "HTTP over the link-local address (curl -g with %25tern0)"
else
    fail "HTTP over link-local" "got '$out'"
fi
out=$(ip netns exec "$NS" timeout 10 "$TERN_BIN/tern-get" '[fd00::2]' /hello.txt 2>&1)
if echo "$out" | head -1 | grep -q "^HTTP/1.1 200" && echo "$out" | grep -q "^hello over IPv6"; then
    pass "tern-get '[fd00::2]' /hello.txt"
else
    fail "tern-get over IPv6" "$(echo "$out" | head -1)"
fi

tcp=$(ip netns exec "$NS" timeout 60 nmap -6 -n -sT -p 7,37,80,81,3490 fd00::2 2>&1 | grep -E "^[0-9]+/tcp" | awk '{print $1 "=" $2}' | tr '\n' ' ')
if [ "$tcp" = "7/tcp=open 37/tcp=open 80/tcp=open 81/tcp=closed 3490/tcp=open " ]; then
    pass "nmap -6 -sT: $tcp"
else
    fail "nmap -6 -sT" "$tcp"
fi
udp=$(ip netns exec "$NS" timeout 60 nmap -6 -n -sU -p 7,9,37 fd00::2 2>&1 | grep -E "^[0-9]+/udp" | awk '{print $1 "=" $2}' | tr '\n' ' ')
if [ "$udp" = "7/udp=open 9/udp=closed 37/udp=open " ]; then
    pass "nmap -6 -sU: $udp"
else
    fail "nmap -6 -sU" "$udp"
fi

for mode in "" --udp; do
    out=$(ip netns exec "$NS" timeout 10 "$TERN_BIN/tern-time" $mode fd00::2 2>&1)
    if echo "$out" | grep -q "^Server time: [0-9]"; then
        pass "tern-time ${mode:-over TCP} fd00::2: $(echo "$out" | head -1)"
    else
        fail "tern-time $mode over IPv6" "$(echo "$out" | tail -1)"
    fi
done
out=$(echo "echo me" | ip netns exec "$NS" timeout 5 nc -6 -q 1 fd00::2 7 2>&1)
if [ "$out" = "echo me" ]; then
    pass "TCP echo over IPv6 (nc -6)"
else
    fail "TCP echo over IPv6" "got '$out'"
fi

# Chat: alice over IPv6, bob over IPv4, in one room.
ROWS=15
open_client() {
    tm new-session -d -s "$1" -x 70 -y "$ROWS" \
        "ip netns exec $NS $TERN_BIN/tern-chat $1 $2 3490; echo \"[exit \$?]\"; exec sleep 600"
}
shows() { tm capture-pane -p -t "$1" | grep -qxF -- "$2"; }
wait_shows() {
    for _ in $(seq 100); do shows "$1" "$2" && return 0; sleep 0.1; done
    return 1
}
open_client alice fd00::2
if wait_shows alice "*** alice has joined the chat"; then
    pass "tern-chat alice fd00::2 3490 joins"
else
    fail "tern-chat over IPv6" "$(tm capture-pane -p -t alice | sed '/^ *$/d' | tr '\n' '|')"
fi
open_client bob 10.0.0.2
wait_shows alice "*** bob has joined the chat" >/dev/null
tm send-keys -t alice -l "hello from IPv6"
tm send-keys -t alice Enter
if wait_shows bob "alice: hello from IPv6"; then
    pass "a message from the IPv6 client reaches the IPv4 one"
else
    fail "chat across families" "$(tm capture-pane -p -t bob | sed '/^ *$/d' | tr '\n' '|')"
fi
tm kill-server 2>/dev/null
stop_ternd "$TERND_PID"
it_end
