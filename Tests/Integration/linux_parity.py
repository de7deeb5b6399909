#!/usr/bin/python3
"""Cases where ternd must answer as Linux does, probed with scapy over its TAP.

Run by linux_parity.sh inside the test's namespace, against a running ternd with a discard
service on port 9. Frames go to the kernel side of the TAP through an AF_PACKET socket
from a made-up peer (10.0.0.77, its own MAC), so the kernel's TCP never sees or answers
them; ternd's answers are read back from the same socket. Prints "PASS name" or
"FAIL name: why" per check.

  linux_parity.py --interface tern0 --address 10.0.0.2 tcp    # options, RST, PAWS, ICMP
  linux_parity.py --interface tern0 --address 10.0.0.2 full   # the daemon allows 1 connection
  linux_parity.py --interface tern0 --address 10.0.0.2 ipopts # IPv4 options
"""

import argparse
import logging
import socket
import time

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.inet import ICMP, IP, TCP  # noqa: E402
from scapy.layers.l2 import ARP, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
PEER_IP = "10.0.0.77"
PEER_MAC = "02:00:00:00:00:77"
failures = 0


def report(ok, name, why=""):
    global failures
    if ok:
        print(f"PASS {name}", flush=True)
    else:
        failures += 1
        print(f"FAIL {name}: {why}", flush=True)


class Link:
    def __init__(self, interface, address):
        self.address = address
        self.socket = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.socket.bind((interface, 0))
        self.socket.settimeout(0.05)
        # Introduce the peer: ternd learns its MAC from the request and answers with its own.
        self.send(Ether(src=PEER_MAC, dst="ff:ff:ff:ff:ff:ff")
                  / ARP(op=1, hwsrc=PEER_MAC, psrc=PEER_IP, pdst=address))
        reply = self.receive(lambda p: ARP in p and p[ARP].op == 2, 2.0)
        if reply is None:
            raise SystemExit("FAIL ternd answers ARP: no reply")
        self.mac = reply[ARP].hwsrc

    def send(self, packet):
        self.socket.send(bytes(packet))

    def receive(self, match, timeout=1.0):
        """The first frame ternd sends to the peer that `match` accepts, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                data, info = self.socket.recvfrom(65536)
            except socket.timeout:
                continue
            if info[2] == PACKET_OUTGOING:
                continue
            packet = Ether(data)
            if packet.dst.lower() != PEER_MAC:
                continue
            if match(packet):
                return packet
        return None

    def drain(self, seconds=0.1):
        self.receive(lambda p: False, seconds)

    def ip(self):
        return Ether(src=PEER_MAC, dst=self.mac) / IP(src=PEER_IP, dst=self.address)


def tcp_from_ternd(sport):
    return lambda p: TCP in p and p[TCP].dport == sport


def syn(link, sport, options, seq=1000):
    link.send(link.ip() / TCP(sport=sport, dport=9, flags="S", seq=seq, window=65535, options=options))
    return link.receive(tcp_from_ternd(sport))


def tcp_checks(link):
    # A SYN whose MSS option has length 3: Linux ignores the option and answers.
    reply = syn(link, 41001, [(2, b"\x05"), ("NOP", None), ("SAckOK", b"")])
    report(reply is not None and reply[TCP].flags == "SA",
           "a SYN with an MSS option of length 3 is answered with a SYN-ACK",
           "no answer" if reply is None else f"flags {reply[TCP].flags}")
    # A SYN whose timestamp option has length 2: answered, without timestamps.
    reply = syn(link, 41002, [("MSS", 1460), (8, b""), ("NOP", None), ("NOP", None)])
    answered = reply is not None and reply[TCP].flags == "SA"
    has_ts = answered and any(name == "Timestamp" for name, _ in reply[TCP].options)
    report(answered and not has_ts, "a SYN with a timestamp option of length 2 is answered, without timestamps",
           "no answer" if reply is None else f"flags {reply[TCP].flags}, options {reply[TCP].options}")

    # SYN-RECEIVED: an in-window RST that is not exact draws a challenge ACK (RFC 5961 §3.2).
    reply = syn(link, 41003, [("MSS", 1460)], seq=5000)
    if reply is None:
        report(False, "challenge ACK in SYN-RECEIVED", "no SYN-ACK")
    else:
        iss = reply[TCP].seq
        link.drain()
        link.send(link.ip() / TCP(sport=41003, dport=9, flags="R", seq=5101))
        ack = link.receive(tcp_from_ternd(41003))
        report(ack is not None and ack[TCP].flags == "A" and ack[TCP].seq == iss + 1 and ack[TCP].ack == 5001,
               "an inexact in-window RST in SYN-RECEIVED draws a challenge ACK",
               "no answer" if ack is None else f"flags {ack[TCP].flags} seq {ack[TCP].seq} ack {ack[TCP].ack}")
        link.send(link.ip() / TCP(sport=41003, dport=9, flags="R", seq=5001))

    # PAWS lets a reordered duplicate ACK through (Linux's tcp_disordered_ack).
    options = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1000, 0)), ("NOP", None), ("WScale", 7)]
    reply = syn(link, 41004, options, seq=7000)
    if reply is None:
        report(False, "PAWS and reordered ACKs", "no SYN-ACK")
        return
    ours = reply[TCP].seq + 1
    echo = dict(reply[TCP].options).get("Timestamp", (0, 0))[0]

    def segment(seq, tsval, flags="A", payload=b""):
        return (link.ip() / TCP(sport=41004, dport=9, flags=flags, seq=seq, ack=ours, window=512,
                                options=[("NOP", None), ("NOP", None), ("Timestamp", (tsval, echo))])
                / Raw(payload))

    link.send(segment(7001, 1001))
    link.send(segment(7001, 2000, "PA", b"0123456789"))
    link.drain(0.2)
    link.send(segment(7011, 1990))
    answer = link.receive(tcp_from_ternd(41004), 0.5)
    report(answer is None, "a duplicate ACK with an older timestamp, overtaken by data, is not answered as stale",
           f"answered with flags {answer[TCP].flags if answer else ''}")
    link.send(segment(7011, 1990, "PA", b"x"))
    answer = link.receive(tcp_from_ternd(41004), 0.5)
    report(answer is not None and answer[TCP].ack == 7011,
           "data with an older timestamp is dropped by PAWS and answered with an ACK",
           "no answer" if answer is None else f"ack {answer[TCP].ack}")
    link.send(link.ip() / TCP(sport=41004, dport=9, flags="R", seq=7011))

    # ICMP timestamp request (RFC 792), answered as Linux answers it.
    link.send(link.ip() / ICMP(type=13, id=7, seq=1, ts_ori=0x01020304, ts_rx=0, ts_tx=0))
    reply = link.receive(lambda p: ICMP in p and p[ICMP].type == 14, 1.0)
    raw = bytes(reply[ICMP]) if reply is not None else b""
    midnight = int(time.time() * 1000) % 86_400_000
    ours = int.from_bytes(raw[12:16], "big") if len(raw) >= 20 else -1
    # Milliseconds since midnight UT, as Linux's; a minute either way allows for a slow machine.
    ok = (reply is not None and reply[ICMP].id == 7 and raw[8:12] == b"\x01\x02\x03\x04"
          and raw[12:16] == raw[16:20] and min(abs(ours - midnight), 86_400_000 - abs(ours - midnight)) < 60_000)
    report(ok, "an ICMP timestamp request gets a timestamp reply: the originate time back, ours in ms since midnight UT",
           "no reply" if reply is None else f"{raw.hex()} at {midnight}")


def echo_with_options(link, options, seq):
    """Sends an echo request carrying raw IPv4 `options`; returns ternd's first answer."""
    link.send(Ether(src=PEER_MAC, dst=link.mac)
              / IP(src=PEER_IP, dst=link.address, ihl=5 + len(options) // 4, options=options)
              / ICMP(id=9, seq=seq) / Raw(b"x" * 16))
    return link.receive(lambda p: ICMP in p and (p[ICMP].type == 0 and p[ICMP].seq == seq
                                                 or p[ICMP].type == 12), 0.5)


def ip_option_checks(link):
    # Record route (ping -R): our address recorded on the way in and on the way out.
    rr = b"\x01\x07\x27\x08" + bytes([10, 0, 0, 77]) + bytes(32)
    reply = echo_with_options(link, rr, 1)
    raw = bytes(reply[IP])[20:reply[IP].ihl * 4] if reply is not None else b""
    ours = bytes(int(x) for x in link.address.split("."))
    report(reply is not None and reply[ICMP].type == 0 and raw[:3] == b"\x07\x27\x10"
           and raw[3:15] == bytes([10, 0, 0, 77]) + ours + ours,
           "record route is echoed with our address recorded in and out, as Linux does",
           "no reply" if reply is None else raw.hex())
    # Timestamp, stamps only (ping -T tsonly).
    reply = echo_with_options(link, b"\x44\x28\x05\x00" + bytes(36), 2)
    raw = bytes(reply[IP])[20:reply[IP].ihl * 4] if reply is not None else b""
    midnight = int(time.time() * 1000) % 86_400_000
    stamp = int.from_bytes(raw[4:8], "big") if len(raw) >= 8 else -1
    report(reply is not None and raw[:3] == b"\x44\x28\x0d" and raw[4:8] == raw[8:12]
           and min(abs(stamp - midnight), 86_400_000 - abs(stamp - midnight)) < 60_000,
           "timestamp option is echoed with two stamps in ms since midnight UT",
           "no reply" if reply is None else raw.hex())
    # Malformed options: parameter problems pointing where Linux points.
    for name, options, pointer in [("a record route of length 2", b"\x07\x02\x04\x00", 21),
                                   ("a record route with pointer 3", b"\x07\x07\x03" + bytes(5), 22),
                                   ("an option of length 0", b"\x88\x00\x00\x00", 20),
                                   ("a full timestamp with overflow 15", b"\x44\x08\x09\xf0" + bytes(4), 23)]:
        reply = echo_with_options(link, options, 3)
        report(reply is not None and reply[ICMP].type == 12 and reply[ICMP].ptr == pointer,
               f"{name} draws a parameter problem pointing at octet {pointer}",
               "no answer" if reply is None else f"type {reply[ICMP].type}")
    # Source routes, finished or not, are dropped (Linux: accept_source_route=0).
    for name, pointer in [("an unfinished", 4), ("a finished", 8)]:
        reply = echo_with_options(link, bytes([0x83, 7, pointer, 10, 0, 0, 9, 0]), 4)
        report(reply is None, f"{name} loose source route is dropped, not answered",
               "" if reply is None else f"answered with type {reply[ICMP].type}")


def full_table_checks(link):
    # The daemon allows one connection: open it, then a second SYN must get a RST.
    reply = syn(link, 42001, [("MSS", 1460)], seq=100)
    if reply is None:
        report(False, "a full connection table answers a SYN with a reset", "the first SYN got no answer")
        return
    link.send(link.ip() / TCP(sport=42001, dport=9, flags="A", seq=101, ack=reply[TCP].seq + 1, window=65535))
    link.drain(0.2)
    reply = syn(link, 42002, [("MSS", 1460)], seq=900)
    report(reply is not None and "R" in str(reply[TCP].flags) and reply[TCP].ack == 901,
           "a full connection table answers a SYN with a reset",
           "no answer" if reply is None else f"flags {reply[TCP].flags}")
    link.send(link.ip() / TCP(sport=42001, dport=9, flags="R", seq=101))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--interface", required=True)
    parser.add_argument("--address", required=True)
    parser.add_argument("checks", choices=["tcp", "full", "ipopts"])
    args = parser.parse_args()
    link = Link(args.interface, args.address)
    if args.checks == "tcp":
        tcp_checks(link)
    elif args.checks == "ipopts":
        ip_option_checks(link)
    else:
        full_table_checks(link)
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
