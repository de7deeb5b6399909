#!/usr/bin/python3
"""The soak: many sequential HTTP connections and chat joins/leaves against a running
ternd, or many idle connections held open, watching the daemon's memory.

Run by Tests/Soak/soak.sh (full size) and Tests/Integration/soak_short.sh (CI size) inside
the test's namespace. Memory is read from /proc/PID/status: VmRSS (all resident memory)
and RssAnon (private, anonymous memory: the heap, where per-connection state lives).
Prints "PASS ..."/"FAIL ...: why" lines and "# " report lines.
"""

import argparse
import json
import resource
import selectors
import socket
import struct
import sys
import time

failures = 0


def report(ok, name, why=""):
    global failures
    if ok:
        print(f"PASS {name}", flush=True)
    else:
        failures += 1
        print(f"FAIL {name}: {why}", flush=True)


def note(text):
    print(f"# {text}", flush=True)


def memory(pid):
    """(VmRSS, RssAnon) in KiB."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon"):
                values[key] = int(rest.split()[0])
    return values["VmRSS"], values["RssAnon"]


def http_get(host, port):
    """One connection, one request, the whole response; True when it is the index page."""
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: tern\r\nConnection: close\r\n\r\n")
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    response = b"".join(chunks)
    return response.startswith(b"HTTP/1.1 200 ") and response.endswith(b"<h1>tern</h1>\n")


def chat_send(s, message):
    payload = json.dumps(message).encode()
    s.sendall(struct.pack("!H", len(payload)) + payload)


def chat_receive(s):
    header = s.recv(2, socket.MSG_WAITALL)
    if len(header) < 2:
        raise ValueError("closed")
    (length,) = struct.unpack("!H", header)
    body = s.recv(length, socket.MSG_WAITALL)
    if len(body) < length:
        raise ValueError("closed")
    return json.loads(body)


def chat_join(host, port, nick):
    """Connects and says hello; returns the socket once the server has announced the join."""
    s = socket.create_connection((host, port), timeout=10)
    chat_send(s, {"type": "hello", "nick": nick})
    for _ in range(100):
        packet = chat_receive(s)
        if packet.get("type") == "join" and packet.get("nick") == nick:
            return s
    raise ValueError("no join")


def run_sequential(name, count, one, pid, samples):
    """Runs `one(i)` count times in a row; records memory every tenth of the way."""
    failed = 0
    first_error = ""
    started = time.monotonic()
    for i in range(count):
        try:
            if not one(i):
                failed += 1
                first_error = first_error or f"#{i}: wrong answer"
        except (OSError, ValueError) as error:
            failed += 1
            first_error = first_error or f"#{i}: {error}"
        if (i + 1) % max(1, count // 10) == 0:
            samples.append((f"{name} {i + 1}", *memory(pid)))
    seconds = time.monotonic() - started
    report(failed == 0, f"{count} {name} in {seconds:.0f} s ({count / seconds:.0f}/s), all answered",
           f"{failed} failed, first {first_error}")


def settle(pid, seconds):
    time.sleep(seconds)
    return memory(pid)


def hold_idle(name, count, connect, pid, bound):
    """Opens `count` connections with `connect(i)`, holds them, and measures the private
    memory they cost; closes them and checks the memory comes back."""
    before = settle(pid, 3)
    held = []
    started = time.monotonic()
    try:
        for i in range(count):
            held.append(connect(i))
    except (OSError, ValueError) as error:
        report(False, f"{count} idle {name} connections opened", f"only {len(held)}: {error}")
    opened = time.monotonic() - started
    during = settle(pid, 3)
    growth = during[1] - before[1]
    note(f"{len(held)} idle {name} connections: RssAnon {before[1]} → {during[1]} KiB "
         f"(+{growth} KiB, {growth * 1024 // max(1, len(held))} bytes each); "
         f"VmRSS {before[0]} → {during[0]} KiB; opened in {opened:.1f} s")
    report(len(held) == count and growth <= bound,
           f"{count} idle {name} connections cost {growth} KiB of private memory (≤ {bound} KiB)",
           f"{len(held)} held, RssAnon grew by {growth} KiB")
    for s in held:
        s.close()
    after = settle(pid, 5)
    note(f"after closing them: RssAnon {after[1]} KiB, VmRSS {after[0]} KiB")
    return before, during, after


def keepalive_connection(host, port, source):
    """A connection from `source` after one keep-alive request, its response read whole."""
    s = socket.create_connection((host, port), timeout=20, source_address=(source, 0))
    s.sendall(b"GET / HTTP/1.1\r\nHost: tern\r\n\r\n")
    response = b""
    while b"<h1>tern</h1>\n" not in response:
        chunk = s.recv(65536)
        if not chunk:
            raise OSError("closed before the whole response")
        response += chunk
    if not response.startswith(b"HTTP/1.1 200 "):
        raise OSError(f"answered {response[:40]!r}")
    return s


def many_keepalive(args, pid, host):
    """`--keepalive` connections at once, spread over the `--sources` addresses, each idle
    after one answered request: each may cost at most `--keepalive-bound` bytes of private
    memory, and once they close the daemon's RSS comes back within 1.5 times its start-up
    figure."""
    sources = args.sources.split(",")
    count = args.keepalive
    bound = count * args.keepalive_bound // 1024
    before, during, after = hold_idle(f"keep-alive (after one request, from {len(sources)} addresses)", count,
                                      lambda i: keepalive_connection(host, args.http_port, sources[i % len(sources)]),
                                      pid, bound)
    limit = args.startup_rss * 3 // 2
    report(after[0] <= limit,
           f"after {count} keep-alive connections close: VmRSS {after[0]} KiB ≤ 1.5 × start-up ({args.startup_rss} KiB)",
           f"VmRSS {after[0]} KiB")


def burst(host, port, count, path, size):
    """`count` connections opened at once, each sending one request for `path` and reading
    the `size`-byte body to the end; returns how many got it all."""
    selector = selectors.DefaultSelector()
    request = f"GET {path} HTTP/1.1\r\nHost: tern\r\nConnection: close\r\n\r\n".encode()
    for i in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((host, port))
        selector.register(s, selectors.EVENT_WRITE, {"received": 0, "sent": False})
    complete = 0
    deadline = time.monotonic() + 120
    while selector.get_map() and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=1):
            s, state = key.fileobj, key.data
            if not state["sent"]:
                try:
                    s.sendall(request)
                except OSError:
                    selector.unregister(s)
                    s.close()
                    continue
                state["sent"] = True
                selector.modify(s, selectors.EVENT_READ, state)
                continue
            try:
                chunk = s.recv(1 << 20)
            except OSError:
                chunk = b""
            state["received"] += len(chunk)
            if not chunk:
                # The head is a few hundred bytes; the body must be all there.
                if state["received"] >= size:
                    complete += 1
                selector.unregister(s)
                s.close()
    for key in list(selector.get_map().values()):
        key.fileobj.close()
    return complete


def memory_after_burst(args, pid, host):
    """The daemon's memory must come back after a burst: start-up RSS, then `--burst`
    concurrent downloads, then RSS each second; within 10 s of the end it must be at most
    1.5 times the start-up figure."""
    start = settle(pid, 2)
    note(f"start-up: VmRSS {start[0]} KiB, RssAnon {start[1]} KiB")
    started = time.monotonic()
    complete = burst(host, args.http_port, args.burst, "/burst.bin", args.burst_size)
    peak = memory(pid)
    note(f"{complete} of {args.burst} concurrent downloads of {args.burst_size} bytes complete in "
         f"{time.monotonic() - started:.1f} s; right after: VmRSS {peak[0]} KiB, RssAnon {peak[1]} KiB")
    report(complete == args.burst, f"{args.burst} concurrent connections, each a whole {args.burst_size}-byte file",
           f"only {complete} complete")
    bound = start[0] * 3 // 2
    samples = []
    back = None
    for second in range(1, 11):
        time.sleep(1)
        rss, anon = memory(pid)
        samples.append(f"{second} s {rss}/{anon}")
        if rss <= bound and back is None:
            back = second
    note("after the burst (VmRSS/RssAnon KiB): " + ", ".join(samples))
    report(back is not None,
           f"memory comes back: VmRSS ≤ 1.5 × start-up ({start[0]} → ≤ {bound} KiB) {back} s after the burst",
           f"still {samples[-1]} after 10 s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--phase", choices=("idle-http", "idle-chat", "sequential", "burst", "keepalive"),
                        required=True,
                        help="idle connections to HTTP, idle chat clients, the sequential soak, memory after a "
                             "burst, or many idle keep-alive connections")
    parser.add_argument("--keepalive", type=int, default=10000, help="keep-alive connections held at once")
    parser.add_argument("--keepalive-bound", type=int, default=2048, help="bytes each keep-alive connection may cost")
    parser.add_argument("--sources", default="10.0.0.1", help="comma-separated client addresses")
    parser.add_argument("--host", default="10.0.0.2")
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument("--chat-port", type=int, default=3490)
    parser.add_argument("--http", type=int, default=100000, help="sequential HTTP connections")
    parser.add_argument("--chat", type=int, default=10000, help="sequential chat joins and leaves")
    parser.add_argument("--idle", type=int, default=1000, help="idle connections held at once")
    parser.add_argument("--flat", type=int, default=2048, help="KiB VmRSS may grow from start to end")
    parser.add_argument("--idle-bound", type=int, default=4096, help="KiB the idle connections may cost")
    parser.add_argument("--burst", type=int, default=1000, help="concurrent connections of the burst")
    parser.add_argument("--burst-size", type=int, default=256 * 1024, help="bytes of /burst.bin")
    args = parser.parse_args()

    limit = max(4096, 2 * max(args.idle, args.burst, args.keepalive if args.phase == "keepalive" else 0) + 256)
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < limit:
        limit = hard  # not allowed to raise it; enough while it exceeds the connections held
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    pid, host = args.pid, args.host
    args.startup_rss = memory(pid)[0]

    if args.phase == "burst":
        # Measured from start-up: no warm-up first.
        memory_after_burst(args, pid, host)
        sys.exit(1 if failures else 0)

    # Warm up every path (the allocator's arenas, the web server's file cache).
    for i in range(200):
        http_get(host, args.http_port)
    for i in range(50):
        chat_join(host, args.chat_port, f"warm{i}").close()

    if args.phase == "idle-http":
        hold_idle("TCP (HTTP, no request)", args.idle,
                  lambda i: socket.create_connection((host, args.http_port), timeout=10), pid, args.idle_bound)
    elif args.phase == "keepalive":
        many_keepalive(args, pid, host)
    elif args.phase == "idle-chat":
        hold_idle("chat (after hello)", args.idle, lambda i: chat_join(host, args.chat_port, f"idle{i}"),
                  pid, args.idle_bound)
    else:
        sequential(args, pid, host)
    sys.exit(1 if failures else 0)


def sequential(args, pid, host):
    """The sequential soak. Its start is taken after a few seconds of connections, once the
    TIME-WAIT table (2 × MSL of closed connections) has reached its steady size."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        http_get(host, args.http_port)
    start = settle(pid, 1)
    samples = [("start", *start)]
    note(f"start: VmRSS {start[0]} KiB, RssAnon {start[1]} KiB")

    run_sequential("HTTP connections", args.http, lambda i: http_get(host, args.http_port), pid, samples)

    def join_leave(i):
        chat_join(host, args.chat_port, f"soak{i}").close()
        return True

    run_sequential("chat joins and leaves", args.chat, join_leave, pid, samples)
    end = settle(pid, 5)
    samples.append(("end", *end))
    note("memory along the way (VmRSS KiB, RssAnon KiB): "
         + ", ".join(f"{label} {rss}/{anon}" for label, rss, anon in samples))
    note(f"end: VmRSS {end[0]} KiB, RssAnon {end[1]} KiB (start {start[0]} / {start[1]})")
    report(end[0] - start[0] <= args.flat,
           f"RSS flat: VmRSS {start[0]} → {end[0]} KiB, RssAnon {start[1]} → {end[1]} KiB (growth ≤ {args.flat} KiB)",
           f"VmRSS grew by {end[0] - start[0]} KiB")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
