#!/usr/bin/env python3
"""Turns the captured conversation into the checksum test data.

Usage: split-capture.py CAPTURE.pcap OUTDIR

Writes into OUTDIR:
  capture.pcap            the capture as tcpdump wrote it (every checksum valid)
  capture-corrupted.pcap  the same frames with a few deliberately damaged
  pcap-expected.txt       which frames of capture-corrupted.pcap are bad and why
  pairs/tcp_addrs_N.txt   source and destination address of TCP segment N
  pairs/tcp_data_N.dat    TCP header and payload of segment N
  pairs-expected.txt      per pair: PASS or FAIL, the damage done, and the stored and
                          computed checksums as this script computes them (an oracle
                          independent of Tern's code)

Every TCP segment of the capture becomes one pair, in capture order. Even-numbered pairs
are left as the kernel sent them; odd-numbered ones are damaged, each in the way listed
in DAMAGE below.
"""
import os
import shutil
import struct
import sys

ETHERNET = 14

# Pair number -> the damage done to it.
DAMAGE = {
    1: "flip-header-bit",     # a bit of the window field
    3: "flip-payload-bit",
    5: "wrong-source",
    7: "wrong-destination",
    9: "truncated-odd",       # even-length segment loses its last byte
    11: "flip-payload-bit",   # the last, odd byte: the one summed with zero padding
    13: "extra-byte-odd",     # a zero byte appended: same data sum, different length
    15: "flip-header-bit",    # a bit of the sequence number
    17: "wrong-destination",
}


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic != 0xA1B2C3D4:
        sys.exit(f"{path}: expected a little-endian microsecond pcap")
    header, offset, frames = data[:24], 24, []
    while offset < len(data):
        record = data[offset:offset + 16]
        captured = struct.unpack("<IIII", record)[2]
        frames.append((record, bytearray(data[offset + 16:offset + 16 + captured])))
        offset += 16 + captured
    return header, frames


def write_pcap(path, header, frames):
    with open(path, "wb") as f:
        f.write(header)
        for record, frame in frames:
            f.write(record)
            f.write(frame)


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def dotted(address: bytes) -> str:
    return ".".join(str(b) for b in address)


def ipv4(frame):
    """(header length, protocol, source, destination, payload) of an unfragmented or first-fragment IPv4 frame."""
    if struct.unpack("!H", frame[12:14])[0] != 0x0800:
        return None
    ip = frame[ETHERNET:]
    header_length = (ip[0] & 0x0F) * 4
    total_length = struct.unpack("!H", ip[2:4])[0]
    return header_length, ip[9], bytes(ip[12:16]), bytes(ip[16:20]), bytes(ip[header_length:total_length])


def pseudo_sum_checksum(source, destination, protocol, segment, field):
    zeroed = bytearray(segment)
    zeroed[field:field + 2] = b"\0\0"
    pseudo = source + destination + struct.pack("!BBH", 0, protocol, len(segment))
    return checksum(pseudo + zeroed)


def damage(kind, source, destination, segment):
    segment = bytearray(segment)
    header_length = (segment[12] >> 4) * 4
    payload_length = len(segment) - header_length
    if kind == "flip-payload-bit":
        assert payload_length > 0
        segment[-1 if payload_length % 2 else header_length + payload_length // 2] ^= 0x04
    elif kind == "flip-header-bit":
        segment[14 if segment[13] & 0x02 else 5] ^= 0x10   # window on a SYN, else sequence number
    elif kind == "wrong-source":
        source = source[:3] + bytes([source[3] ^ 0x08])
    elif kind == "wrong-destination":
        destination = destination[:3] + bytes([destination[3] ^ 0x20])
    elif kind == "truncated-odd":
        assert len(segment) % 2 == 0 and payload_length > 0
        del segment[-1]
    elif kind == "extra-byte-odd":
        assert len(segment) % 2 == 0
        segment.append(0)
    else:
        raise ValueError(kind)
    return source, destination, bytes(segment)


def write_pairs(frames, outdir):
    pairs = os.path.join(outdir, "pairs")
    shutil.rmtree(pairs, ignore_errors=True)
    os.makedirs(pairs)
    segments = [ip for ip in (ipv4(frame) for _, frame in frames) if ip and ip[1] == 6]
    lines = ["# pair  verdict  damage             stored  computed"]
    for n, (_, _, source, destination, segment) in enumerate(segments):
        kind = DAMAGE.get(n)
        if n % 2 == 1:
            assert kind, f"pair {n} has no damage planned"
            source, destination, segment = damage(kind, source, destination, segment)
        stored = struct.unpack("!H", segment[16:18])[0]
        computed = pseudo_sum_checksum(source, destination, 6, segment, 16)
        verdict = "PASS" if stored == computed else "FAIL"
        assert (verdict == "PASS") == (kind is None), f"pair {n}: {kind} left the checksum valid"
        with open(os.path.join(pairs, f"tcp_addrs_{n}.txt"), "w") as f:
            f.write(f"{dotted(source)} {dotted(destination)}\n")
        with open(os.path.join(pairs, f"tcp_data_{n}.dat"), "wb") as f:
            f.write(segment)
        lines.append(f"{n:<6}  {verdict:<7}  {kind or '-':<17}  0x{stored:04X}  0x{computed:04X}")
    with open(os.path.join(outdir, "pairs-expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def fix_ip_header_checksum(frame):
    header_length = (frame[ETHERNET] & 0x0F) * 4
    frame[ETHERNET + 10:ETHERNET + 12] = b"\0\0"
    value = checksum(bytes(frame[ETHERNET:ETHERNET + header_length]))
    frame[ETHERNET + 10:ETHERNET + 12] = struct.pack("!H", value)


def describe_frames(frames):
    """Frame number (1-based) -> short description, for picking frames to damage."""
    found = {}
    for number, (_, frame) in enumerate(frames, 1):
        ip = ipv4(frame)
        if not ip:
            continue
        fragment = struct.unpack("!H", frame[ETHERNET + 6:ETHERNET + 8])[0]
        offset, more = (fragment & 0x1FFF) * 8, bool(fragment & 0x2000)
        found[number] = (ip, offset, more)
    return found


def write_corrupted_capture(header, frames, outdir):
    frames = [(record, bytearray(frame)) for record, frame in frames]
    info = describe_frames(frames)
    tcp_with_16 = [n for n, (ip, off, more) in info.items() if ip[1] == 6 and len(ip[4]) - (ip[4][12] >> 4) * 4 == 16]
    tcp_with_333 = [n for n, (ip, off, more) in info.items() if ip[1] == 6 and len(ip[4]) - (ip[4][12] >> 4) * 4 == 333]
    udp_plain = [n for n, (ip, off, more) in info.items() if ip[1] == 17 and off == 0 and not more]
    middle_fragments = [n for n, (ip, off, more) in info.items() if ip[1] == 17 and off > 0 and more]
    fins = [n for n, (ip, off, more) in info.items() if ip[1] == 6 and ip[4][13] & 0x01]
    expected = []

    # A payload bit of the client's 16-byte TCP message.
    n = tcp_with_16[0]
    frames[n - 1][1][-3] ^= 0x01
    expected.append(f"{n:<7}  tcp-invalid          payload bit flipped")
    # The server's 333-byte message re-addressed, IP header checksum fixed: only the
    # pseudo-header shows the change.
    n = tcp_with_333[1]
    frames[n - 1][1][ETHERNET + 19] ^= 0x40
    fix_ip_header_checksum(frames[n - 1][1])
    expected.append(f"{n:<7}  tcp-invalid          destination address changed, IP header checksum fixed")
    # The first UDP datagram's payload.
    n = udp_plain[0]
    frames[n - 1][1][-1] ^= 0x80
    expected.append(f"{n:<7}  udp-invalid          payload bit flipped")
    # A bit in the middle fragment of the client's 3000-byte datagram: the reassembled
    # datagram's checksum, reported at its first fragment, is bad.
    n = middle_fragments[0]
    frames[n - 1][1][ETHERNET + 20 + 700] ^= 0x10
    expected.append(f"{n - 1:<7}  udp-invalid          bit flipped in its second fragment (frame {n})")
    # The server's FIN with its TTL changed and the IP header checksum left alone: the
    # TCP checksum stays valid (TTL is not in the pseudo-header).
    n = fins[1]
    frames[n - 1][1][ETHERNET + 8] -= 1
    expected.append(f"{n:<7}  ip-header-invalid    TTL changed, IP header checksum not updated")

    write_pcap(os.path.join(outdir, "capture-corrupted.pcap"), header, frames)
    expected.sort(key=lambda line: int(line.split()[0]))
    with open(os.path.join(outdir, "pcap-expected.txt"), "w") as f:
        f.write("\n".join(["# frame  verdict              what was done"] + expected) + "\n")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    capture, outdir = sys.argv[1:]
    header, frames = read_pcap(capture)
    if os.path.abspath(capture) != os.path.abspath(os.path.join(outdir, "capture.pcap")):
        shutil.copyfile(capture, os.path.join(outdir, "capture.pcap"))
    write_pairs(frames, outdir)
    write_corrupted_capture(header, frames, outdir)


if __name__ == "__main__":
    main()
