#!/usr/bin/python3
"""The far end of the TAP for make-golden.sh's IPv6 capture: a scripted host at
2001:db8:2::10 whose packets scapy builds, talking to the Linux kernel at 2001:db8:2::1,
which also routes to 2001:db8:3::/64 over a link with an MTU of 1280.

It sends what kernels rarely send each other (extension headers of every kind, a deprecated
type 0 routing header, fragments cut by scapy, an unknown next header) and so draws out the
kernel's answers: neighbour advertisements and solicitations, echo replies after each kind
of header, and every ICMPv6 error: parameter problems with codes 0 to 3, time exceeded,
packet too big, port unreachable.
"""
import fcntl
import os
import select
import struct
import sys
import time

from scapy.all import (ICMPv6DestUnreach, ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS,
                       ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, ICMPv6PacketTooBig, ICMPv6ParamProblem,
                       ICMPv6TimeExceeded, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, HBHOptUnknown, RouterAlert, TCP, UDP, Ether, Raw, fragment6)

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000

PEER_MAC = "02:54:45:52:4e:10"
PEER_IP = "2001:db8:2::10"
HOST_MAC = "02:54:45:52:4e:0f"
HOST_IP = "2001:db8:2::1"
# A host behind the kernel, on the link with the 1280-byte MTU.
FAR_IP = "2001:db8:3::99"
ECHO_ID = 0x7466

name = sys.argv[1]
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))


def send(frame):
    os.write(fd, bytes(frame))


def solicited_node(address):
    """ff02::1:ffXX:XXXX of an address given as text."""
    import ipaddress
    low = int(ipaddress.IPv6Address(address)) & 0xFFFFFF
    return str(ipaddress.IPv6Address((0xFF02 << 112) | (1 << 32) | (0xFF << 24) | low))


def receive(seconds, want=None):
    """Reads frames for up to `seconds`, answering the kernel's neighbour solicitations for
    PEER_IP. Returns the frames read; stops early once one satisfies `want`."""
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
        if ICMPv6ND_NS in frame and frame[ICMPv6ND_NS].tgt == PEER_IP:
            send(Ether(dst=frame.src, src=PEER_MAC) /
                 IPv6(src=PEER_IP, dst=frame[IPv6].src, hlim=255) /
                 ICMPv6ND_NA(R=0, S=1, O=1, tgt=PEER_IP) / ICMPv6NDOptDstLLAddr(lladdr=PEER_MAC))
        if want is not None and want(frame):
            return frames


def to_host(dst=HOST_IP, **fields):
    return Ether(dst=HOST_MAC, src=PEER_MAC) / IPv6(src=PEER_IP, dst=dst, **fields)


def echo(seq, data=b"tern golden echo6"):
    return ICMPv6EchoRequest(id=ECHO_ID, seq=seq, data=data)


def is_reply(f):
    return ICMPv6EchoReply in f


def is_error(kind):
    return lambda f: kind in f


time.sleep(0.3)

# 1. Our solicitation for the kernel's address (with our link-layer address): its solicited
#    advertisement with its own.
send(Ether(dst="33:33:ff:00:00:01", src=PEER_MAC) /
     IPv6(src=PEER_IP, dst=solicited_node(HOST_IP), hlim=255) /
     ICMPv6ND_NS(tgt=HOST_IP) / ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC))
receive(1.0, lambda f: ICMPv6ND_NA in f)

# 2. A plain echo request with an odd-length payload, and the reply.
send(to_host(hlim=64) / echo(1))
receive(1.0, is_reply)

# 3. A hop-by-hop router alert (value 0, as MLD uses it), which the kernel reads and passes.
send(to_host(hlim=64) / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) / echo(2))
receive(1.0, is_reply)

# 4. A destination option of unknown type 0x1e: action bits 00, skip it.
send(to_host(hlim=64) / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x1E, optdata=b"\x54\x65")]) / echo(3))
receive(1.0, is_reply)

# 5. The same with type 0x9e: action bits 10, so a parameter problem, code 2, pointing at it.
send(to_host(hlim=64) / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x9E, optdata=b"\x54\x65")]) / echo(4))
receive(1.0, is_error(ICMPv6ParamProblem))

# 6. A type 0 routing header with a segment left (RFC 5095 forbids processing it): a
#    parameter problem, code 0, pointing at the routing type.
send(to_host(hlim=64) / IPv6ExtHdrRouting(type=0, segleft=1, addresses=[FAR_IP]) / echo(5))
receive(1.0, is_error(ICMPv6ParamProblem))

# 7. The same with no segments left: ignored, and the echo answered. (With segments left,
#    the upper-layer checksum covers the last address of the route, the final destination;
#    with none, the destination field. Linux and tshark agree; tcpdump takes the last
#    address either way and calls this checksum bad.)
send(to_host(hlim=64) / IPv6ExtHdrRouting(type=0, segleft=0, addresses=[FAR_IP]) / echo(6))
receive(1.0, is_reply)

# 8. An unknown next header (253, for experiments): a parameter problem, code 1, pointing
#    at the next-header field.
send(to_host(hlim=64, nh=253) / Raw(b"experimental payload"))
receive(1.0, is_error(ICMPv6ParamProblem))

# 9. An echo request of 2000 data bytes cut by scapy into fragments of at most 1280 bytes;
#    the kernel reassembles it and answers in fragments of its own.
big = IPv6(src=PEER_IP, dst=HOST_IP, hlim=64) / IPv6ExtHdrFragment(id=0x74657201) / echo(7, bytes(range(250)) * 8)
for piece in fragment6(big, 1280):
    send(Ether(dst=HOST_MAC, src=PEER_MAC) / piece)
receive(1.0, lambda f: IPv6ExtHdrFragment in f and f[IPv6ExtHdrFragment].m == 0 and f[IPv6].src == HOST_IP)

# 10. An atomic fragment (offset 0, no more fragments): processed as a whole packet.
send(to_host(hlim=64) / IPv6ExtHdrFragment(id=0x74657202, offset=0, m=0) / echo(8))
receive(1.0, is_reply)

# 11. A first fragment that stops inside the TCP header: the header chain is incomplete, a
#     parameter problem with code 3 and pointer 0 (RFC 7112).
tcp = bytes(IPv6(src=PEER_IP, dst=HOST_IP) / TCP(sport=40003, dport=9000, flags="S", seq=1))[40:]
send(to_host(hlim=64) / IPv6ExtHdrFragment(id=0x74657203, offset=0, m=1, nh=6) / Raw(tcp[:8]))
receive(1.0, is_error(ICMPv6ParamProblem))

# 12. A fragment that is not the last but not a multiple of 8 bytes long: a parameter
#     problem, code 0, pointing at the payload length.
message = bytes(IPv6(src=PEER_IP, dst=HOST_IP) / echo(9))[40:]
send(to_host(hlim=64) / IPv6ExtHdrFragment(id=0x74657204, offset=0, m=1, nh=58) / Raw(message[:13]))
receive(1.0, is_error(ICMPv6ParamProblem))

# 13. To the far link with a hop limit of 1: the kernel, as a router, answers time exceeded.
send(to_host(dst=FAR_IP, hlim=1) / echo(10))
receive(1.0, is_error(ICMPv6TimeExceeded))

# 14. 1400 bytes to the far link, whose MTU is 1280: packet too big, quoting as much of
#     our packet as fits in 1280 bytes.
send(to_host(dst=FAR_IP, hlim=64) / echo(11, b"\x5a" * 1352))
receive(1.0, is_error(ICMPv6PacketTooBig))

# 15. UDP to a closed port, then to the open one (port 9001): one port unreachable.
send(to_host(hlim=64) / UDP(sport=40004, dport=9) / Raw(b"closed port, IPv6"))
receive(1.0, is_error(ICMPv6DestUnreach))
send(to_host(hlim=64) / UDP(sport=40004, dport=9001) / Raw(b"open port, IPv6"))
receive(0.3)

# The kernel checks, after a few seconds, that we are still reachable: a unicast
# solicitation, which receive() answers.
receive(6.0, lambda f: ICMPv6ND_NS in f and f[IPv6].dst == PEER_IP)
receive(0.3)
os.close(fd)
