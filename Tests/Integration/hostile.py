#!/usr/bin/python3
"""The hostile-input battery: hand-made frames against a running ternd over its TAP.

Run by hostile.sh inside the test's network namespace. Frames are written to the kernel
side of the TAP through an AF_PACKET socket, so the daemon reads exactly the bytes built
here (scapy builds them; nothing is sent through the kernel's own stack). Each phase sends
one kind of abuse, then checks that the daemon:
  - still answers ping, HTTP and chat;
  - is back near its idle memory (VmRSS at most idle + --rss-slack KiB, after a settle);
  - counted what it dropped under the right reason (its SIGUSR1 counters line).
Prints "PASS ..." / "FAIL ...: why" lines and, at the end, a table of the frames sent per
phase and the daemon's state after each.
"""

import argparse
import errno
import json
import logging
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import time

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.inet import ICMP, IP, TCP, UDP  # noqa: E402
from scapy.layers.l2 import ARP, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

# The daemon's counter names (StackCounters.swift) as its log line spells them.
DROPS = {
    "frameTruncated": "frame shorter than its headers",
    "frameNotForUs": "frame for another MAC",
    "frameUnknownEtherType": "unknown EtherType",
    "arpMalformed": "malformed ARP",
    "arpUnsupported": "ARP for another hardware/protocol type",
    "arpQueueFull": "no room to queue a packet awaiting ARP",
    "arpResolutionFailed": "ARP resolution failed",
    "arpAddressConflict": "ARP from another MAC claiming our address",
    "arpFromOurMAC": "ARP with our own MAC as sender",
    "arpNotForUs": "ARP for another address",
    "ipTruncated": "IPv4 datagram truncated",
    "ipMalformed": "IPv4 version or header length invalid",
    "ipBadLength": "IPv4 total length invalid",
    "ipBadChecksum": "IPv4 header checksum wrong",
    "ipNotForUs": "IPv4 datagram for another host",
    "ipBadSource": "IPv4 source is broadcast, multicast or ours",
    "ipUnknownProtocol": "IPv4 protocol not supported",
    "ipNoRoute": "no route to destination",
    "ipTooBig": "datagram too big to send",
    "reassemblyTimeout": "reassembly timed out",
    "reassemblyOverlap": "overlapping fragments",
    "reassemblyNoMemory": "reassembly memory exhausted",
    "reassemblyTooLong": "reassembled datagram over 65535 bytes",
    "reassemblyEvicted": "oldest incomplete datagram dropped for a new one",
    "icmpTruncated": "ICMP message truncated",
    "icmpBadChecksum": "ICMP checksum wrong",
    "icmpRateLimited": "ICMP error rate-limited",
    "icmpBroadcastEcho": "echo request to a broadcast address",
    "icmpUnhandled": "ICMP type not handled",
    "udpTruncated": "UDP datagram truncated",
    "udpBadLength": "UDP length invalid",
    "udpBadChecksum": "UDP checksum wrong",
    "udpNoListener": "UDP to a closed port",
    "tcpTruncated": "TCP segment truncated",
    "tcpMalformed": "TCP data offset invalid",
    "tcpBadChecksum": "TCP checksum wrong",
    "tcpBadOptions": "TCP options malformed",
    "tcpNoListener": "TCP to a closed port",
    "tcpOutOfWindow": "TCP segment outside the window",
    "tcpDuplicate": "TCP duplicate data",
    "tcpBadACK": "TCP acknowledgment of unsent data",
    "tcpPAWS": "TCP timestamp older than the last (PAWS)",
    "tcpSynQueueFull": "SYN queue full",
    "tcpBacklogFull": "accept backlog full",
    "tcpTooManyConnections": "connection limit reached",
    "tcpOutOfOrderFull": "no room for out-of-order data",
    "tcpInvalidInState": "TCP segment invalid in its connection's state",
    "tcpBadSourceOrDestination": "TCP segment from or to a broadcast address",
    "ipv6Malformed": "IPv6 packet truncated or not version 6",
    "ipv6NotForUs": "IPv6 packet for another host or group",
    "ipv6BadSource": "IPv6 source is multicast, loopback or ours",
    "ipv6HeaderRefused": "IPv6 extension headers refused",
    "ndpInvalid": "Neighbor Discovery message invalid",
    "ndpNotForUs": "neighbour solicitation for another address",
    "ndpFromOurMAC": "Neighbor Discovery message with our own MAC as sender",
    "ndpQueueFull": "no room to queue a packet awaiting Neighbor Discovery",
    "ndpResolutionFailed": "Neighbor Discovery resolution failed",
    "ndpAddressConflict": "another node claims one of our IPv6 addresses",
}
EVENTS = {
    "framesReceived": "frames received",
    "framesSent": "frames sent",
    "arpRequestsAnswered": "ARP requests answered",
    "arpRequestsSent": "ARP requests sent",
    "ipDatagramsDelivered": "IPv4 datagrams delivered",
    "fragmentsReceived": "fragments received",
    "datagramsReassembled": "datagrams reassembled",
    "echoRepliesSent": "echo replies sent",
    "icmpTimestampRepliesSent": "ICMP timestamp replies sent",
    "icmpErrorsSent": "ICMP errors sent",
    "udpDatagramsDelivered": "UDP datagrams delivered",
    "tcpSegmentsReceived": "TCP segments received",
    "tcpSegmentsSent": "TCP segments sent",
    "tcpDataBytesReceived": "TCP data bytes received in order",
    "tcpResetsSent": "TCP resets sent",
    "tcpChallengeACKs": "TCP challenge ACKs",
    "tcpPassiveOpens": "TCP passive opens",
    "tcpConnectionsFailed": "TCP connections failed",
}
NAME_BY_TEXT = {f"dropped, {text}": name for name, text in DROPS.items()}
# Drops of what the daemon meant to send (or of connections it had opened), not of a frame
# it received.
OUTPUT_DROPS = {"arpQueueFull", "arpResolutionFailed", "ndpQueueFull", "ndpResolutionFailed", "ipNoRoute",
                "ipTooBig", "icmpRateLimited", "tcpSynQueueFull", "tcpTooManyConnections", "reassemblyEvicted", "reassemblyTimeout"}
NAME_BY_TEXT.update({text: name for name, text in EVENTS.items()})

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4

results = {"passed": 0, "failed": 0}


def report(ok, name, why=""):
    if ok:
        results["passed"] += 1
        print(f"PASS {name}", flush=True)
    else:
        results["failed"] += 1
        print(f"FAIL {name}: {why}", flush=True)


class Daemon:
    """The running ternd: its counters (SIGUSR1 → a log line) and its memory."""

    def __init__(self, pid, log):
        self.pid = pid
        self.log = log

    def alive(self):
        try:
            os.kill(self.pid, 0)
            return True
        except OSError:
            return False

    def _counter_lines(self):
        with open(self.log, errors="replace") as f:
            return [line for line in f if " ternd: counters: " in line]

    def counters(self):
        """Asks for the counters and parses the line that answers."""
        before = len(self._counter_lines())
        os.kill(self.pid, signal.SIGUSR1)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            lines = self._counter_lines()
            if len(lines) > before:
                return parse_counters(lines[-1])
            time.sleep(0.05)
        raise RuntimeError("no counters line within 5 s of SIGUSR1")

    def memory(self):
        """VmRSS and RssAnon in KiB."""
        values = {}
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "RssAnon"):
                    values[key] = int(rest.split()[0])
        return values["VmRSS"], values["RssAnon"]


def parse_counters(line):
    text = line.split(" ternd: counters: ", 1)[1].strip()
    counters = {}
    if text == "none":
        return counters
    # "name: 12, dropped, reason: 3, ..." — names hold commas but never colons.
    for match in re.finditer(r"(?:^|, )([^:]+?): (\d+)(?=, |$)", text):
        label, value = match.group(1), int(match.group(2))
        counters[NAME_BY_TEXT.get(label, label)] = value
    return counters


class Link:
    """The kernel side of the TAP, seen through AF_PACKET: frames written here reach the
    daemon as they are; frames the daemon sends can be read back."""

    def __init__(self, interface, rate):
        self.interface = interface
        self.rate = rate
        self.tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.tx.bind((interface, 0))
        self.rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
        self.rx.bind((interface, 0))
        self.rx.setblocking(False)
        self.sent = 0
        self.refused = 0

    def statistic(self, name):
        with open(f"/sys/class/net/{self.interface}/statistics/{name}") as f:
            return int(f.read())

    def send(self, frames):
        """Writes frames, paced at `rate` frames per second in bursts of 50 so the TAP's
        queue (txqueuelen 1000) is not what drops them; a full queue (ENOBUFS) is waited
        out. Frames the kernel refuses to send (shorter than an Ethernet header) are
        counted in `refused`."""
        burst = 50
        interval = burst / self.rate
        next_burst = time.monotonic()
        for index, frame in enumerate(frames):
            for attempt in range(1000):
                try:
                    self.tx.send(frame)
                    self.sent += 1
                    break
                except OSError as error:
                    if error.errno == errno.ENOBUFS:
                        time.sleep(0.001)
                        continue
                    self.refused += 1
                    break
            if index % burst == burst - 1:
                next_burst += interval
                pause = next_burst - time.monotonic()
                if pause > 0:
                    time.sleep(pause)

    def drain(self):
        """Frames received from the daemon since the last drain (ours are skipped)."""
        frames = []
        while True:
            try:
                data, address = self.rx.recvfrom(65536)
            except BlockingIOError:
                return frames
            if address[2] != PACKET_OUTGOING:
                frames.append(data)


class Battery:
    def __init__(self, args):
        self.args = args
        self.daemon = Daemon(args.pid, args.log)
        self.link = Link(args.interface, args.rate)
        self.our_mac = open(f"/sys/class/net/{args.interface}/address").read().strip()
        self.mac = args.mac
        self.ip = args.address
        self.kernel_ip = args.kernel_address
        prefix = int(args.prefix)
        network = struct.unpack("!I", socket.inet_aton(self.ip))[0] & (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF
        self.network, self.host_bits = network, 32 - prefix
        self.random = random.Random(args.seed)
        self.rows = []
        self.idle = None
        self.probe_number = 0
        self.watcher = None

    # MARK: helpers

    def spoofed_source(self):
        """A random host address in the subnet other than the daemon's and the kernel's."""
        while True:
            host = self.random.randrange(3, (1 << self.host_bits) - 1)
            address = socket.inet_ntoa(struct.pack("!I", self.network | host))
            if address not in (self.ip, self.kernel_ip):
                return address

    def ether(self, destination=None):
        return Ether(src=self.our_mac, dst=destination or self.mac)

    def ip_packet(self, source=None, **fields):
        return IP(src=source or self.kernel_ip, dst=self.ip, **fields)

    def port(self):
        return self.random.randrange(20000, 60000)

    # MARK: health

    def ping(self, size=56):
        out = subprocess.run(["ping", "-c", "3", "-i", "0.2", "-W", "1", "-s", str(size), "-q", self.ip],
                             capture_output=True, text=True, timeout=20).stdout
        match = re.search(r"(\d+) received", out)
        return int(match.group(1)) if match else 0

    def http(self):
        try:
            out = subprocess.run(["curl", "-s", "-m", "5", "-w", "\n%{http_code}", f"http://{self.ip}/"],
                                 capture_output=True, text=True, timeout=10).stdout
        except subprocess.TimeoutExpired:
            return False
        return out.endswith("\n200") and "<h1>tern</h1>" in out

    def chat(self):
        self.probe_number += 1
        nick = f"probe{self.probe_number}"
        try:
            with socket.create_connection((self.ip, self.args.chat_port), timeout=5) as s:
                chat_send(s, {"type": "hello", "nick": nick})
                chat_expect(s, lambda p: p.get("type") == "join" and p.get("nick") == nick)
                chat_send(s, {"type": "chat", "message": "still here"})
                chat_expect(s, lambda p: p.get("type") == "chat" and p.get("nick") == nick
                            and p.get("message") == "still here")
            return True
        except (OSError, ValueError):
            return False

    def healthy(self):
        """ping, HTTP and chat; each is tried again once after a pause, as a client would."""
        state = {}
        for name, probe in (("ping", lambda: self.ping() == 3), ("http", self.http), ("chat", self.chat)):
            ok = probe()
            if not ok:
                time.sleep(2)
                ok = probe()
            state[name] = ok
        return state

    def settled_memory(self):
        """Waits (up to --settle s) for VmRSS to come within the bound; returns the last reading."""
        deadline = time.monotonic() + self.args.settle
        while True:
            rss, anon = self.daemon.memory()
            if rss <= self.idle[0] + self.args.rss_slack or time.monotonic() >= deadline:
                return rss, anon
            time.sleep(0.5)

    # MARK: phases

    def run_phase(self, name, build, expect, note=""):
        """Sends the frames `build()` returns (an iterable, or a callable doing its own
        sending), waits for the daemon to go quiet, then checks it. `expect(delta, info)`
        returns [(ok, description, why)] for the counters."""
        before = self.daemon.counters()
        dropped_before = self.link.statistic("tx_dropped")
        sent_before, refused_before = self.link.sent, self.link.refused
        self.link.drain()
        started = time.monotonic()
        info = {}
        frames = build(info)
        if frames is not None:
            self.link.send(frames)
        info["send_seconds"] = time.monotonic() - started
        sent = self.link.sent - sent_before
        refused = self.link.refused - refused_before
        info["replies"], after = self.wait_quiet(before, sent, dropped_before)
        kernel_dropped = self.link.statistic("tx_dropped") - dropped_before
        delta = {key: after.get(key, 0) - before.get(key, 0) for key in set(after) | set(before)}
        info.update(sent=sent, kernel_dropped=kernel_dropped, refused=refused)

        alive = self.daemon.alive()
        report(alive, f"{name}: ternd survives {sent} frames")
        if not alive:
            self.rows.append((name, sent + refused, kernel_dropped + refused, "-", "-", "daemon gone", "-", "-", "-",
                              ""))
            return False
        for ok, description, why in expect(delta, info):
            report(ok, f"{name}: {description}", why)
        health = self.healthy()
        for probe in ("ping", "http", "chat"):
            report(health[probe], f"{name}: still answers {probe}", f"{probe} failed after the phase")
        rss, anon = self.settled_memory()
        bound = self.idle[0] + self.args.rss_slack
        report(rss <= bound, f"{name}: VmRSS {rss} KiB within idle {self.idle[0]} + {self.args.rss_slack} KiB",
               f"VmRSS {rss} KiB, RssAnon {anon} KiB after {self.args.settle} s")
        drops = {k: v for k, v in delta.items() if k in DROPS and v > 0}
        top = ", ".join(f"{k} {v}" for k, v in sorted(drops.items(), key=lambda kv: -kv[1])[:4]) or "none"
        state = "/".join("ok" if health[p] else "NO" for p in ("ping", "http", "chat"))
        self.rows.append((name, sent + refused, kernel_dropped + refused, delta.get("framesReceived", 0),
                          sum(drops.values()), top, state, rss, anon, note or info.get("note", "")))
        return True

    def wait_quiet(self, before, sent, dropped_before, quiet=1.0, limit=60.0):
        """Waits until the daemon has read every frame that reached the TAP (its
        framesReceived counter has caught up, or stopped moving) and has sent nothing for
        `quiet` seconds. Returns the frames it sent meanwhile and its counters then."""
        frames = []
        last_frame = time.monotonic()
        deadline = last_frame + limit
        counters = self.daemon.counters()
        last_check = time.monotonic()
        while time.monotonic() < deadline:
            got = self.link.drain()
            if got:
                frames += got
                last_frame = time.monotonic()
            if time.monotonic() - last_check >= 0.5:
                previous = counters.get("framesReceived", 0)
                counters = self.daemon.counters()
                last_check = time.monotonic()
                arrived = sent - (self.link.statistic("tx_dropped") - dropped_before)
                read = counters.get("framesReceived", 0) - before.get("framesReceived", 0)
                caught_up = read >= arrived or counters.get("framesReceived", 0) == previous
                if caught_up and time.monotonic() - last_frame >= quiet:
                    break
            time.sleep(0.05)
        frames += self.link.drain()
        return frames, self.daemon.counters()

    def exactly(self, delta, info, counter, expected, what):
        """A counter grew by exactly `expected` (less any frames the kernel dropped)."""
        got = delta.get(counter, 0)
        low = expected - info["kernel_dropped"]
        ok = low <= got <= expected and got > 0
        return (ok, f"{counter} +{got} for {expected} {what}", f"{counter} grew by {got}, expected {expected}")

    # 1. Truncated headers at every layer.
    def truncated(self):
        plan = {"arp": [], "ip": [], "icmp": [], "udp": [], "tcp": []}

        def build(info):
            e = self.ether()
            arp = bytes(ARP(op=1, hwsrc=self.our_mac, psrc=self.kernel_ip, pdst=self.ip))
            for n in range(0, 28):
                plan["arp"].append(bytes(Ether(src=self.our_mac, dst=self.mac, type=0x0806)) + arp[:n])
            ip_header = bytes(self.ip_packet(proto=17) / UDP(sport=1, dport=7))[:20]
            for n in range(0, 20):
                plan["ip"].append(bytes(Ether(src=self.our_mac, dst=self.mac, type=0x0800)) + ip_header[:n])
            # A whole IPv4 header whose total length covers only part of the next header.
            for proto, key, full in ((1, "icmp", 8), (17, "udp", 8), (6, "tcp", 20)):
                for n in range(0, full):
                    inner = bytes(self.layer4(proto))[:n]
                    plan[key].append(bytes(e / self.ip_packet(proto=proto) / Raw(inner)))
            return [f for key in plan for f in plan[key]]

        def expect(delta, info):
            return [self.exactly(delta, info, "arpMalformed", len(plan["arp"]), "ARP payloads of 0–27 bytes"),
                    self.exactly(delta, info, "ipTruncated", len(plan["ip"]), "IPv4 headers of 0–19 bytes"),
                    self.exactly(delta, info, "icmpTruncated", len(plan["icmp"]), "ICMP headers of 0–7 bytes"),
                    self.exactly(delta, info, "udpTruncated", len(plan["udp"]), "UDP headers of 0–7 bytes"),
                    self.exactly(delta, info, "tcpTruncated", len(plan["tcp"]), "TCP headers of 0–19 bytes")]

        self.run_phase("truncated headers", build, expect)

    def layer4(self, proto, sport=None):
        if proto == 1:
            return ICMP(type=8, id=0x7E57, seq=1) / Raw(b"hostile")
        if proto == 17:
            return UDP(sport=sport or self.port(), dport=7) / Raw(b"hostile")
        return TCP(sport=sport or self.port(), dport=80, flags="S", seq=self.random.getrandbits(32))

    # 2. Bad checksums at every layer that has one.
    def checksums(self):
        count = 50
        # (name, protocol, offset of the checksum from the start of the frame)
        layers = (("ip", 17, 14 + 10), ("icmp", 1, 34 + 2), ("udp", 17, 34 + 6), ("tcp", 6, 34 + 16))

        def build(info):
            frames = []
            for _, proto, offset in layers:
                for _ in range(count):
                    frame = bytearray(bytes(self.ether() / self.ip_packet(proto=proto) / self.layer4(proto)))
                    good = struct.unpack_from("!H", frame, offset)[0]
                    bad = good ^ (self.random.randrange(1, 0xFFFF))
                    if bad == 0:  # a zero UDP checksum means "none"
                        bad = good ^ 0x8000
                    struct.pack_into("!H", frame, offset, bad)
                    frames.append(bytes(frame))
            return frames

        def expect(delta, info):
            return [self.exactly(delta, info, "ipBadChecksum", count, "IPv4 header checksums"),
                    self.exactly(delta, info, "icmpBadChecksum", count, "ICMP echo checksums"),
                    self.exactly(delta, info, "udpBadChecksum", count, "UDP checksums (to echo)"),
                    self.exactly(delta, info, "tcpBadChecksum", count, "TCP SYN checksums (to HTTP)"),
                    (delta.get("echoRepliesSent", 0) == 0 and delta.get("tcpPassiveOpens", 0) == 0
                     and delta.get("udpDatagramsDelivered", 0) == 0,
                     "nothing with a bad checksum was answered",
                     f"echo replies {delta.get('echoRepliesSent', 0)}, passive opens "
                     f"{delta.get('tcpPassiveOpens', 0)}, UDP delivered {delta.get('udpDatagramsDelivered', 0)}")]

        self.run_phase("bad checksums", build, expect, note="Ethernet FCS is not carried over a TAP")

    # 3. IHL below 5 and other invalid version/IHL fields.
    def ihl(self):
        count = 20

        def build(info):
            frames = []
            for ihl in range(0, 5):
                for _ in range(count):
                    frames.append(bytes(self.ether() / self.ip_packet(ihl=ihl, proto=1) / self.layer4(1)))
            for version in (0, 6, 15):
                frames.append(bytes(self.ether() / self.ip_packet(version=version, proto=1) / self.layer4(1)))
            # IHL 15 (60 bytes) in a datagram of 28.
            for _ in range(count):
                frames.append(bytes(self.ether() / self.ip_packet(ihl=15, proto=1, len=28) / self.layer4(1))[:14 + 28])
            return frames

        def expect(delta, info):
            return [self.exactly(delta, info, "ipMalformed", 5 * count + 3, "datagrams with IHL 0–4 or version ≠ 4"),
                    self.exactly(delta, info, "ipTruncated", count, "datagrams with IHL 15 in 28 bytes")]

        self.run_phase("IHL < 5, bad version", build, expect)

    # 4. Total length beyond the frame (and below the header).
    def total_length(self):
        count = 50

        def build(info):
            frames = []
            for _ in range(count):
                claimed = self.random.randrange(64, 65536)
                frames.append(bytes(self.ether() / self.ip_packet(proto=1, len=claimed) / self.layer4(1)))
            for _ in range(count):
                frames.append(bytes(self.ether() / self.ip_packet(proto=1, len=self.random.randrange(0, 20))
                                    / self.layer4(1)))
            return frames

        def expect(delta, info):
            return [self.exactly(delta, info, "ipTruncated", count, "total lengths beyond the frame"),
                    self.exactly(delta, info, "ipBadLength", count, "total lengths below the header")]

        self.run_phase("total length beyond frame", build, expect)

    # 5. TCP data offset below 5 and beyond the segment.
    def data_offset(self):
        count = 20

        def build(info):
            frames = []
            for offset in range(0, 5):
                for _ in range(count):
                    tcp = TCP(sport=self.port(), dport=80, flags="S", dataofs=offset)
                    frames.append(bytes(self.ether() / self.ip_packet() / tcp))
            for offset in range(6, 16):
                for _ in range(count):
                    tcp = TCP(sport=self.port(), dport=80, flags="S", dataofs=offset)
                    frames.append(bytes(self.ether() / self.ip_packet() / tcp))
            return frames

        def expect(delta, info):
            return [self.exactly(delta, info, "tcpMalformed", 5 * count, "data offsets 0–4"),
                    self.exactly(delta, info, "tcpTruncated", 10 * count, "data offsets 6–15 in a 20-byte segment"),
                    (delta.get("tcpPassiveOpens", 0) == 0, "no connection opened", "a malformed SYN opened one")]

        self.run_phase("TCP data offset out of range", build, expect)

    # 6. Every combination of the 8 TCP flag bits, to an open and to a closed port.
    def flags(self):
        open_port, closed_port = 80, self.args.closed_port
        sent = {}  # source port -> (destination port, flags)

        def build(info):
            frames = []
            base = 30000
            for destination in (open_port, closed_port):
                for bits in range(256):
                    sport = base + len(frames)
                    sent[sport] = (destination, bits)
                    tcp = TCP(sport=sport, dport=destination, flags=bits, seq=self.random.getrandbits(32),
                              ack=self.random.getrandbits(32), window=65535)
                    frames.append(bytes(self.ether() / self.ip_packet() / tcp))
            return frames

        def expect(delta, info):
            answers = {}
            for frame in info["replies"]:
                packet = Ether(frame)
                if TCP in packet and packet[IP].src == self.ip and packet[TCP].dport in sent:
                    answers.setdefault(packet[TCP].dport, []).append(int(packet[TCP].flags))
            fin, syn, rst, ack = 0x01, 0x02, 0x04, 0x10
            wrong = []
            synfin = None
            for sport, (port, bits) in sorted(sent.items()):
                got = answers.get(sport, [])
                first = got[0] if got else None
                if port == closed_port:
                    want = None if bits & rst else ("rst" if bits & ack else "rst+ack")
                elif bits & rst:
                    want = None
                elif bits & ack:
                    want = "rst"
                elif bits & syn:
                    if bits & fin:
                        synfin = synfin or ("SYN-ACK" if first is not None and first & (syn | ack) == syn | ack
                                            else "no answer" if first is None else f"flags {first:#x}")
                        continue
                    want = "syn+ack"
                else:
                    want = None
                if want is None:
                    ok = first is None
                elif want == "rst":
                    ok = first is not None and first & (rst | syn) == rst
                elif want == "rst+ack":
                    ok = first is not None and first & (rst | ack | syn) == rst | ack
                else:
                    ok = first is not None and first & (syn | ack | rst) == syn | ack
                if not ok:
                    wrong.append(f"{port}/{bits:#04x}: want {want or 'nothing'}, got "
                                 + (f"{first:#04x}" if first is not None else "nothing"))
            info["note"] = f"SYN+FIN to the open port: {synfin}"
            return [(not wrong, "each of 512 flag combinations got the answer RFC 9293 asks for",
                     f"{len(wrong)} wrong, e.g. {'; '.join(wrong[:3])}"),
                    (delta.get("tcpNoListener", 0) >= 256 - info["kernel_dropped"],
                     "closed port and RST segments counted as tcpNoListener",
                     f"tcpNoListener +{delta.get('tcpNoListener', 0)}")]

        self.run_phase("all 256 TCP flag combinations ×2", build, expect)

    # 7. SYN flood from spoofed addresses in the subnet.
    def syn_flood(self):
        count = self.args.flood

        def build(info):
            for index in range(count):
                tcp = TCP(sport=self.port(), dport=80, flags="S", seq=self.random.getrandbits(32),
                          options=[("MSS", 1460)])
                yield bytes(self.ether() / self.ip_packet(source=self.spoofed_source()) / tcp)

        def expect(delta, info):
            arrived = info["sent"] - info["kernel_dropped"]
            opened = delta.get("tcpPassiveOpens", 0) + delta.get("tcpTooManyConnections", 0)
            return [(arrived - 5 <= opened <= info["sent"],
                     f"every SYN counted: {delta.get('tcpPassiveOpens', 0)} passive opens, "
                     f"{delta.get('tcpTooManyConnections', 0)} over the connection limit",
                     f"{opened} for {arrived} SYNs that arrived"),
                    (delta.get("tcpSynQueueFull", 0) >= arrived - 2 * self.args.syn_queue,
                     f"SYN queue bounded: tcpSynQueueFull +{delta.get('tcpSynQueueFull', 0)}",
                     f"tcpSynQueueFull grew by {delta.get('tcpSynQueueFull', 0)} only")]

        self.run_phase(f"SYN flood ({count}, spoofed)", build, expect)

    # 7b. A SYN flood spread over every open port: half-open connections of all the
    # listeners together reach the connection limit.
    def syn_flood_all_ports(self):
        count = self.args.flood
        ports = [int(p) for p in self.args.open_ports.split(",")]

        def build(info):
            for index in range(count):
                tcp = TCP(sport=self.port(), dport=ports[index % len(ports)], flags="S",
                          seq=self.random.getrandbits(32))
                yield bytes(self.ether() / self.ip_packet(source=self.spoofed_source()) / tcp)

        def expect(delta, info):
            arrived = info["sent"] - info["kernel_dropped"]
            opened = delta.get("tcpPassiveOpens", 0)
            pushed = delta.get("tcpTooManyConnections", 0) + delta.get("tcpSynQueueFull", 0)
            return [(arrived - 5 <= opened <= info["sent"],
                     f"every SYN opened a half-open connection ({opened})", f"{opened} for {arrived} SYNs"),
                    (pushed >= opened - self.args.max_connections,
                     f"the connection limit held: {pushed} half-open connections pushed out",
                     f"only {pushed} pushed out for {opened} opened")]

        self.run_phase(f"SYN flood on {len(ports)} ports ({count})", build, expect)

    # 8. ACK flood: to the listener from spoofed sources, and blind onto a live connection.
    def ack_flood(self):
        count = self.args.flood // 2
        watcher = self.watcher

        def build(info):
            local = watcher.getsockname()
            for index in range(count):
                tcp = TCP(sport=self.port(), dport=80, flags="A", seq=self.random.getrandbits(32),
                          ack=self.random.getrandbits(32))
                yield bytes(self.ether() / self.ip_packet(source=self.spoofed_source()) / tcp)
            for index in range(count):
                tcp = TCP(sport=local[1], dport=self.args.chat_port, flags="A", seq=self.random.getrandbits(32),
                          ack=self.random.getrandbits(32), window=65535)
                yield bytes(self.ether() / self.ip_packet() / tcp)

        def expect(delta, info):
            arrived = info["sent"] - info["kernel_dropped"]
            stale = (delta.get("tcpInvalidInState", 0) + delta.get("tcpOutOfWindow", 0)
                     + delta.get("tcpBadACK", 0) + delta.get("tcpDuplicate", 0))
            answers = replies_to(info["replies"], self.ip, watcher.getsockname()[1])
            # One per 500 ms for bare ACKs outside the window, plus the rare forged ACK that
            # lands inside it and is answered for acknowledging nothing we sent.
            bound = 2 + int(info["send_seconds"] / 0.5) + 5
            return [(stale >= arrived - 50,
                     f"ACKs counted: tcpInvalidInState +{delta.get('tcpInvalidInState', 0)}, "
                     f"tcpOutOfWindow +{delta.get('tcpOutOfWindow', 0)}, tcpBadACK +{delta.get('tcpBadACK', 0)}",
                     f"{stale} counted for {arrived} ACKs"),
                    (answers <= bound, f"{answers} ACKs to the genuine peer for {count} forged ones (at most {bound})",
                     f"{answers} ACKs sent to the genuine peer for {count} forged ones"),
                    (watcher_works(watcher, "after the ACK flood"), "the flooded chat connection still works",
                     "the chat connection under the flood no longer relays")]

        self.run_phase(f"ACK flood ({2 * count})", build, expect)

    # 9. Blind RST and SYN into a live connection (RFC 5961).
    def blind(self):
        count = 1000
        watcher = self.watcher

        def build(info):
            local = watcher.getsockname()
            for flags in ("R", "S"):
                for _ in range(count):
                    tcp = TCP(sport=local[1], dport=self.args.chat_port, flags=flags,
                              seq=self.random.getrandbits(32), window=65535)
                    yield bytes(self.ether() / self.ip_packet() / tcp)

        def expect(delta, info):
            answers = replies_to(info["replies"], self.ip, watcher.getsockname()[1])
            bound = 100 + int(1000 * info["send_seconds"]) + 1
            return [(answers <= bound, f"{answers} ACKs to the genuine peer for {2 * count} forged segments "
                     f"(challenge ACKs: burst 100, 1000/s; at most {bound})",
                     f"{answers} ACKs for {2 * count} forged segments"),
                    (delta.get("tcpConnectionsFailed", 0) == 0, "no connection was reset",
                     f"tcpConnectionsFailed +{delta.get('tcpConnectionsFailed', 0)}"),
                    (delta.get("tcpChallengeACKs", 0) > 0,
                     f"answered with rate-limited challenge ACKs (+{delta.get('tcpChallengeACKs', 0)})",
                     "no challenge ACK"),
                    (watcher_works(watcher, "after blind RSTs and SYNs"), "the attacked chat connection still works",
                     "the chat connection no longer relays")]

        self.run_phase(f"blind RST/SYN ({2 * count})", build, expect)

    # 10. Overlapping, duplicate and oversized fragments.
    def overlapping(self):
        count = 100

        def fragment(ident, offset, more, data, source=None):
            return bytes(self.ether() / self.ip_packet(source=source, id=ident, proto=1, frag=offset // 8,
                                                       flags="MF" if more else 0) / Raw(data))

        def echo(size, ident):
            return bytes(ICMP(type=8, id=ident, seq=1) / Raw(bytes(self.random.getrandbits(8) for _ in range(size))))

        def build(info):
            frames = []
            ident = 0x4000
            for _ in range(count):  # second fragment rewrites bytes 16–23 of the first
                ident += 1
                message = echo(64, ident)
                changed = bytes(b ^ 0xFF for b in message[16:24]) + message[24:]
                frames += [fragment(ident, 0, True, message[:24]), fragment(ident, 16, False, changed)]
            for _ in range(count):  # "teardrop": a fragment inside an earlier one, different bytes
                ident += 1
                message = echo(200, ident)
                frames += [fragment(ident, 0, True, message[:96]),
                           fragment(ident, 32, True, b"\xAA" * 16),
                           fragment(ident, 96, False, message[96:])]
            for _ in range(count):  # exact duplicates: harmless, the datagram completes
                ident += 1
                message = echo(64, ident)
                frames += [fragment(ident, 0, True, message[:40]), fragment(ident, 0, True, message[:40]),
                           fragment(ident, 40, False, message[40:]), fragment(ident, 40, False, message[40:])]
            for _ in range(count):  # "ping of death": past 65,535 bytes
                ident += 1
                message = echo(64, ident)
                frames += [fragment(ident, 0, True, message[:40]), fragment(ident, 65512, False, b"\x00" * 100)]
            return frames

        def expect(delta, info):
            return [self.exactly(delta, info, "reassemblyOverlap", 2 * count, "overlapping datagrams"),
                    self.exactly(delta, info, "reassemblyTooLong", count, "datagrams ending past 65,535"),
                    self.exactly(delta, info, "echoRepliesSent", count, "echoes sent as duplicated fragments"),
                    (self.ping(4000) == 3, "a fragmented ping (4,000 bytes) is still answered",
                     "ping -s 4000 failed")]

        self.run_phase("overlapping fragments", build, expect)

    # 11. Fragment flood: many datagrams that never complete.
    def fragment_flood(self):
        count = self.args.flood

        def build(info):
            for index in range(count):
                source = self.spoofed_source()
                ident = index & 0xFFFF
                if index % 4 == 3:
                    # A lone fragment far into the datagram: the partial datagram spans 60 KB.
                    ip = self.ip_packet(source=source, id=ident, proto=17, frag=7500, flags="MF")
                    yield bytes(self.ether() / ip / Raw(b"\x00" * 8))
                else:
                    ip = self.ip_packet(source=source, id=ident, proto=17, flags="MF")
                    yield bytes(self.ether() / ip / Raw(b"\x00" * 1400))

        def expect(delta, info):
            arrived = info["sent"] - info["kernel_dropped"]
            refused = (delta.get("reassemblyNoMemory", 0) + delta.get("reassemblyEvicted", 0)
                       + delta.get("reassemblyTimeout", 0))
            return [self.exactly(delta, info, "fragmentsReceived", count, "fragments"),
                    (delta.get("reassemblyEvicted", 0) > 0,
                     f"the bound on datagrams held evicted the oldest (reassemblyEvicted +{delta.get('reassemblyEvicted', 0)})",
                     "reassemblyEvicted did not grow"),
                    (delta.get("reassemblyNoMemory", 0) > 0,
                     f"reassembly memory bound hit (reassemblyNoMemory +{delta.get('reassemblyNoMemory', 0)})",
                     "reassemblyNoMemory did not grow"),
                    (refused >= arrived - self.args.max_reassemblies,
                     f"every fragment beyond the bounds counted ({refused} of {arrived})",
                     f"only {refused} of {arrived} fragments counted as dropped or evicted"),
                    (self.ping(4000) == 3, "a fragmented ping (4,000 bytes) is still answered",
                     "ping -s 4000 failed")]

        self.run_phase(f"fragment flood ({count} incomplete)", build, expect)

    # 12. ARP spoofing of the daemon's own address.
    def arp_spoofing(self):
        count = 100
        attacker = "de:ad:be:ef:00:01"

        def build(info):
            frames = []
            for _ in range(count):  # "10.0.0.2 is at <attacker>", to the daemon
                frames.append(bytes(Ether(src=attacker, dst=self.mac)
                                    / ARP(op=2, hwsrc=attacker, psrc=self.ip, hwdst=self.mac, pdst=self.ip)))
            for _ in range(count):  # gratuitous ARP for 10.0.0.2 from the attacker, broadcast
                frames.append(bytes(Ether(src=attacker, dst="ff:ff:ff:ff:ff:ff")
                                    / ARP(op=1, hwsrc=attacker, psrc=self.ip, hwdst="00:00:00:00:00:00",
                                          pdst=self.ip)))
            for _ in range(count):  # the daemon's own MAC and address reflected at it
                frames.append(bytes(Ether(src=self.mac, dst="ff:ff:ff:ff:ff:ff")
                                    / ARP(op=2, hwsrc=self.mac, psrc=self.ip, hwdst=self.mac, pdst=self.ip)))
            for _ in range(count):  # a conflict probe: who has 10.0.0.2? (sender 0.0.0.0)
                frames.append(bytes(Ether(src=attacker, dst="ff:ff:ff:ff:ff:ff")
                                    / ARP(op=1, hwsrc=attacker, psrc="0.0.0.0", pdst=self.ip)))
            return frames

        def expect(delta, info):
            defended = probes_answered = wrong = 0
            for frame in info["replies"]:
                packet = Ether(frame)
                if ARP not in packet:
                    continue
                arp = packet[ARP]
                if arp.psrc == self.ip and arp.hwsrc != self.mac:
                    wrong += 1
                if arp.psrc == self.ip and arp.pdst == self.ip and arp.hwsrc == self.mac:
                    defended += 1
                if arp.op == 2 and arp.hwdst == attacker and arp.hwsrc == self.mac:
                    probes_answered += 1
            arping = subprocess.run(["arping", "-c", "2", "-w", "4", "-I", self.args.interface, self.ip],
                                    capture_output=True, text=True, timeout=10).stdout
            return [(wrong == 0, "the daemon never announced another MAC for its address", f"{wrong} such frames"),
                    (1 <= defended <= 3, f"defended its address with {defended} gratuitous ARP (rate-limited)",
                     f"{defended} gratuitous ARPs"),
                    self.exactly(delta, info, "arpAddressConflict", 2 * count, "claims of its address by another MAC"),
                    self.exactly(delta, info, "arpFromOurMAC", count, "ARPs with its own MAC as sender"),
                    (count - info["kernel_dropped"] <= probes_answered <= count,
                     f"answered all {count} probes for its address", f"answered {probes_answered}"),
                    (self.mac.lower() in arping.lower(), "arping still finds the daemon at its own MAC",
                     arping.strip().splitlines()[-1] if arping.strip() else "no output")]

        self.run_phase("ARP spoofing of our address", build, expect)

    # 13. The shortest frames: 1–13 bytes (the kernel refuses them) and bare headers.
    def short_frames(self):
        per = 50

        def build(info):
            frames = []
            for n in range(1, 14):
                frames.append(bytes(Ether(src=self.our_mac, dst=self.mac))[:n])
            for _ in range(per):
                frames.append(bytes(Ether(src=self.our_mac, dst=self.mac, type=0x0800)))  # bare header, IPv4
                frames.append(bytes(Ether(src=self.our_mac, dst=self.mac, type=0x0806)))  # bare header, ARP
                frames.append(bytes(Ether(src=self.our_mac, dst=self.mac, type=0x86DD)) + b"\x60")
                frames.append(bytes(Ether(src=self.our_mac, dst=self.mac, type=0x0040)) + b"\x00")  # 802.3 length
                frames.append(bytes(Ether(src=self.our_mac, dst="02:00:00:00:00:99", type=0x0800)) + b"\x45")
                frames.append(bytes(Ether(src=self.our_mac, dst=self.mac, type=0x0800)) + b"\x45")
            return frames

        def expect(delta, info):
            return [(info["refused"] == 13, "the kernel refuses frames of 1–13 bytes (EINVAL): none can reach a TAP",
                     f"{info['refused']} of 13 refused"),
                    self.exactly(delta, info, "ipTruncated", 2 * per, "IPv4 frames of 14–15 bytes"),
                    self.exactly(delta, info, "arpMalformed", per, "ARP frames of 14 bytes"),
                    self.exactly(delta, info, "ipv6Malformed", per, "IPv6 frames of 15 bytes"),
                    self.exactly(delta, info, "frameUnknownEtherType", per, "802.3 frames"),
                    self.exactly(delta, info, "frameNotForUs", per, "frames for another MAC")]

        self.run_phase("1–15-byte frames", build, expect, note="1–13 B refused by the kernel")

    # 14. Jumbo frames: far beyond the daemon's MTU.
    def jumbo(self):
        count = 50
        subprocess.run(["ip", "link", "set", self.args.interface, "mtu", "9000"], check=True)

        def build(info):
            frames = []
            for _ in range(count):
                frames.append(bytes(self.ether() / self.ip_packet(proto=1)
                                    / ICMP(type=8, id=0x1234, seq=1) / Raw(b"J" * 8972)))
                frames.append(bytes(self.ether() / self.ip_packet(proto=17)
                                    / UDP(sport=self.port(), dport=7) / Raw(b"J" * 8972)))
                frames.append(bytes(self.ether() / self.ip_packet()
                                    / TCP(sport=self.port(), dport=80, flags="S") / Raw(b"J" * 8960)))
                frames.append(bytes(self.ether() / Raw(bytes(self.random.getrandbits(8) for _ in range(8986)))))
            return frames

        def expect(delta, info):
            arrived = info["sent"] - info["kernel_dropped"]
            answered = (delta.get("echoRepliesSent", 0) + delta.get("udpDatagramsDelivered", 0)
                        + delta.get("tcpPassiveOpens", 0))
            dropped = sum(v for k, v in delta.items() if k in DROPS and k not in OUTPUT_DROPS)
            if self.args.offloads:
                # A TAP with offloads carries super-segments of up to 64 KiB, so a frame
                # is taken whole: the datagrams are answered (the replies fragmented to
                # the MTU), the frames of an unknown type dropped.
                return [(answered == 3 * count, f"with offloads, the {3 * count} jumbo datagrams were answered",
                         f"{answered} answered"),
                        (answered + dropped >= arrived,
                         f"every frame answered or counted as a drop ({answered} + {dropped})",
                         f"{answered} answered and {dropped} dropped of {arrived}")]
            return [(answered == 0, "no oversized frame was taken as a datagram",
                     f"{answered} oversized frames were answered"),
                    (dropped >= arrived, "every oversized frame counted as a drop",
                     f"{dropped} drops for {arrived} frames")]

        try:
            note = "MTU 1500, kernel side raised to 9000; " + ("TAP with offloads" if self.args.offloads else "plain TAP")
            self.run_phase("jumbo frames (9,014 bytes)", build, expect, note=note)
        finally:
            subprocess.run(["ip", "link", "set", self.args.interface, "mtu", "1500"], check=True)

    # 15. Random bytes after a valid Ethernet header.
    def garbage(self):
        count = self.args.flood // 2

        def build(info):
            for _ in range(count):
                etherType = self.random.choice((0x0800, 0x0806))
                size = self.random.randrange(0, 1501)
                body = bytearray(self.random.getrandbits(8) for _ in range(size))
                if etherType == 0x0800 and size >= 20 and self.random.random() < 0.5:
                    body[0] = 0x45  # get past the version check more often
                yield bytes(Ether(src=self.our_mac, dst=self.mac, type=etherType)) + bytes(body)

        def expect(delta, info):
            arrived = info["sent"] - info["kernel_dropped"]
            drops = sum(v for k, v in delta.items() if k in DROPS)
            return [(drops >= arrived - 2,
                     f"every random frame counted as a drop ({drops})", f"{drops} drops for {arrived} frames")]

        self.run_phase(f"random garbage ({count})", build, expect)

    # MARK: run

    def run(self):
        if not self.daemon.alive():
            report(False, "ternd is running", "no such process")
            return
        # Warm up every path once, then take the idle reading after the stack's buffers
        # have been released (they go after a second idle).
        health = self.healthy()
        report(all(health.values()), "idle: answers ping, HTTP and chat", str(health))
        self.watcher = open_watcher(self.ip, self.args.chat_port)
        time.sleep(2)
        self.idle = self.daemon.memory()
        print(f"# idle: VmRSS {self.idle[0]} KiB, RssAnon {self.idle[1]} KiB", flush=True)
        self.rows.append(("idle", 0, 0, 0, 0, "", "ok/ok/ok", self.idle[0], self.idle[1], ""))
        phases = [self.truncated, self.checksums, self.ihl, self.total_length, self.data_offset, self.flags,
                  self.syn_flood, self.syn_flood_all_ports, self.ack_flood, self.blind, self.overlapping, self.fragment_flood,
                  self.arp_spoofing, self.short_frames, self.jumbo, self.garbage]
        only = set(self.args.only.split(",")) if self.args.only else None
        for phase in phases:
            if only and phase.__name__ not in only:
                continue
            if not self.daemon.alive():
                break
            try:
                phase()
            except Exception as error:  # a broken phase is a failure, not the end of the battery
                report(False, f"{phase.__name__}", f"{type(error).__name__}: {error}")
        self.print_table()

    def print_table(self):
        header = ("phase", "frames sent", "kernel refused or dropped", "ternd received", "drops counted", "main drop reasons",
                  "ping/http/chat", "VmRSS KiB", "RssAnon KiB", "note")
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for row in self.rows:
            lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
        table = "\n".join(lines)
        print(table, flush=True)
        if self.args.table:
            with open(self.args.table, "w") as f:
                f.write(table + "\n")


# MARK: chat


def chat_send(s, message):
    payload = json.dumps(message).encode()
    s.sendall(struct.pack("!H", len(payload)) + payload)


def chat_receive(s):
    header = read_exactly(s, 2)
    (length,) = struct.unpack("!H", header)
    return json.loads(read_exactly(s, length))


def read_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise ValueError("connection closed")
        data += chunk
    return data


def chat_expect(s, predicate, limit=50):
    for _ in range(limit):
        packet = chat_receive(s)
        if predicate(packet):
            return packet
    raise ValueError("expected packet never came")


def replies_to(frames, source, port):
    """TCP segments in `frames` from `source` to `port`."""
    count = 0
    for frame in frames:
        packet = Ether(frame)
        if TCP in packet and packet[IP].src == source and packet[TCP].dport == port:
            count += 1
    return count


def open_watcher(host, port):
    """A chat connection kept open through the battery: the target of the blind attacks."""
    s = socket.create_connection((host, port), timeout=5)
    chat_send(s, {"type": "hello", "nick": "watcher"})
    chat_expect(s, lambda p: p.get("type") == "join" and p.get("nick") == "watcher")
    return s


def watcher_works(s, text):
    try:
        chat_send(s, {"type": "chat", "message": text})
        chat_expect(s, lambda p: p.get("type") == "chat" and p.get("nick") == "watcher"
                    and p.get("message") == text, limit=1000)
        return True
    except (OSError, ValueError):
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--log", required=True, help="the daemon's stderr (its log)")
    parser.add_argument("--interface", default="tern0")
    parser.add_argument("--address", default="10.0.0.2")
    parser.add_argument("--prefix", default="16")
    parser.add_argument("--kernel-address", default="10.0.0.1")
    parser.add_argument("--mac", default="02:00:0a:00:00:02")
    parser.add_argument("--chat-port", type=int, default=3490)
    parser.add_argument("--closed-port", type=int, default=4444)
    parser.add_argument("--open-ports", default="80,37,3490,7", help="TCP ports the daemon listens on")
    parser.add_argument("--syn-queue", type=int, default=256)
    parser.add_argument("--max-connections", type=int, default=1024)
    parser.add_argument("--max-reassemblies", type=int, default=64)
    parser.add_argument("--flood", type=int, default=10000, help="frames in each flood phase")
    parser.add_argument("--rate", type=float, default=20000, help="frames per second")
    parser.add_argument("--rss-slack", type=int, default=4096, help="KiB above idle allowed after a phase")
    parser.add_argument("--settle", type=float, default=10, help="seconds to wait for memory to come back")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--offloads", type=int, default=0, help="1 when the daemon's TAP runs with offloads")
    parser.add_argument("--only", help="comma-separated phase names to run")
    parser.add_argument("--table", help="also write the table to this file")
    args = parser.parse_args()
    Battery(args).run()
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
