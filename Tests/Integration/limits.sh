#!/usr/bin/env bash
# The resource-bound flags: each is range-checked with a one-line error, listed by --help
# with its default, and each one set low really bounds what it says (seen in the counters,
# the capture or the chat's answer).
source "$(dirname "$0")/lib.sh"
it_begin limits
it_namespace

# usage_error NAME ARGS...: rejected with one line on stderr and a non-zero exit.
usage_error() {
    local name=$1
    shift
    timeout 10 ip netns exec "$NS" "$TERND" --tap tern0 --address 10.0.0.2/24 "$@" >"$IT_WORK/out" 2>"$IT_WORK/err"
    local code=$?
    if [ "$code" -ne 0 ] && [ "$code" -ne 124 ] && [ "$(wc -l <"$IT_WORK/err")" -eq 1 ] \
        && grep -q "^ternd: .*out of range" "$IT_WORK/err" && [ ! -s "$IT_WORK/out" ]; then
        pass "$name → $(cat "$IT_WORK/err")"
    else
        fail "$name" "exit $code: $(head -3 "$IT_WORK/err" | tr '\n' '|')"
    fi
}

usage_error "--max-connections 0" --max-connections 0
usage_error "--syn-queue 0" --syn-queue 0
usage_error "--tcp-send-buffer 1000" --tcp-send-buffer 1000
usage_error "--tcp-receive-buffer 1 GiB" --tcp-receive-buffer 1073741824
usage_error "--tcp-receive-buffer-max 1000" --tcp-receive-buffer-max 1000
usage_error "--reassembly-memory 1000" --reassembly-memory 1000
usage_error "--max-reassemblies 0" --max-reassemblies 0
usage_error "--arp-queue 100000" --arp-queue 100000
usage_error "--max-chat-clients 0" --max-chat-clients 0

help=$("$TERND" --help 2>&1)
missing=()
for flag in max-connections listen-backlog syn-queue tcp-buffer-size tcp-send-buffer tcp-receive-buffer tcp-receive-buffer-max \
    reassembly-memory max-reassemblies arp-queue max-chat-clients; do
    echo "$help" | grep -q -- "--$flag " || missing+=("--$flag")
done
if [ ${#missing[@]} -eq 0 ] && echo "$help" | grep -q "(default: 256)"; then
    pass "--help lists every limit with its default"
else
    fail "--help" "missing ${missing[*]}"
fi

if ! tap_host "$NS" --echo-port 7 --max-connections 4 --syn-queue 3 --arp-queue 2 --max-reassemblies 3 \
    --max-chat-clients 2 --tcp-receive-buffer 8192 --pcap "$IT_WORK/limits.pcap"; then
    fail "ternd starts with every limit set" "no ready line"
    it_end
fi
pass "ternd starts with every limit set"

# counter NAME: the value of one counter (as the log spells it) in a fresh counters line.
counter() {
    local before
    before=$(grep -c "counters:" "$IT_WORK/ternd.err")
    kill -USR1 "$TERND_PID"
    for _ in $(seq 50); do
        [ "$(grep -c "counters:" "$IT_WORK/ternd.err")" -gt "$before" ] && break
        sleep 0.1
    done
    grep "counters:" "$IT_WORK/ternd.err" | tail -1 | grep -oE "$1: [0-9]+" | grep -oE "[0-9]+$" || echo 0
}

# inject KIND: hand-made frames into the TAP. udp: ten echo requests from addresses nobody
# answers ARP for (the echoes wait for ARP); syn: ten SYNs from such addresses (they stay
# half-open); fragments: five first fragments that never complete.
inject() {
    ip netns exec "$NS" "$PY" - "$1" <<'EOF'
import logging, socket, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("tern0", 0))
ether = Ether(src=open("/sys/class/net/tern0/address").read().strip(), dst="02:00:0a:00:00:02")
for i in range(10 if sys.argv[1] != "fragments" else 5):
    if sys.argv[1] == "udp":
        s.send(bytes(ether / IP(src=f"10.0.0.{150 + i}", dst="10.0.0.2") / UDP(sport=6000 + i, dport=7) / Raw(b"echo")))
    elif sys.argv[1] == "syn":
        s.send(bytes(ether / IP(src=f"10.0.0.{100 + i}", dst="10.0.0.2") / TCP(sport=5000 + i, dport=7, flags="S")))
    else:
        s.send(bytes(ether / IP(src="10.0.0.1", dst="10.0.0.2", id=900 + i, flags="MF", proto=17) / Raw(b"\0" * 64)))
EOF
    sleep 0.5
}
check_counter() {
    local name=$1 text=$2 expected=$3 got
    got=$(counter "$text")
    if [ "$got" -eq "$expected" ]; then
        pass "$name ($text: $got)"
    else
        fail "$name" "$text: $got, expected $expected"
    fi
}
inject udp
check_counter "--arp-queue 2: 10 echoes wait for ARP, 2 are kept, 8 dropped" "no room to queue a packet awaiting ARP" 8
inject syn
check_counter "--syn-queue 3: 10 SYNs, the 7 oldest half-open connections pushed out" "SYN queue full" 7
inject fragments
check_counter "--max-reassemblies 3: 5 incomplete datagrams, 2 evicted" \
    "oldest incomplete datagram dropped for a new one" 2

# --max-connections 4: the half-open connections left give way to real clients as the
# SYN queue pushes the spoofed ones out; hold 4 echo connections, the 5th is refused with
# a reset at once (as Linux would, rather than leaving the client in SYN-SENT).
out=$(ip netns exec "$NS" timeout 30 "$PY" - <<'EOF'
import socket, time
held = []
for i in range(4):
    held.append(socket.create_connection(("10.0.0.2", 7), timeout=5))
try:
    socket.create_connection(("10.0.0.2", 7), timeout=3)
    print("fifth connection accepted")
except OSError as error:
    print(f"fifth connection: {error}")
for s in held:
    s.sendall(b"ping")
    print("echo" if s.recv(4) == b"ping" else "no echo")
EOF
)
if [ "$(echo "$out" | grep -c '^echo$')" -eq 4 ] && echo "$out" | grep -q "fifth connection: .*refused"; then
    pass "--max-connections 4: four connections echo, a fifth is refused at once"
else
    fail "--max-connections 4" "$(echo "$out" | tr '\n' '|')"
fi
got=$(counter "connection limit reached")
if [ "$got" -gt 0 ]; then pass "the refused SYNs are counted (connection limit reached: $got)"; else fail "connection limit counter" "0"; fi

# --max-chat-clients 2: the third client is told the chat is full.
out=$(ip netns exec "$NS" timeout 30 "$PY" - <<'EOF'
import json, socket, struct
def packet(s):
    n = struct.unpack("!H", s.recv(2, socket.MSG_WAITALL))[0]
    return json.loads(s.recv(n, socket.MSG_WAITALL))
clients = [socket.create_connection(("10.0.0.2", 3490), timeout=5) for _ in range(2)]
third = socket.create_connection(("10.0.0.2", 3490), timeout=5)
print(packet(third))
print("closed" if third.recv(1) == b"" else "still open")
EOF
)
if echo "$out" | grep -q "'type': 'error'" && echo "$out" | grep -q "chat is full" && echo "$out" | grep -q "^closed$"; then
    pass "--max-chat-clients 2: the third client gets an error and is closed"
else
    fail "--max-chat-clients 2" "$(echo "$out" | tr '\n' '|')"
fi

stop_ternd "$TERND_PID"
# --tcp-receive-buffer 8192: a size given is the size (no growth), so no window scaling is
# needed, and no window above 8192 is offered.
windows=$(tshark -r "$IT_WORK/limits.pcap" -Y "ip.src==10.0.0.2 && tcp" -T fields -e tcp.window_size_value \
    -e tcp.options.wscale.shift 2>/dev/null)
largest=$(echo "$windows" | awk '{print $1}' | sort -n | tail -1)
shifts=$(echo "$windows" | awk '$2 != "" && $2 != 0' | wc -l)
if [ -n "$largest" ] && [ "$largest" -le 8192 ] && [ "$shifts" -eq 0 ]; then
    pass "--tcp-receive-buffer 8192: windows offered up to $largest, unscaled"
else
    fail "--tcp-receive-buffer 8192" "largest window $largest, $shifts segments with a window scale"
fi
it_end
