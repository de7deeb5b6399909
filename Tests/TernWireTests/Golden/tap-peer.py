#!/usr/bin/python3
"""The far end of the TAP for make-golden.sh: a scripted host at 198.51.100.10 whose frames
scapy builds, talking to the kernel at 198.51.100.1 (TCP listener on 9000, nothing on UDP).

It makes the kernel produce what a kernel-to-kernel exchange does not show easily: an ARP
request answered by scapy, SACK blocks (the kernel acknowledges out-of-order data), an ICMP
port unreachable quoting a datagram sent without a checksum. It also sends a segment carrying
four SACK blocks and an unknown option, which Linux never sends itself.
"""
import fcntl
import os
import select
import struct
import sys
import time

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, Raw

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000

PEER_MAC = "02:54:45:52:4e:10"
PEER_IP = "198.51.100.10"
HOST_IP = "198.51.100.1"
# Close to 2^32 so the data and the SACK edges wrap around.
PEER_ISN = 4294967000
PEER_PORT = 40000
HOST_PORT = 9000

name = sys.argv[1]
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
host_mac = None


def send(frame):
    os.write(fd, bytes(frame))


def receive(seconds, want=None):
    """Reads frames for up to `seconds`, answering ARP requests for PEER_IP. Returns the
    frames read; stops early once one satisfies `want`."""
    global host_mac
    frames = []
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return frames
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return frames
        frame = Ether(os.read(fd, 65536))
        frames.append(frame)
        if ARP in frame and frame[ARP].op == 1 and frame[ARP].pdst == PEER_IP:
            host_mac = frame[ARP].hwsrc
            send(Ether(dst=frame.src, src=PEER_MAC) /
                 ARP(op=2, hwsrc=PEER_MAC, psrc=PEER_IP, hwdst=frame[ARP].hwsrc, pdst=frame[ARP].psrc))
        if want is not None and want(frame):
            return frames


def ip_to_host(**fields):
    return Ether(dst=host_mac or "02:54:45:52:4e:0f", src=PEER_MAC) / IP(src=PEER_IP, dst=HOST_IP, **fields)


def last_tcp(frames):
    segments = [f for f in frames if TCP in f and f[IP].src == HOST_IP]
    if not segments:
        sys.exit("tap-peer: no TCP answer from the kernel")
    return segments[-1][TCP]


time.sleep(0.3)
clock = 1000


def ts_option(echo):
    global clock
    clock += 7
    return ("Timestamp", (clock, echo))


# The SYN: the kernel first resolves our address (its ARP request, our scapy-made reply),
# then answers with a SYN-ACK.
syn = TCP(sport=PEER_PORT, dport=HOST_PORT, flags="S", seq=PEER_ISN, window=64240,
          options=[("MSS", 1460), ("SAckOK", b""), ts_option(0), ("NOP", None), ("WScale", 7)])
send(ip_to_host(id=1, flags="DF", ttl=64) / syn)
synack = last_tcp(receive(2.0, lambda f: TCP in f and f[TCP].flags == "SA"))
host_seq = synack.seq + 1
host_ts = dict(o for o in synack.options if o[0] == "Timestamp")["Timestamp"][0]
start = (PEER_ISN + 1) % 2**32


def segment(offset, payload, flags="PA", ip_id=0):
    return ip_to_host(id=ip_id, flags="DF", ttl=64) / TCP(
        sport=PEER_PORT, dport=HOST_PORT, flags=flags, seq=(start + offset) % 2**32, ack=host_seq,
        window=502, options=[("NOP", None), ("NOP", None), ts_option(host_ts)]) / Raw(payload)


send(segment(0, b"", flags="A", ip_id=2))
receive(0.2)
# Three segments past a hole at 0..<100: each draws a duplicate ACK with one more SACK block.
for n, offset in enumerate((100, 300, 500)):
    send(segment(offset, bytes([0x61 + n]) * 100, ip_id=3 + n))
    receive(0.5, lambda f: TCP in f and f[IP].src == HOST_IP)
# Fill the holes; the kernel acknowledges everything.
send(segment(0, b"z" * 100, ip_id=6))
receive(0.3)
send(segment(200, b"y" * 100, ip_id=7))
receive(0.3)
send(segment(400, b"x" * 100, ip_id=8))
receive(0.5, lambda f: TCP in f and f[IP].src == HOST_IP)

# Four SACK blocks (the most that fit) and an experimental option (kind 254) that a parser
# must skip by its length. No data, and the blocks describe nothing the kernel sent.
sack4 = ip_to_host(id=9, flags="DF", ttl=64) / TCP(
    sport=PEER_PORT, dport=HOST_PORT, flags="A", seq=(start + 600) % 2**32, ack=host_seq, window=502,
    options=[("NOP", None), ("NOP", None),
             ("SAck", (host_seq + 1000, host_seq + 2000, host_seq + 3000, host_seq + 4000,
                       host_seq + 5000, host_seq + 6000, host_seq + 7000, host_seq + 8000)),
             (254, b"\x4e\x21")])
send(sack4)
receive(0.3)

# Our address asked for by us: the kernel's ARP reply.
send(Ether(dst="ff:ff:ff:ff:ff:ff", src=PEER_MAC) /
     ARP(op=1, hwsrc=PEER_MAC, psrc=PEER_IP, hwdst="00:00:00:00:00:00", pdst=HOST_IP))
receive(0.5, lambda f: ARP in f and f[ARP].op == 2)

# An echo request with an odd-length payload; the kernel's reply.
send(ip_to_host(id=10, ttl=64) / ICMP(type=8, id=0x7465, seq=1) / Raw(b"tern golden echo, odd"))
receive(0.5, lambda f: ICMP in f and f[ICMP].type == 0)

# A UDP datagram without a checksum (0) to a closed port: the kernel's port unreachable
# quotes it.
send(ip_to_host(id=11, ttl=64) / UDP(sport=40002, dport=9, chksum=0) / Raw(b"no checksum here"))
receive(0.5, lambda f: ICMP in f and f[ICMP].type == 3)

# Abort the connection.
send(ip_to_host(id=12, flags="DF", ttl=64) /
     TCP(sport=PEER_PORT, dport=HOST_PORT, flags="R", seq=(start + 600) % 2**32, window=0))
receive(0.3)
os.close(fd)
