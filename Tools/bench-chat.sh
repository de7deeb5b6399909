#!/usr/bin/env bash
# Chat fan-out (needs root):
#
#   sudo Tools/bench-chat.sh [CLIENTS] [ROUNDS]     # default 200 clients, 20 rounds
#
# Starts the release ternd in a network namespace of its own, connects CLIENTS chat clients
# from the kernel side (each says hello), then ROUNDS times has one client send a chat
# message and measures the time until every client has read the broadcast. Prints the
# median, the fastest and the slowest round. The namespace is removed on exit.
set -euo pipefail

clients=${1:-200}
rounds=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
ternd=${TERND:-$root/.build/release/ternd}
if [ "$(id -u)" -ne 0 ]; then
    echo "bench-chat.sh: needs root (a network namespace and a TAP device)" >&2
    exit 1
fi
if [ ! -x "$ternd" ]; then
    (cd "$root" && swift build -c release --static-swift-stdlib --product ternd >/dev/null)
fi

ns="tern-bench-chat-$$"
pid=
cleanup() {
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns"
ip -n "$ns" link set lo up
log=$(mktemp)
ip netns exec "$ns" "$ternd" --tap tbc0 --address 10.87.0.2/24 --host-address 10.87.0.1/24 \
    --http-port 0 --time-port 0 --max-chat-clients $((clients + 8)) >"$log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "^ternd ready" "$log" && break; sleep 0.1; done

ip netns exec "$ns" python3 - "$clients" "$rounds" <<'EOF'
import json, selectors, socket, statistics, struct, sys, time
clients, rounds = int(sys.argv[1]), int(sys.argv[2])

def packet(obj):
    body = json.dumps(obj).encode()
    return struct.pack(">H", len(body)) + body

class Client:
    def __init__(self, n):
        self.sock = socket.create_connection(("10.87.0.2", 3490), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(packet({"type": "hello", "nick": f"c{n}"}))
        self.buffer = b""
    def packets(self):
        out = []
        while len(self.buffer) >= 2:
            (length,) = struct.unpack(">H", self.buffer[:2])
            if len(self.buffer) < 2 + length:
                break
            out.append(json.loads(self.buffer[2:2 + length]))
            self.buffer = self.buffer[2 + length:]
        return out

everyone = [Client(n) for n in range(clients)]
selector = selectors.DefaultSelector()
for c in everyone:
    c.sock.setblocking(False)
    selector.register(c.sock, selectors.EVENT_READ, c)

def wait_for(predicate, timeout=30):
    pending = set(everyone)
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise SystemExit(f"{len(pending)} clients never got it")
        for key, _ in selector.select(timeout=1):
            c = key.data
            try:
                data = c.sock.recv(65536)
            except BlockingIOError:
                continue
            c.buffer += data
            if any(predicate(p) for p in c.packets()):
                pending.discard(c)

# Everyone sees the last join before the rounds start.
wait_for(lambda p: p.get("type") == "join" and p.get("nick") == f"c{clients - 1}")
times = []
for r in range(rounds):
    text = f"round {r}"
    start = time.monotonic()
    everyone[r % clients].sock.sendall(packet({"type": "chat", "message": text}))
    wait_for(lambda p, t=text: p.get("type") == "chat" and p.get("message") == t)
    times.append((time.monotonic() - start) * 1000)
print(f"chat fan-out to {clients} clients, {rounds} rounds: median {statistics.median(times):.2f} ms, "
      f"fastest {min(times):.2f} ms, slowest {max(times):.2f} ms")
EOF
