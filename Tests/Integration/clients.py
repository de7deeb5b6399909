#!/usr/bin/python3
"""Small clients for the integration tests: each subcommand talks to one service of the
virtual host, checks what comes back, prints one line, and exits 0 (pass) or 1 (fail).
Standard library only."""

import errno
import json
import os
import selectors
import socket
import struct
import sys
import time

SECONDS_1900_TO_1970 = 2_208_988_800


def fail(message):
    print(f"FAIL {message}")
    sys.exit(1)


def ok(message):
    print(f"ok {message}")
    sys.exit(0)


def chargen_cycle():
    """RFC 864's pattern: 95 lines of 72 printable characters, each one further along."""
    lines = []
    for line in range(95):
        lines.append(bytes(32 + (line + column) % 95 for column in range(72)) + b"\r\n")
    return b"".join(lines)


def time_check(value, what):
    now = (int(time.time()) + SECONDS_1900_TO_1970) % (1 << 32)
    difference = (value - now + (1 << 31)) % (1 << 32) - (1 << 31)
    if abs(difference) > 2:
        fail(f"{what}: server says {value}, system {now} ({difference:+d} s)")
    ok(f"{what}: server {value}, system {now} ({difference:+d} s)")


def udp_time(host, port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(b"", (host, int(port)))
        data, _ = s.recvfrom(64)
    if len(data) != 4:
        fail(f"UDP time: {len(data)} bytes, expected 4")
    time_check(struct.unpack("!I", data)[0], "UDP time")


def udp_echo(host, port, *sizes):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        for size in map(int, sizes):
            payload = os.urandom(size)
            s.sendto(payload, (host, int(port)))
            data, _ = s.recvfrom(70000)
            if data != payload:
                fail(f"UDP echo of {size} bytes came back as {len(data)} different bytes")
    ok(f"UDP echo byte-exact for sizes {', '.join(sizes)}")


def udp_echo_lossy(host, port, count):
    """Over a lossy link: datagrams may be lost, but what comes back must be exact."""
    answered = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        for i in range(int(count)):
            payload = os.urandom(200) + i.to_bytes(4, "big")
            s.sendto(payload, (host, int(port)))
            try:
                while True:
                    data, _ = s.recvfrom(2048)
                    if data == payload:
                        answered += 1
                        break
                    if data[-4:] == payload[-4:]:
                        fail(f"UDP echo of datagram {i} came back altered")
            except socket.timeout:
                pass
    if answered < int(count) // 2:
        fail(f"UDP echo over a lossy link: only {answered} of {count} answered")
    ok(f"UDP echo over a lossy link: {answered} of {count} answered, all byte-exact")


def udp_discard(host, port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((host, int(port)))
        s.settimeout(1)
        s.send(b"into the void")
        try:
            data = s.recv(100)
            fail(f"UDP discard answered with {len(data)} bytes")
        except socket.timeout:
            ok("UDP discard: no answer, no error")
        except ConnectionRefusedError:
            fail("UDP discard: port unreachable")


def udp_chargen(host, port, count):
    cycle = chargen_cycle() * 2
    lengths = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        for _ in range(int(count)):
            s.sendto(b"x", (host, int(port)))
            data, _ = s.recvfrom(1024)
            if len(data) > 512:
                fail(f"UDP chargen answered {len(data)} bytes, more than 512")
            if data and cycle.find(data) < 0:
                fail(f"UDP chargen answer of {len(data)} bytes is not the RFC 864 pattern")
            lengths.add(len(data))
    ok(f"UDP chargen: {count} answers of {min(lengths)}–{max(lengths)} bytes, all the pattern")


def udp_refused(host, port):
    """A connected UDP socket learns of ICMP port unreachable as ECONNREFUSED."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((host, int(port)))
        s.settimeout(3)
        s.send(b"anyone?")
        try:
            s.recv(100)
            fail("UDP to a closed port was answered")
        except ConnectionRefusedError:
            ok("UDP to a closed port: ECONNREFUSED")
        except socket.timeout:
            fail("UDP to a closed port: no ICMP port unreachable within 3 s")


def tcp_connect(host, port, timeout=5):
    s = socket.create_connection((host, int(port)), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_to_end(s, limit=1 << 30):
    chunks, total = [], 0
    while total < limit:
        chunk = s.recv(1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def tcp_time(host, port):
    with tcp_connect(host, port) as s:
        data = read_to_end(s, 1024)
    if len(data) != 4:
        fail(f"TCP time: {len(data)} bytes before the close, expected 4")
    time_check(struct.unpack("!I", data)[0], "TCP time")


def tcp_echo(host, port, size, limit="60"):
    """Sends `size` bytes while reading the echo (so neither side's window stalls), then
    half-closes and expects every byte back, then the server's FIN, all within `limit`
    seconds."""
    size = int(size)
    payload = os.urandom(size)
    received = bytearray()
    started = time.monotonic()
    with tcp_connect(host, port, timeout=30) as s:
        s.setblocking(False)
        selector = selectors.DefaultSelector()
        selector.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
        sent, shut, closed = 0, False, False
        deadline = time.monotonic() + float(limit)
        while not closed:
            if time.monotonic() > deadline:
                fail(f"TCP echo: timed out after sending {sent} and receiving {len(received)} of {size} bytes")
            for key, events in selector.select(timeout=1):
                if events & selectors.EVENT_WRITE and sent < size:
                    try:
                        sent += s.send(payload[sent:sent + (1 << 16)])
                    except BlockingIOError:
                        pass
                if sent == size and not shut:
                    s.shutdown(socket.SHUT_WR)
                    shut = True
                    selector.modify(s, selectors.EVENT_READ)
                if events & selectors.EVENT_READ:
                    try:
                        chunk = s.recv(1 << 16)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        closed = True
                    received += chunk
    elapsed = time.monotonic() - started
    if bytes(received) != payload:
        first = next((i for i, (a, b) in enumerate(zip(received, payload)) if a != b), min(len(received), size))
        fail(f"TCP echo: {len(received)} of {size} bytes came back, first difference at byte {first}")
    ok(f"TCP echo: {size} bytes back byte-exact, then FIN ({elapsed:.2f} s)")


def tcp_discard(host, port, size):
    size = int(size)
    block = os.urandom(1 << 16)
    started = time.monotonic()
    with tcp_connect(host, port, timeout=30) as s:
        sent = 0
        while sent < size:
            sent += s.send(block[:min(len(block), size - sent)])
        s.shutdown(socket.SHUT_WR)
        data = read_to_end(s, 1024)
    elapsed = time.monotonic() - started
    if data:
        fail(f"TCP discard sent back {len(data)} bytes")
    ok(f"TCP discard: {size} bytes taken, then FIN ({elapsed:.2f} s, {size / elapsed / 1e6:.1f} MB/s)")


def tcp_chargen(host, port, size):
    size = int(size)
    cycle = chargen_cycle()
    started = time.monotonic()
    with tcp_connect(host, port, timeout=30) as s:
        data = bytearray()
        while len(data) < size:
            chunk = s.recv(1 << 16)
            if not chunk:
                fail(f"TCP chargen closed after {len(data)} bytes")
            data += chunk
    elapsed = time.monotonic() - started
    repeats = size // len(cycle) + 2
    if bytes(data[:size]) != (cycle * repeats)[:size]:
        first = next(i for i in range(size) if data[i] != cycle[i % len(cycle)])
        fail(f"TCP chargen: byte {first} of {size} is not the RFC 864 pattern")
    ok(f"TCP chargen: {size} bytes of the pattern ({elapsed:.2f} s, {size / elapsed / 1e6:.1f} MB/s)")


def tcp_refused(host, port):
    try:
        tcp_connect(host, port, timeout=3).close()
        fail(f"TCP connection to closed port {port} was accepted")
    except ConnectionRefusedError:
        ok(f"TCP to closed port {port}: connection refused (RST)")
    except socket.timeout:
        fail(f"TCP to closed port {port}: no answer within 3 s")


def tcp_wait_close(host, port, ready_file):
    """Opens an echo connection, proves it works, tells the test through `ready_file`, and
    waits for the server to close it: a FIN (EOF) passes, a reset fails."""
    with tcp_connect(host, port, timeout=10) as s:
        s.sendall(b"ping")
        if read_exactly(s, 4) != b"ping":
            fail("echo did not answer before the shutdown")
        with open(ready_file, "w") as f:
            f.write("ready\n")
        try:
            data = s.recv(100)
        except ConnectionResetError:
            fail("the daemon reset the connection on shutdown instead of closing it")
        except socket.timeout:
            fail("the daemon did not close the connection within 10 s of the signal")
        if data:
            fail(f"unexpected {len(data)} bytes instead of the close")
    ok("the daemon closed the open connection with a FIN")


def read_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


COMMANDS = {
    "udp-time": udp_time, "udp-echo": udp_echo, "udp-echo-lossy": udp_echo_lossy, "udp-discard": udp_discard, "udp-chargen": udp_chargen,
    "udp-refused": udp_refused, "tcp-time": tcp_time, "tcp-echo": tcp_echo, "tcp-discard": tcp_discard,
    "tcp-chargen": tcp_chargen, "tcp-refused": tcp_refused, "tcp-wait-close": tcp_wait_close,
}


# --- Many connections at once -------------------------------------------------------------

def tcp_echo_many(host, port, count, size, limit="60"):
    """Opens `count` echo connections and has them all established at once; then each sends
    its own `size` random bytes and must get every byte back while all stay open; then all
    half-close and each must end with the server's FIN."""
    count, size = int(count), int(size)
    deadline = time.monotonic() + float(limit)

    def overdue(stage, unfinished):
        if time.monotonic() > deadline:
            fail(f"{stage}: {len(unfinished)} of {count} connections unfinished after {limit} s")

    selector = selectors.DefaultSelector()
    conns = []
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        error = s.connect_ex((host, int(port)))
        if error not in (0, errno.EINPROGRESS):
            fail(f"connection {i}: connect: {os.strerror(error)}")
        conn = {"socket": s, "index": i, "payload": os.urandom(size), "sent": 0, "received": bytearray()}
        conns.append(conn)
        selector.register(s, selectors.EVENT_WRITE, conn)
    # 1. Every connection established.
    connecting = set(range(count))
    while connecting:
        overdue("connecting", connecting)
        for key, _ in selector.select(timeout=1):
            conn = key.data
            error = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if error:
                fail(f"connection {conn['index']}: {os.strerror(error)}")
            connecting.discard(conn["index"])
            selector.modify(key.fileobj, selectors.EVENT_READ, conn)
    # 2. All echo at once.
    for conn in conns:
        selector.modify(conn["socket"], selectors.EVENT_READ | selectors.EVENT_WRITE, conn)
    echoing = set(range(count))
    while echoing:
        overdue("echoing", echoing)
        for key, events in selector.select(timeout=1):
            conn, s = key.data, key.fileobj
            if events & selectors.EVENT_WRITE:
                try:
                    conn["sent"] += s.send(conn["payload"][conn["sent"]:conn["sent"] + (1 << 16)])
                except BlockingIOError:
                    pass
                if conn["sent"] == size:
                    selector.modify(s, selectors.EVENT_READ, conn)
            if events & selectors.EVENT_READ:
                try:
                    chunk = s.recv(1 << 16)
                except BlockingIOError:
                    continue
                except ConnectionError as error:
                    fail(f"connection {conn['index']}: {error}")
                if not chunk:
                    fail(f"connection {conn['index']}: closed by the server after {len(conn['received'])} of {size} bytes")
                conn["received"] += chunk
                if conn["received"] != conn["payload"][:len(conn["received"])]:
                    fail(f"connection {conn['index']}: the echo differs from what was sent")
                if len(conn["received"]) == size:
                    echoing.discard(conn["index"])
                    selector.modify(s, selectors.EVENT_READ, conn)
    # 3. Half-close all; each must see the server's FIN.
    closing = set(range(count))
    for conn in conns:
        conn["socket"].shutdown(socket.SHUT_WR)
    while closing:
        overdue("closing", closing)
        for key, _ in selector.select(timeout=1):
            conn, s = key.data, key.fileobj
            try:
                chunk = s.recv(1 << 16)
            except ConnectionError as error:
                fail(f"connection {conn['index']}: {error} instead of a FIN")
            if chunk:
                fail(f"connection {conn['index']}: {len(chunk)} bytes more than were sent")
            closing.discard(conn["index"])
            selector.unregister(s)
            s.close()
    ok(f"{count} echo connections established together, {size} bytes each back byte-exact, then FIN")


# --- HTTP, raw -------------------------------------------------------------------------------

def http_read_response(s, head_only=False):
    """Reads one response: (status, headers as a lower-cased dict, body). The body is
    Content-Length bytes (none for HEAD)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise ValueError(f"the connection closed after {len(data)} bytes, before the end of the header")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise ValueError(f"not a status line: {lines[0]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = 0 if head_only else int(headers.get("content-length", "0"))
    body = rest
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise ValueError(f"the connection closed after {len(body)} of {length} body bytes")
        body += chunk
    return int(parts[1]), headers, body[:length], body[length:]


def expect_eof(s, seconds, what):
    """The server must close within `seconds`: nothing more may arrive before the FIN."""
    s.settimeout(seconds)
    try:
        extra = read_to_end(s, 1 << 20)
    except socket.timeout:
        fail(f"{what}: the server did not close the connection within {seconds} s")
    except ConnectionResetError:
        fail(f"{what}: the connection was reset instead of closed")
    if extra:
        fail(f"{what}: {len(extra)} bytes after the response")


def http_close(host, port, path):
    """`Connection: close` on HTTP/1.1: the response says so and the server closes."""
    with tcp_connect(host, port) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        status, headers, body, extra = http_read_response(s)
        if extra:
            fail(f"Connection: close: {len(extra)} bytes after the response")
        expect_eof(s, 5, "Connection: close")
    if status != 200 or headers.get("connection", "").lower() != "close":
        fail(f"Connection: close: status {status}, Connection header {headers.get('connection')!r}")
    ok(f"Connection: close: 200 with {len(body)} bytes, 'Connection: close', then the server closed")


def http10(host, port, path):
    """An HTTP/1.0 request (no keep-alive asked for): the server closes after the response."""
    with tcp_connect(host, port) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
        status, headers, body, extra = http_read_response(s)
        if extra:
            fail(f"HTTP/1.0: {len(extra)} bytes after the response")
        expect_eof(s, 5, "HTTP/1.0")
    if status != 200:
        fail(f"HTTP/1.0: status {status}")
    ok(f"HTTP/1.0: 200 with {len(body)} bytes, then the server closed")


def http_keepalive(host, port, *paths):
    """Several requests in turn on one connection (HTTP/1.1's default), each answered whole."""
    with tcp_connect(host, port) as s:
        for path in paths:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            status, headers, body, extra = http_read_response(s)
            if status != 200 or extra:
                fail(f"keep-alive: {path} got status {status} and {len(extra)} extra bytes")
    ok(f"keep-alive: {len(paths)} requests answered on one connection")


def http_head(host, port, path, size):
    """HEAD: the GET's status and Content-Length, and no body at all."""
    with tcp_connect(host, port) as s:
        s.sendall(f"HEAD {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        status, headers, _, extra = http_read_response(s, head_only=True)
        s.settimeout(5)
        try:
            extra += read_to_end(s, 1 << 20)
        except socket.timeout:
            fail("HEAD: the server did not close after the response to a Connection: close request")
    if status != 200 or headers.get("content-length") != str(size):
        fail(f"HEAD: status {status}, Content-Length {headers.get('content-length')!r}, expected 200 and {size}")
    if extra:
        fail(f"HEAD: {len(extra)} body bytes followed the header")
    ok(f"HEAD: 200, Content-Length {size}, no body")


def http_status(host, port, request, expected):
    """Sends `request` (Python string escapes allowed, e.g. \\r\\n) and expects status
    `expected` (several may be given as 400/431)."""
    raw = request.encode("latin-1").decode("unicode_escape").encode("latin-1")
    with tcp_connect(host, port) as s:
        s.sendall(raw)
        try:
            status, _, body, _ = http_read_response(s)
        except ConnectionResetError:
            fail(f"the connection was reset instead of answered {expected}")
    if str(status) not in expected.split("/"):
        fail(f"status {status}, expected {expected}")
    ok(f"status {status} with a {len(body)}-byte body")


def http_trickle(host, port, path):
    """A request sent one byte per segment is still parsed and answered."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: one-byte-at-a-time\r\nConnection: close\r\n\r\n".encode()
    with tcp_connect(host, port) as s:
        for i in range(len(request)):
            s.send(request[i:i + 1])
            time.sleep(0.003)
        status, _, body, _ = http_read_response(s)
    if status != 200:
        fail(f"a request one byte per segment got status {status}")
    ok(f"a {len(request)}-byte request sent one byte per segment: 200 with {len(body)} bytes")


def http_slowloris(host, port, limit, ready_file):
    """A client that sends a request line, then trickles one header byte a second and never
    ends the header. The server must cut it off (a 408, or a close) within `limit` seconds."""
    started = time.monotonic()
    with tcp_connect(host, port) as s:
        s.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode())
        with open(ready_file, "w") as f:
            f.write("started\n")
        s.settimeout(1)
        while True:
            elapsed = time.monotonic() - started
            if elapsed > float(limit):
                fail(f"slowloris: still connected after {elapsed:.0f} s")
            try:
                data = s.recv(4096)
            except socket.timeout:
                try:
                    s.send(b"a")
                except (BrokenPipeError, ConnectionResetError):
                    ok(f"slowloris: connection reset after {elapsed:.1f} s")
                continue
            except ConnectionResetError:
                ok(f"slowloris: connection reset after {elapsed:.1f} s")
            if not data:
                ok(f"slowloris: the server closed the connection after {elapsed:.1f} s")
            first = data.split(b"\r\n", 1)[0].decode("latin-1")
            if " 408 " in first + " ":
                ok(f"slowloris: '{first}' after {elapsed:.1f} s")
            fail(f"slowloris: unexpected answer {first!r}")


def http_continue(host, port, path):
    """`Expect: 100-continue` with a body: `100 Continue` comes before the body is sent, then
    the response; the body is read and discarded, and the next request on the connection
    is answered as a request of its own."""
    body = b"x" * 1000
    with tcp_connect(host, port) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nExpect: 100-continue\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n".encode())
        s.settimeout(3)
        interim = b""
        while b"\r\n\r\n" not in interim:
            chunk = s.recv(1)
            if not chunk:
                fail("100-continue: the connection closed before any answer")
            interim += chunk
        if not interim.startswith(b"HTTP/1.1 100 Continue\r\n"):
            fail(f"100-continue: the first answer is {interim.splitlines()[0]!r}, not 100 Continue")
        s.sendall(body + f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        first, _, _, extra = http_read_response(s)
        s2 = extra
        rest = read_to_end(s, 1 << 20)
        second = (s2 + rest).split(b"\r\n", 1)[0].decode("latin-1")
    if first != 200 or not second.startswith("HTTP/1.1 200"):
        fail(f"100-continue: then {first} and {second!r}")
    ok("100-continue: 100 Continue before the body, then 200, and the next request on the connection: 200")


def http10_keepalive(host, port, path, count):
    """HTTP/1.0 with `Connection: keep-alive`: `count` requests answered on one connection,
    each response saying keep-alive."""
    with tcp_connect(host, port) as s:
        for i in range(int(count)):
            s.sendall(f"GET {path} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".encode())
            status, headers, _, extra = http_read_response(s)
            if status != 200 or headers.get("connection", "").lower() != "keep-alive" or extra:
                fail(f"HTTP/1.0 keep-alive request {i + 1}: status {status}, Connection {headers.get('connection')!r}")
    ok(f"HTTP/1.0 keep-alive: {count} requests on one connection, each answered 'Connection: keep-alive'")


def http_prompt(host, port, request, expected, seconds):
    """Sends `request` (escapes allowed) and nothing more; the status `expected` must come
    within `seconds` (an HTTP/0.9 line, which no blank line follows, must not wait for one)."""
    raw = request.encode("latin-1").decode("unicode_escape").encode("latin-1")
    started = time.monotonic()
    with tcp_connect(host, port) as s:
        s.sendall(raw)
        s.settimeout(float(seconds))
        try:
            status, _, _, _ = http_read_response(s)
        except socket.timeout:
            fail(f"no answer within {seconds} s")
    elapsed = time.monotonic() - started
    if str(status) != expected:
        fail(f"status {status}, expected {expected}")
    ok(f"status {status} after {elapsed * 1000:.0f} ms")


# --- Chat (SPEC §3.4) ---------------------------------------------------------------------


def chat_frame(obj):
    payload = json.dumps(obj, ensure_ascii=False).encode() if not isinstance(obj, bytes) else obj
    return struct.pack("!H", len(payload)) + payload


class ChatClient:
    """A chat connection that decodes the server's packets into a list, in order."""

    def __init__(self, host, port, name):
        self.name = name
        self.socket = tcp_connect(host, port)
        self.socket.settimeout(0.1)
        self.buffer = b""
        self.packets = []
        self.closed = False

    def send(self, data):
        self.socket.sendall(data)

    def hello(self, nick):
        self.send(chat_frame({"type": "hello", "nick": nick}))

    def chat(self, message):
        self.send(chat_frame({"type": "chat", "message": message}))

    def pump(self):
        try:
            chunk = self.socket.recv(65536)
        except socket.timeout:
            return
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.closed = True
            return
        self.buffer += chunk
        while len(self.buffer) >= 2:
            length = struct.unpack("!H", self.buffer[:2])[0]
            if len(self.buffer) < 2 + length:
                break
            payload, self.buffer = self.buffer[2:2 + length], self.buffer[2 + length:]
            self.packets.append(json.loads(payload.decode()))

    def wait_for(self, expected, seconds=5):
        """Waits until `expected` is among the packets received."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if expected in self.packets:
                return
            if self.closed:
                break
            self.pump()
        fail(f"{self.name} did not receive {expected}; got {self.packets}{' and a close' if self.closed else ''}")

    def wait_closed(self, seconds=5):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.closed:
            self.pump()
        if not self.closed:
            fail(f"{self.name}: the server did not close the connection; got {self.packets}")

    def settle(self, seconds=0.3):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.closed:
            self.pump()

    def close(self):
        self.socket.close()


def join(nick): return {"type": "join", "nick": nick}
def leave(nick): return {"type": "leave", "nick": nick}
def said(nick, message): return {"type": "chat", "nick": nick, "message": message}


def expect_sequence(client, expected):
    client.settle()
    if client.packets != expected:
        fail(f"{client.name} saw {client.packets}, expected {expected}")


def chat_three(host, port):
    """Three clients join, talk and one leaves; each must see exactly the right packets in
    order. Packets are also sent split byte by byte and two in one segment."""
    alice = ChatClient(host, port, "alice")
    alice.hello("alice")
    alice.wait_for(join("alice"))
    bob = ChatClient(host, port, "bob")
    bob.hello("bob")
    for c in (alice, bob):
        c.wait_for(join("bob"))
    carol = ChatClient(host, port, "carol")
    # carol's hello one byte per segment.
    carol.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for byte in chat_frame({"type": "hello", "nick": "carol"}):
        carol.send(bytes([byte]))
        time.sleep(0.002)
    for c in (alice, bob, carol):
        c.wait_for(join("carol"))
    alice.chat("hello from alice")
    for c in (alice, bob, carol):
        c.wait_for(said("alice", "hello from alice"))
    # Two packets in one segment, with non-ASCII text.
    bob.send(chat_frame({"type": "chat", "message": "hi, café 🐦"}) + chat_frame({"type": "chat", "message": "second"}))
    for c in (alice, bob, carol):
        c.wait_for(said("bob", "second"))
    carol.close()
    for c in (alice, bob):
        c.wait_for(leave("carol"))
    expect_sequence(alice, [join("alice"), join("bob"), join("carol"), said("alice", "hello from alice"),
                            said("bob", "hi, café 🐦"), said("bob", "second"), leave("carol")])
    expect_sequence(bob, [join("bob"), join("carol"), said("alice", "hello from alice"),
                          said("bob", "hi, café 🐦"), said("bob", "second"), leave("carol")])
    if carol.packets != [join("carol"), said("alice", "hello from alice"), said("bob", "hi, café 🐦"), said("bob", "second")]:
        fail(f"carol saw {carol.packets}")
    alice.close()
    bob.close()
    ok("three clients: join, chat and leave seen by each in the right order, nothing else")


def chat_bad_input(host, port):
    """Each kind of bad input gets an error packet and a close; two well-behaved clients are
    not disturbed (they see only the join and leave of an offender that said hello)."""
    ann = ChatClient(host, port, "ann")
    ann.hello("ann")
    ann.wait_for(join("ann"))
    ben = ChatClient(host, port, "ben")
    ben.hello("ben")
    ben.wait_for(join("ben"))
    ann.wait_for(join("ben"))
    offences = [
        ("invalid JSON", None, chat_frame(b"{not json")),
        ("chat before hello", None, chat_frame({"type": "chat", "message": "sneaky"})),
        ("an unknown type", None, chat_frame({"type": "shout", "message": "x"})),
        ("a length of zero", None, b"\x00\x00"),
        ("invalid UTF-8", None, chat_frame(b'{"type": "chat", "message": "\xff\xfe"}')),
        ("a second hello", "eve", chat_frame({"type": "hello", "nick": "eve2"})),
        ("a taken nick", None, chat_frame({"type": "hello", "nick": "ann"})),
        ("invalid JSON after hello", "mal", chat_frame(b'{"type": "chat", "message": ')),
    ]
    expected = [join("ann"), join("ben")]
    for what, nick, data in offences:
        offender = ChatClient(host, port, f"offender ({what})")
        if nick:
            offender.hello(nick)
            offender.wait_for(join(nick))
            expected.append(join(nick))
        offender.send(data)
        offender.wait_closed()
        errors = [p for p in offender.packets if p.get("type") == "error"]
        if not errors or not isinstance(errors[-1].get("message"), str):
            fail(f"{what}: no error packet before the close; got {offender.packets}")
        if nick:
            expected.append(leave(nick))
            ann.wait_for(leave(nick))
        offender.close()
    ann.chat("still here")
    for c in (ann, ben):
        c.wait_for(said("ann", "still here"))
    expected.append(said("ann", "still here"))
    expect_sequence(ann, expected)
    expect_sequence(ben, expected[1:])
    ann.close()
    ben.close()
    ok(f"{len(offences)} kinds of bad input each got an error and a close; the others saw only joins and leaves")


# --- Words (SPEC §3.5) --------------------------------------------------------------------

def chat_full(host, port, joined, extra, rounds):
    """`joined` clients say hello and stay; then, `rounds` times, `extra` clients connect at
    the same instant and send hello at once (so the hello often arrives with the handshake,
    before the server accepts). Every one of them must read the error "the chat is full"
    and then the end of the stream: a graceful close, never a reset."""
    import threading
    keep = []
    for i in range(int(joined)):
        s = socket.create_connection((host, int(port)), timeout=10)
        s.sendall(chat_frame({"type": "hello", "nick": f"member{i}"}))
        keep.append(s)
    time.sleep(1)
    refused = 0
    for round_number in range(int(rounds)):
        outcomes = [None] * int(extra)
        barrier = threading.Barrier(int(extra))

        def one(i):
            try:
                s = socket.socket()
                s.settimeout(10)
                barrier.wait()
                s.connect((host, int(port)))
                s.sendall(chat_frame({"type": "hello", "nick": f"late{round_number}x{i}"}))
                data = b""
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                s.close()
                length = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else -1
                packet = json.loads(data[2:]) if length == len(data) - 2 else None
                expected = {"type": "error", "message": "the chat is full"}
                outcomes[i] = "ok" if packet == expected else f"got {data[:80]!r}"
            except ConnectionResetError:
                outcomes[i] = "reset"
            except OSError as error:
                outcomes[i] = f"{error}"

        threads = [threading.Thread(target=one, args=(i,)) for i in range(int(extra))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        bad = [o for o in outcomes if o != "ok"]
        if bad:
            fail(f"round {round_number + 1}: {len(bad)} of {extra} refused clients did not get the error and a FIN: "
                 f"{', '.join(sorted(set(bad)))}")
        refused += len(outcomes)
    for s in keep:
        s.close()
    ok(f"{joined} joined; {rounds} × {extra} clients at once: all {refused} read 'the chat is full', then a FIN")


def words_raw(host, port, connections, wordlist_file):
    """Reads the word service's raw stream: each connection must carry 1–10 whole
    length-prefixed words from the list, nothing else, then the server's FIN."""
    with open(wordlist_file, encoding="utf-8") as f:
        known = set(line.rstrip("\n") for line in f)
    counts = []
    for i in range(int(connections)):
        with tcp_connect(host, port) as s:
            data = read_to_end(s, 1 << 20)
        words, offset = [], 0
        while offset < len(data):
            if offset + 2 > len(data):
                fail(f"connection {i}: a length prefix cut short at byte {offset}")
            length = struct.unpack("!H", data[offset:offset + 2])[0]
            word = data[offset + 2:offset + 2 + length]
            if length == 0 or len(word) != length:
                fail(f"connection {i}: a packet of length {length} with {len(word)} bytes")
            word = word.decode("utf-8")
            if word not in known:
                fail(f"connection {i}: {word!r} is not in the service's list")
            words.append(word)
            offset += 2 + length
        if not 1 <= len(words) <= 10:
            fail(f"connection {i}: {len(words)} words")
        counts.append(len(words))
    if len(set(counts)) < 2:
        fail(f"every one of {connections} connections had {counts[0]} words: the count is not random")
    ok(f"{connections} connections, {min(counts)}–{max(counts)} words each, all from the list, each then closed")


COMMANDS.update({
    "tcp-echo-many": tcp_echo_many, "http-close": http_close, "http10": http10, "http-keepalive": http_keepalive,
    "http-head": http_head, "http-status": http_status, "http-trickle": http_trickle,
    "http-slowloris": http_slowloris, "chat-three": chat_three, "chat-bad-input": chat_bad_input,
    "words-raw": words_raw, "http-continue": http_continue, "http10-keepalive": http10_keepalive,
    "http-prompt": http_prompt, "chat-full": chat_full,
})

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: clients.py {{{','.join(COMMANDS)}}} HOST PORT [ARGS]", file=sys.stderr)
        sys.exit(2)
    try:
        COMMANDS[sys.argv[1]](*sys.argv[2:])
    except (OSError, ValueError) as error:
        fail(f"{sys.argv[1]}: {error}")
