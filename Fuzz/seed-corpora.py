#!/usr/bin/env python3
"""Writes the seed corpora of the stack, http and chat fuzz targets:

    Fuzz/corpus/stack/  scripts (format: Fuzz/fuzz-stack/StackScript.swift): every frame of
                        the golden captures (Tests/TernWireTests/Golden/*.pcap) on its own,
                        each capture's client side replayed as one session, and hand-written
                        sessions (handshakes, echo, out-of-order data, connect-out, fragments,
                        ARP, ICMP errors, a SYN flood, a zero window, TIME-WAIT reuse);
    Fuzz/corpus/http/   request streams (format: Fuzz/fuzz-http/HTTPScript.swift) as curl,
                        wget and wrk send them, pipelined, chunked, and hostile ones;
    Fuzz/corpus/chat/   chat sessions (format: Fuzz/fuzz-chat/ChatScript.swift), good and bad.

Files named finding-* are inputs the fuzzers once failed on, kept as seeds; this script
leaves them alone.

Standard library only. Run it again after changing a format; it replaces what it wrote.

    python3 Fuzz/seed-corpora.py
"""
import pathlib
import struct

root = pathlib.Path(__file__).resolve().parent.parent
corpus = root / "Fuzz" / "corpus"
golden = root / "Tests" / "TernWireTests" / "Golden"


def fresh(name):
    """Empties a corpus directory of what this script wrote; inputs the fuzzers found
    (finding-*, kept as regression seeds) stay."""
    directory = corpus / name
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.iterdir():
        if not path.name.startswith("finding-"):
            path.unlink()
    return directory


# ---------------------------------------------------------------------------- stack

FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16
# Frame record flags.
PATCH_ETH, PATCH_IP, REPAIR, PATCH_PORTS, RELATIVE, BROADCAST = 1, 2, 4, 8, 16, 32
ALL_PATCHES = PATCH_ETH | PATCH_IP | REPAIR | PATCH_PORTS


def frame_record(flags, frame, peer=0):
    return bytes([0, flags | peer << 6]) + struct.pack("<H", len(frame)) + frame


def segment(target, flags, seq=0, ack=0, window=65535, absolute=False, seq_shift=0, ack_shift=0,
            mss=None, wscale=None, sack_ok=False, ts=None, sack=None, payload=None, pattern8=None, pattern64=None):
    """Record 1. `payload` literal bytes, or `pattern8`/`pattern64` generated ones; `sack`
    is a list of (start/16, length/16 - 1) pairs relative to the acknowledgment."""
    if payload is not None:
        mode_payload, tail = 0, bytes([len(payload)]) + payload
    elif pattern8 is not None:
        mode_payload, tail = 1, bytes([pattern8])
    elif pattern64 is not None:
        mode_payload, tail = 2, bytes([pattern64])
    else:
        mode_payload, tail = 3, b""
    mode = seq_shift | ack_shift << 2 | (0x10 if absolute else 0) | mode_payload << 6
    options, fields = 0, b""
    if mss is not None:
        options |= 1
        fields += struct.pack("<H", mss)
    if wscale is not None:
        options |= 2
        fields += bytes([wscale])
    if sack_ok:
        options |= 4
    if ts is not None:
        options |= 8
        fields += bytes([ts])
    if sack:
        options |= 16
        fields += bytes([len(sack) - 1]) + b"".join(bytes(pair) for pair in sack)
    return (bytes([1, target, flags, mode]) + struct.pack("<hhH", seq, ack, window)
            + bytes([options]) + fields + tail)


def advance(ms):
    return bytes([2]) + struct.pack("<H", ms)


def next_deadline():
    return bytes([3])


def datagram(selector, size16):
    return bytes([4, selector, size16])


def app(action, connection=0, argument=0):
    return bytes([5, action | connection << 4, argument])


def icmp_error(kind, connection=0, mtu=0, quote=28):
    return bytes([6, kind, connection]) + struct.pack("<H", mtu) + bytes([quote])


def fragment(selector, identification, offset8, length8):
    return bytes([7, selector, identification]) + struct.pack("<H", offset8) + bytes([length8])


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ip_frame(proto, transport, identification=1, flags_offset=0, total=None, ttl=64):
    """Ethernet + IPv4 with placeholder addresses and MACs (the record's patch bits fix them)."""
    length = total if total is not None else 20 + len(transport)
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length, identification, flags_offset, ttl, proto, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return b"\x02\x00\x0a\x00\x00\x02" + b"\x02\xaa\x00\x00\x00\x01" + b"\x08\x00" + header + transport


def icmp_echo(identifier, sequence, data):
    message = struct.pack("!BBHHH", 8, 0, 0, identifier, sequence) + data
    return message[:2] + struct.pack("!H", checksum(message)) + message[4:]


def udp(source_port, destination_port, data):
    header = struct.pack("!HHHH", source_port, destination_port, 8 + len(data), 0)
    pseudo = bytes([10, 0, 0, 1, 10, 0, 0, 2, 0, 17]) + struct.pack("!H", 8 + len(data))
    total = checksum(pseudo + header + data) or 0xFFFF
    return header[:6] + struct.pack("!H", total) + data


def arp(operation, sender_ip, target_ip, destination=b"\xff" * 6):
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, operation) + b"\x02\xaa\x00\x00\x00\x03" + bytes(sender_ip) \
        + b"\x00" * 6 + bytes(target_ip)
    return destination + b"\x02\xaa\x00\x00\x00\x03" + b"\x08\x06" + body + b"\x00" * 18


def handshake(target=0, peer_seq=1000, options=True):
    """SYN to the target (absolute sequence), then the ACK of the SYN-ACK."""
    if options:
        syn = segment(target, SYN, seq=peer_seq, absolute=True, mss=1460, wscale=7, sack_ok=True, ts=0)
        ack = segment(target, ACK, ts=1)
    else:
        syn = segment(target, SYN, seq=peer_seq, absolute=True)
        ack = segment(target, ACK)
    return syn + ack


def stack_sessions():
    s = {}
    s["echo-close"] = bytes([0]) + handshake() + segment(0, PSH | ACK, ts=2, payload=b"hello, tern\n") \
        + advance(50) + segment(0, ACK, ts=3) + segment(0, FIN | ACK, ts=4) + advance(10) \
        + segment(0, ACK, ts=5) + advance(1000)
    s["echo-quit"] = bytes([0]) + handshake() + segment(0, PSH | ACK, ts=2, payload=b"echo then Quit") \
        + advance(40) + segment(0, ACK | PSH, ts=3, payload=b"too late") + advance(5000)
    s["echo-no-options"] = bytes([1]) + handshake(options=False) + segment(0, PSH | ACK, pattern64=30) \
        + advance(200) + segment(0, ACK) + next_deadline() + segment(0, FIN | ACK) + next_deadline()
    s["out-of-order-sack"] = bytes([0]) + handshake() \
        + segment(0, ACK, seq=100, ts=2, pattern8=12) + segment(0, ACK, seq=300, ts=2, pattern8=12) \
        + segment(0, ACK, seq=600, ts=3, pattern8=5) + segment(0, ACK, seq=0, ts=4, pattern8=13) \
        + segment(0, ACK, seq=0, ts=5, pattern8=30) + advance(100) + segment(0, FIN | ACK, ts=6) + advance(3000)
    s["manual-accept-backlog"] = bytes([4]) \
        + b"".join(segment(0x04 | (port << 4), SYN, seq=7 + port, absolute=True, mss=536) for port in range(5)) \
        + b"".join(segment(0x04 | (port << 4), ACK) for port in range(5)) \
        + app(8) + app(8) + app(3, 0) + app(4, 0) + advance(2000)
    s["syn-flood"] = bytes([4]) + b"".join(
        segment(0 | (port << 4) | (peer & 3), SYN, seq=port * 1000 + peer, absolute=True)
        for peer in range(4) for port in range(8)) + advance(1000) + next_deadline() + advance(60000)
    s["connect-out"] = bytes([0]) + app(9, 0, 0) + segment(0x80, SYN | ACK, seq=5000, absolute=False,
                                                           mss=1460, sack_ok=True, ts=0, wscale=2) \
        + app(0, 0, 40) + advance(10) + segment(0x80, ACK, ts=1) + segment(0x80, PSH | ACK, ts=2, payload=b"reply") \
        + app(3, 0) + app(4, 0) + advance(10) + segment(0x80, FIN | ACK, ts=3) + advance(100) \
        + segment(0x80, ACK | PSH, ts=4, payload=b"x") + advance(5000)
    s["connect-out-refused"] = bytes([0]) + app(9, 0, 1) + segment(0x80, RST | ACK) + advance(100) \
        + app(9, 0, 4) + icmp_error(0, 0) + advance(3000) + app(9, 0, 0x11) + next_deadline() + next_deadline()
    s["connect-unresolved"] = bytes([0]) + app(9, 0, 1) + advance(500) + next_deadline() + next_deadline() \
        + next_deadline() + advance(2000)
    s["zero-window-persist"] = bytes([0]) + handshake() + app(11) + app(0, 0, 64) + advance(10) \
        + segment(0, ACK, window=0, ts=2) + next_deadline() + next_deadline() + next_deadline() \
        + segment(0, ACK, window=65535, ts=3) + advance(100) + segment(0, ACK, ts=4) + app(11) + advance(1000)
    s["retransmit-timeouts"] = bytes([0]) + handshake() + app(0, 0, 20) + advance(300) + next_deadline() \
        + next_deadline() + segment(0, ACK, ack=-200, ts=2) + segment(0, ACK, ts=2) + segment(0, ACK, ts=2) \
        + segment(0, ACK, ts=2) + advance(120)
    s["fast-retransmit-sack"] = bytes([2]) + handshake() + app(0, 0, 255) + app(0, 0, 255) + advance(5) \
        + segment(0, ACK, ack=-4000, ts=2, sack=[(10, 50)]) + segment(0, ACK, ack=-4000, ts=2, sack=[(10, 80)]) \
        + segment(0, ACK, ack=-4000, ts=2, sack=[(10, 120)]) + advance(20) + segment(0, ACK, ts=3) + advance(2000)
    s["pmtu-icmp"] = bytes([0]) + handshake() + app(0, 0, 60) + icmp_error(2, 0, mtu=576) + advance(50) \
        + icmp_error(1, 0) + icmp_error(4, 0, quote=8) + advance(2000)
    s["time-wait-reuse"] = bytes([0]) + app(9, 0, 0) + segment(0x80, SYN | ACK, seq=9000, ts=0, sack_ok=True) \
        + app(4, 0) + segment(0x80, ACK, ts=1) + segment(0x80, FIN | ACK, ts=2) + advance(10) \
        + segment(0, SYN, seq=20000, absolute=True, ts=3) + segment(0, FIN | ACK, ts=3) + advance(4500)
    s["challenge-acks"] = bytes([0]) + handshake() + segment(0, RST, seq=5, ts=2) + segment(0, SYN, seq=3, ts=2) \
        + segment(0, ACK, seq=-30000, ts=2) + segment(0, ACK, ack=30000, ts=2) + segment(0, RST, ts=3)
    s["udp-echo-and-closed"] = bytes([0]) + frame_record(ALL_PATCHES, ip_frame(17, udp(40000, 2, b"ping me\n"))) \
        + frame_record(ALL_PATCHES, ip_frame(17, udp(40001, 9, b"closed"))) + datagram(0x00, 2) + datagram(0x21, 1)
    s["udp-large-fragmented-out"] = bytes([1]) + datagram(0x00, 200) + datagram(0x01, 90) + advance(100)
    message = icmp_echo(0x1234, 1, bytes(range(256)) * 16)
    big = ip_frame(1, message, identification=77)
    data = big[34:]
    pieces = [(0, 1480), (1480, 2960), (2960, len(data))]
    frames = b""
    for start, end in pieces:
        more = 0x2000 if end < len(data) else 0
        frames += frame_record(ALL_PATCHES, ip_frame(1, data[start:end], identification=77,
                                                     flags_offset=more | start // 8))
    s["ping-fragmented"] = bytes([0]) + frames + frame_record(ALL_PATCHES, ip_frame(1, icmp_echo(1, 2, b"abc")))
    s["fragment-timeout"] = bytes([4]) + frame_record(ALL_PATCHES, ip_frame(17, udp(40000, 7, bytes(1000))[:800],
                                                                             identification=5, flags_offset=0x2000)) \
        + advance(31000)
    s["arp-neighbours"] = bytes([4]) + frame_record(PATCH_ETH, arp(1, [10, 0, 0, 3], [10, 0, 0, 2]), peer=1) \
        + frame_record(PATCH_ETH, arp(2, [10, 0, 0, 4], [10, 0, 0, 2]), peer=3) \
        + frame_record(0, arp(1, [10, 0, 0, 2], [10, 0, 0, 2])) + datagram(0x0A, 1) + datagram(0x0A, 2) \
        + datagram(0x0A, 3) + frame_record(PATCH_ETH | PATCH_IP, arp(2, [0, 0, 0, 0], [0, 0, 0, 0]), peer=1) \
        + advance(4000)
    s["old-ack-window"] = bytes([0]) + segment(0, SYN, seq=1000, absolute=True, mss=536) \
        + segment(0, ACK, window=1072) + app(7, 0, 1) + app(0, 0, 64) + advance(1) + segment(0, ACK, window=536) \
        + advance(1) + segment(0, ACK, seq=1, ack=-1072, window=1100) + advance(1)
    more = 4
    s["fragments-reassembly"] = bytes([4]) + fragment(more, 1, 0, 10) + fragment(0, 1, 10, 3) \
        + fragment(more | 1 << 3, 2, 0, 4) + fragment(0 | 1 << 3, 2, 8, 1) + fragment(more | 1 << 3, 2, 4, 4) \
        + fragment(more, 3, 0, 20) + fragment(more, 4, 0, 20) + fragment(more, 5, 0, 20) \
        + fragment(more, 6, 0, 4) + fragment(more, 6, 2, 4) + fragment(more, 6, 0, 4) + advance(31000)
    s["udp-broadcasts"] = bytes([1]) + datagram(0x40, 4) + datagram(0x80, 100) + datagram(0x41, 1) \
        + fragment(0x20, 9, 0, 1)
    # A router (settings bit 3): patched addresses without patched ports aim at the host
    # behind its second link, so these are forwarded, answered with time exceeded, cut
    # into fragments or refused with fragmentation needed.
    forward = PATCH_ETH | PATCH_IP | REPAIR
    s["forward-udp-ping-ttl"] = bytes([8]) + frame_record(forward, ip_frame(17, udp(40000, 53, b"query"))) \
        + frame_record(forward, ip_frame(1, icmp_echo(7, 1, b"ping"))) \
        + frame_record(forward, ip_frame(17, udp(40000, 33434, b"probe"), ttl=1)) \
        + frame_record(forward, ip_frame(17, udp(40000, 33435, b"probe"), ttl=2)) \
        + frame_record(forward, ip_frame(17, udp(40000, 53, b"from beyond")), peer=2) + advance(100)
    s["forward-fragments-and-df"] = bytes([9]) \
        + frame_record(forward, ip_frame(17, udp(40000, 53, bytes(1200)), identification=9)) \
        + frame_record(forward, ip_frame(17, udp(40000, 53, bytes(1200)), identification=10, flags_offset=0x4000)) \
        + advance(100)
    return s


def pcap_frames(path):
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nanos = magic in (0xA1B23C4D, 0x4D3CB2A1)
    offset, frames = 24, []
    while offset + 16 <= len(data):
        seconds, fraction, captured, _ = struct.unpack(order + "IIII", data[offset:offset + 16])
        offset += 16
        stamp = seconds + fraction / (1e9 if nanos else 1e6)
        frames.append((stamp, data[offset:offset + captured]))
        offset += captured
    return frames


def golden_session(frames, client_ip):
    """The client's frames of a capture, in order, with the time between them; TCP numbers
    relative to what the server had sent by then (the stack stands in for the server)."""
    script = bytearray([0])
    server_ack, server_end = {}, {}
    last = None
    for stamp, frame in frames:
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            if frame[12:14] == b"\x08\x06" and frame[28:32] == client_ip:
                script += frame_record(PATCH_ETH | PATCH_IP, frame)
            continue
        header_length = (frame[14] & 0x0F) * 4
        tcp = 14 + header_length
        source, destination, proto = frame[26:30], frame[30:34], frame[23]
        if proto == 6 and len(frame) >= tcp + 20:
            sport, dport, seq, ack = struct.unpack("!HHII", frame[tcp:tcp + 12])
            flags = frame[tcp + 13]
            total = struct.unpack("!H", frame[16:18])[0]
            payload = total - header_length - (frame[tcp + 12] >> 4) * 4
            if source != client_ip:
                end = (seq + payload + (1 if flags & SYN else 0) + (1 if flags & FIN else 0)) & 0xFFFFFFFF
                server_end[(dport, sport)] = end
                if flags & ACK:
                    server_ack[(dport, sport)] = ack
                continue
            key = (sport, dport)
            if last is not None:
                script += advance(min(65535, int((stamp - last) * 1000)))
            last = stamp
            frame = bytearray(frame)
            if key in server_ack:
                struct.pack_into("!I", frame, tcp + 4, (seq - server_ack[key]) & 0xFFFFFFFF)
            if key in server_end:
                struct.pack_into("!I", frame, tcp + 8, (ack - server_end[key]) & 0xFFFFFFFF)
            script += frame_record(ALL_PATCHES | RELATIVE, bytes(frame))
        elif source == client_ip:
            script += frame_record(ALL_PATCHES, frame)
    return bytes(script)


def write_stack():
    out = fresh("stack")
    count = 0
    for name, script in stack_sessions().items():
        (out / f"session-{name}").write_bytes(script)
        count += 1
    clients = {"kernel-veth": bytes([192, 0, 2, 1]), "scapy-tap": bytes([198, 51, 100, 10])}
    for pcap in sorted(golden.glob("*.pcap")):
        frames = pcap_frames(pcap)
        for number, (_, frame) in enumerate(frames, 1):
            (out / f"{pcap.stem}-{number:02d}").write_bytes(bytes([0]) + frame_record(ALL_PATCHES, frame))
            count += 1
        (out / f"{pcap.stem}-session").write_bytes(golden_session(frames, clients[pcap.stem]))
        count += 1
    print(f"stack: {count} scripts")


# ----------------------------------------------------------------------------- http

# Settings bits (Fuzz/fuzz-http/HTTPScript.swift).
SMALL_BUFFER, SMALL_CHUNKS, SMALL_LIMITS, PEER_CLOSES, DATED = 1, 2, 4, 8, 16


def http_input(stream, settings=PEER_CLOSES, splits=b""):
    return bytes([settings, len(splits)]) + bytes(splits) + stream


def get(path, version="1.1", extra=""):
    host = "Host: 10.0.0.2\r\n" if version == "1.1" else ""
    return f"GET {path} HTTP/{version}\r\n{host}{extra}\r\n".encode()


def http_streams():
    s = {}
    s["curl"] = http_input(b"GET / HTTP/1.1\r\nHost: 10.0.0.2\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n")
    s["wget"] = http_input(b"GET /a.txt HTTP/1.1\r\nUser-Agent: Wget/1.21.4\r\nAccept: */*\r\n"
                           b"Accept-Encoding: identity\r\nHost: 10.0.0.2\r\nConnection: Keep-Alive\r\n\r\n",
                           settings=PEER_CLOSES | DATED)
    s["wrk-pipelined"] = http_input(b"GET /index.html HTTP/1.1\r\nHost: 10.0.0.2:80\r\n\r\n" * 12,
                                    settings=PEER_CLOSES | SMALL_BUFFER, splits=[0x05, 0x88, 0x3F, 0x41, 0x80])
    s["http10-big-file"] = http_input(get("/big.bin", "1.0"), settings=PEER_CLOSES | SMALL_CHUNKS, splits=[0x01, 0x22])
    s["head-and-get"] = http_input(b"HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n" + get("/sub/b.css")
                                   + get("/empty.txt", extra="Connection: close\r\n"))
    s["chunked-upload"] = http_input(b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                     b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n" + get("/a.txt"),
                                     splits=[0x02, 0x47])
    s["content-length-body"] = http_input(b"PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"
                                          + get("/sub/", extra="Connection: close\r\n"))
    paths = ["/../secret.txt", "/%2e%2e/secret.txt", "/escape", "/escape-dir/secret.txt", "/absolute-escape",
             "/inside", "/sub", "/nodir/", "/pipe", "//etc/passwd", "/sp%20ace.txt", "/100%25.txt", "/a.txt?x=1",
             "http://host/a.txt", "/a.txt#frag", "/%00", "/%2F..%2Fsecret.txt", "/escape-dir/www/a.txt",
             "/sub/../a.txt", "/.", "/%", "/index.html/"]
    s["traversal"] = http_input(b"".join(get(p) for p in paths), settings=PEER_CLOSES | SMALL_LIMITS)
    s["methods"] = http_input(b"".join(f"{m} /a.txt HTTP/1.1\r\nHost: x\r\n\r\n".encode()
                                       for m in ["OPTIONS", "DELETE", "TRACE", "BREW", "get", "PATCH"])
                              + b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
    s["bad-version"] = http_input(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n")
    s["http09"] = http_input(b"GET /\r\n\r\n")
    s["no-host"] = http_input(b"GET / HTTP/1.1\r\n\r\n")
    s["two-hosts"] = http_input(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    s["conflicting-lengths"] = http_input(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\nxy")
    s["te-and-cl"] = http_input(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                                b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    s["bare-lf"] = http_input(b"\n\nGET /a.txt HTTP/1.1\nHost: a\n\nGET /sub/ HTTP/1.1\nHost: a\n\n")
    s["obs-fold"] = http_input(b"GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n two\r\n\r\n")
    s["huge-header"] = http_input(b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"z" * 3000 + b"\r\n\r\n",
                                  settings=PEER_CLOSES | SMALL_LIMITS)
    s["bad-chunk"] = http_input(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                                b"zz\r\nhello\r\n")
    s["slow-reader"] = http_input(get("/big.bin") * 4, settings=PEER_CLOSES | SMALL_BUFFER | SMALL_CHUNKS,
                                  splits=[0x80, 0x80, 0x81, 0x80, 0x02])
    s["slowloris-timeout"] = http_input(b"GET /a.txt HTTP/1.1\r\nHost: a\r\nX: ", splits=[0x03, 0xFF])
    s["timeout-mid-response"] = http_input(get("/big.bin") + get("/a.txt"), settings=SMALL_CHUNKS,
                                           splits=[0x3F, 0x81, 0xFF])
    s["ranges"] = http_input(b"GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-99\r\n\r\n"
                             b"GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=-10\r\n\r\n"
                             b"GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1,3-4\r\n\r\n"
                             b"GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=100-\r\n\r\n"
                             b"GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=4-1\r\n\r\n"
                             b"HEAD /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-0\r\n\r\n",
                             settings=PEER_CLOSES | SMALL_CHUNKS, splits=[0x45, 0x07])
    s["conditionals"] = http_input(b"GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"x\", W/\"y\"\r\n\r\n"
                                   b"GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-Match: *\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n"
                                   b"GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-Unmodified-Since: Sunday, 06-Nov-94 08:49:37 GMT\r\n\r\n"
                                   b"GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=5-9\r\nIf-Range: Sun Nov  6 08:49:37 1994\r\n\r\n"
                                   b"GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\n\r\n",
                                   settings=PEER_CLOSES | DATED)
    s["expect-continue"] = http_input(b"GET /a.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello"
                                      b"POST /a.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n"
                                      b"3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
    s["http10-keep-alive"] = http_input(b"GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" * 3 + get("/", "1.0"))
    s["strictness"] = http_input(b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n")
    s["long-target"] = http_input(b"GET /" + b"a" * 300 + b" HTTP/1.1\r\nHost: x\r\n\r\n", settings=PEER_CLOSES | SMALL_LIMITS)
    s["utf8-path"] = http_input("GET /é/ü.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /nodir/ HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    s["reset-mid-stream"] = http_input(get("/big.bin") + b"GET /a.t", settings=SMALL_CHUNKS, splits=[0x10, 0x05])
    return s


def write_http():
    out = fresh("http")
    streams = http_streams()
    for name, data in streams.items():
        (out / name).write_bytes(data)
    print(f"http: {len(streams)} streams")


# ----------------------------------------------------------------------------- chat

# Settings bits (Fuzz/fuzz-chat/ChatScript.swift).
FEW_CLIENTS, SMALL_BACKLOG, SMALL_PACKETS, SHORT_NICKS, EAGER = 1, 2, 4, 8, 16
HELLO, CHAT, ME, PRIVATE, WHO, JOIN, UNKNOWN, RAW_JSON = range(8)


def connect(client):
    return bytes([client])


def raw(client, data):
    return bytes([client | 1 << 3, len(data)]) + data


def packet(client, kind, text=b"", split=255):
    return bytes([client | 2 << 3, kind, split, len(text)]) + text


def read(client, eights):
    return bytes([client | 3 << 3, eights])


def read_all(client):
    return bytes([client | 4 << 3])


def leave(client):
    return bytes([client | 5 << 3])


def framed(text):
    return struct.pack("!H", len(text)) + text


def chat_sessions():
    s = {}
    hello_all = connect(0) + connect(1) + connect(2) + packet(0, HELLO, b"alice") + packet(1, HELLO, b"bob", split=3) \
        + packet(2, HELLO, b"carol", split=0)
    talk = packet(0, CHAT, b"hi all") + packet(1, ME, b"waves") + packet(2, PRIVATE, bytes([0]) + b"psst alice") \
        + packet(1, WHO) + packet(0, CHAT, "h\u00e9llo \U0001F600".encode(), split=9)
    s["session-eager"] = bytes([EAGER]) + hello_all + talk + leave(1) + packet(0, CHAT, b"bye")
    s["session-partial-reads"] = bytes([0]) + hello_all + talk + read(0, 3) + read(1, 1) + read(2, 200) \
        + leave(2) + read_all(0) + read_all(1)
    s["raw-frames"] = bytes([EAGER]) + connect(3) + raw(3, framed(b'{"type":"hello","nick":"dave"}')[:7]) \
        + raw(3, framed(b'{"type":"hello","nick":"dave"}')[7:] + framed(b'{"type":"chat","message":"x"}')) \
        + raw(3, framed(b'{"message":"y","type":"chat","extra":[1,2,{"a":null}]}'))
    s["chat-before-hello"] = bytes([EAGER]) + connect(0) + packet(0, CHAT, b"too early")
    s["second-hello"] = bytes([EAGER]) + connect(0) + packet(0, HELLO, b"eve") + packet(0, HELLO, b"eve2")
    s["zero-length"] = bytes([EAGER]) + connect(0) + packet(0, HELLO, b"zed") + raw(0, b"\x00\x00")
    s["invalid-utf8"] = bytes([EAGER]) + connect(0) + raw(0, framed(b'{"type":"hello","nick":"\xff\xfe"}'))
    s["invalid-json"] = bytes([EAGER]) + connect(0) + connect(1) + packet(1, HELLO, b"ok") \
        + raw(0, framed(b'{"type":"hello",'))
    s["unknown-and-join"] = bytes([EAGER]) + connect(0) + packet(0, HELLO, b"u") + packet(0, UNKNOWN, b"dance") \
        + connect(1) + packet(1, HELLO, b"v") + packet(1, JOIN, b"v")
    s["too-long"] = bytes([EAGER | SMALL_PACKETS | SHORT_NICKS]) + connect(0) + packet(0, HELLO, b"abcdefgh") \
        + connect(1) + packet(1, HELLO, b"ab") + packet(1, CHAT, b"m" * 80) + raw(1, b"\xff\xff")
    s["bad-nicks"] = bytes([EAGER]) + connect(0) + packet(0, HELLO, b"two words") + connect(1) \
        + packet(1, HELLO, b"") + connect(2) + packet(2, HELLO, b"ctl\x07") + connect(3) + packet(3, HELLO, b"dup") \
        + connect(4) + packet(4, HELLO, b"dup")
    s["slow-reader"] = bytes([SMALL_BACKLOG]) + connect(0) + connect(1) + packet(0, HELLO, b"fast") \
        + packet(1, HELLO, b"slow") + read_all(0) + b"".join(packet(0, CHAT, b"spam " * 10) + read_all(0)
                                                             for _ in range(8)) + read_all(1)
    s["full-room"] = bytes([FEW_CLIENTS | EAGER]) + b"".join(connect(c) for c in range(5)) \
        + packet(4, HELLO, b"late") + leave(0) + connect(4) + packet(4, HELLO, b"late")
    texts = [b'[1,-0,1e300,0.5,-2.5e-3,true,false,null]', b'{"a":{"b":[[[]]]},"c":"\\u00e9\\ud83d\\ude00"}',
             b'"\\u0000\\n\\t\\"\\\\"', b'{"type":"who"}', b'{"type":"users","nicks":["a","b"]}',
             b'{"type":"private","to":"x","message":"m","from":"y"}', b'{"a":1,"a":2}', b'  {"type" : "chat" , "message" : "s" } ']
    s["json-shapes"] = bytes([EAGER]) + connect(0) + packet(0, HELLO, b"j") + b"".join(
        connect(1) + packet(1, HELLO, b"k") + packet(1, RAW_JSON, t) for t in texts)
    return s


def write_chat():
    out = fresh("chat")
    sessions = chat_sessions()
    for name, data in sessions.items():
        (out / name).write_bytes(data)
    print(f"chat: {len(sessions)} sessions")


if __name__ == "__main__":
    write_stack()
    write_http()
    write_chat()
