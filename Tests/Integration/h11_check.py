#!/usr/bin/python3
"""Reads a capture of the web server's traffic (ternd --pcap) and checks every HTTP response
in it with h11, a strict HTTP/1.1 parser written independently of Tern.

Every TCP connection to PORT is put back together in both directions (retransmissions and
overlaps folded in); the requests give the methods (a HEAD response has no body), and the
server's stream is parsed as the responses to them, one after another: status line, header
fields, framing (Content-Length, none for 1xx, 204, 304 and HEAD), keep-alive. A response
may be cut short only at the very end of a connection that was reset or never finished.

    h11_check.py CAPTURE [PORT]

Prints one "ok ..." or "FAIL ..." line and exits 0 or 1. Needs python3-h11.
"""
import re
import struct
import sys

import h11

REQUEST_LINE = re.compile(rb"(?:^|\n)([!#$%&'*+.^_`|~0-9A-Za-z-]+) [^ \r\n]+ HTTP/\d\.\d\r?\n")


def frames(path):
    """(Ethernet frame bytes) of a little- or big-endian microsecond pcap."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic == 0xA1B2C3D4 else ">"
    offset = 24
    while offset + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(endian + "IIII", data[offset:offset + 16])
        offset += 16
        yield data[offset:offset + caplen]
        offset += caplen


def segments(path, port):
    """(client, flags, sequence, payload, from_server) for TCP segments to or from `port`."""
    for frame in frames(path):
        if len(frame) < 14 + 20 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        if ip[9] != 6 or len(ip) < ihl + 20:
            continue
        tcp = ip[ihl:total] if total >= ihl + 20 else ip[ihl:]
        source_port, destination_port, sequence = struct.unpack("!HHI", tcp[:8])
        data_offset = (tcp[12] >> 4) * 4
        flags = tcp[13]
        source, destination = ip[12:16], ip[16:20]
        if destination_port == port:
            yield (source, source_port), flags, sequence, tcp[data_offset:], False
        elif source_port == port:
            yield (destination, destination_port), flags, sequence, tcp[data_offset:], True


class Direction:
    def __init__(self):
        self.start = None      # sequence number of the first data byte (after the SYN)
        self.pieces = {}       # offset → bytes
        self.fin = False
        self.reset = False

    def add(self, flags, sequence, payload):
        if flags & 0x02:                      # SYN
            self.start = (sequence + 1) & 0xFFFFFFFF
        if flags & 0x04:
            self.reset = True
        if self.start is None:
            return
        offset = (sequence - self.start) & 0xFFFFFFFF
        if offset > 1 << 31:
            return
        if payload and len(payload) > len(self.pieces.get(offset, b"")):
            self.pieces[offset] = bytes(payload)
        if flags & 0x01:
            self.fin = True

    def stream(self):
        """The contiguous bytes from the start (stops at the first gap)."""
        out = bytearray()
        for offset in sorted(self.pieces):
            piece = self.pieces[offset]
            if offset > len(out):
                break
            out += piece[len(out) - offset:]
        return bytes(out)


def check_connection(requests, responses, ended_cleanly):
    """Parses `responses` as the answers to `requests` with h11; returns the count of
    responses, or raises ValueError with what was wrong."""
    methods = [m.group(1).decode("latin-1") for m in REQUEST_LINE.finditer(requests)]
    connection = h11.Connection(h11.CLIENT, max_incomplete_event_size=64 * 1024)
    connection.receive_data(responses)
    if ended_cleanly:
        connection.receive_data(b"")
    count = 0
    position = 0
    while position < len(methods) or connection.trailing_data[0]:
        method = methods[position] if position < len(methods) else "GET"
        position += 1
        if method not in ("GET", "HEAD"):
            method = "GET"   # other methods get errors, framed like a GET's
        if not connection.trailing_data[0]:
            return count                  # nothing more was sent: no answer to this request
        connection.send(h11.Request(method=method, target="/", headers=[("Host", "tern")]))
        connection.send(h11.EndOfMessage())
        while True:
            try:
                event = connection.next_event()
            except h11.RemoteProtocolError as error:
                raise ValueError(f"response {count + 1}: {error}")
            if event is h11.NEED_DATA:
                if ended_cleanly:
                    raise ValueError(f"response {count + 1} is cut short")
                return count              # cut short by a reset or the end of the capture
            if isinstance(event, h11.Response):
                count += 1
            if isinstance(event, h11.EndOfMessage):
                break
            if isinstance(event, h11.ConnectionClosed):
                return count
        if connection.our_state is h11.MUST_CLOSE or connection.their_state is h11.MUST_CLOSE:
            rest = connection.trailing_data[0]
            if rest:
                raise ValueError(f"{len(rest)} bytes after a response that closes the connection")
            return count
        connection.start_next_cycle()
    return count


def main():
    path = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 80
    connections = {}
    for client, flags, sequence, payload, from_server in segments(path, port):
        pair = connections.setdefault(client, [])
        if flags & 0x02 and not (flags & 0x10) and pair and pair[-1][0].start is not None:
            pair.append(None)             # a new connection on a reused port
        if not pair or pair[-1] is None:
            if pair:
                pair.pop()
            pair.append((Direction(), Direction()))
        direction = pair[-1][1 if from_server else 0]
        direction.add(flags, sequence, payload)
    total_connections = total_responses = 0
    problems = []
    for client, pair in connections.items():
        for requests, responses in pair:
            if requests.start is None or responses.start is None:
                continue
            total_connections += 1
            cleanly = responses.fin and not responses.reset and not requests.reset
            try:
                total_responses += check_connection(requests.stream(), responses.stream(), cleanly)
            except ValueError as error:
                problems.append(f"{'.'.join(map(str, client[0]))}:{client[1]}: {error}")
    if problems:
        print(f"FAIL h11 rejected {len(problems)} of {total_connections} connections; e.g. {problems[0]}")
        sys.exit(1)
    if total_responses == 0:
        print(f"FAIL no HTTP response in {path}")
        sys.exit(1)
    print(f"ok h11 parsed all {total_responses} responses on {total_connections} connections")


if __name__ == "__main__":
    main()
