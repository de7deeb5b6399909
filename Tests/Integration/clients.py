#!/usr/bin/python3
"""Small clients for the integration tests: each subcommand talks to one service of the
virtual host, checks what comes back, prints one line, and exits 0 (pass) or 1 (fail).
Standard library only."""

import errno
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

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: clients.py {{{','.join(COMMANDS)}}} HOST PORT [ARGS]", file=sys.stderr)
        sys.exit(2)
    try:
        COMMANDS[sys.argv[1]](*sys.argv[2:])
    except (OSError, ValueError) as error:
        fail(f"{sys.argv[1]}: {error}")
