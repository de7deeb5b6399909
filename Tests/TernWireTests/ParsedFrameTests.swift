import Testing
import TernWire

/// The whole-frame parser: what it does with frames the golden captures do not show.
@Suite struct ParsedFrameTests {
    private let ours = MACAddress(0x02, 0, 0, 0, 0, 2), theirs = MACAddress(0x02, 0, 0, 0, 0, 1)
    private let here = IPv4Address(10, 0, 0, 2), there = IPv4Address(10, 0, 0, 1)

    /// An Ethernet frame around an IPv4 datagram carrying `payload`, built with our writers.
    private func frame(protocol proto: IPProtocol, flags: IPv4Flags = [], offset: UInt16 = 0, payload: [UInt8]) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 34) + payload
        try bytes.withUnsafeMutableBytes { raw in
            _ = try EthernetHeader(destination: ours, source: theirs, etherType: .ipv4).write(to: raw)
            let ip = IPv4Header(totalLength: UInt16(20 + payload.count), identification: 99, flags: flags, fragmentOffset: offset,
                                timeToLive: 64, protocol: proto, source: there, destination: here)
            _ = try ip.write(to: UnsafeMutableRawBufferPointer(rebasing: raw[14...]))
        }
        return bytes
    }

    @Test func otherEtherTypesAreNamedNotParsed() throws {
        var bytes = try frame(protocol: .udp, payload: [])
        bytes[12] = 0x81
        bytes[13] = 0x00
        let parsed = try ParsedFrame.parse(bytes)
        guard case .other(let type) = parsed.network else {
            Issue.record("a VLAN tag read as \(parsed.network)")
            return
        }
        #expect(type == .vlan)
        #expect(parsed.description == "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype 802.1Q")
    }

    @Test func otherProtocolsKeepTheirPayloadLength() throws {
        let parsed = try ParsedFrame.parse(try frame(protocol: IPProtocol(rawValue: 47), payload: [1, 2, 3]))
        guard case .ipv4(_, true, .other(let proto, 3)) = parsed.network else {
            Issue.record("GRE read as \(parsed.network)")
            return
        }
        #expect(proto.rawValue == 47)
        #expect(parsed.description == "IP 10.0.0.1 > 10.0.0.2: protocol 47, length 3")
    }

    @Test func fragmentsAreNotParsedAsTransport() throws {
        // A first fragment too short for a TCP header, and a later one full of garbage:
        // neither is read as TCP.
        let first = try ParsedFrame.parse(try frame(protocol: .tcp, flags: .moreFragments, payload: [1, 2, 3, 4, 5, 6, 7, 8]))
        guard case .ipv4(_, _, .firstFragment(.tcp, 8)) = first.network else {
            Issue.record("first fragment read as \(first.network)")
            return
        }
        #expect(first.description == "IP 10.0.0.1 > 10.0.0.2: TCP fragment id 99 offset 0+, length 8")
        let later = try ParsedFrame.parse(try frame(protocol: .tcp, offset: 185, payload: [0xFF, 0xFF]))
        guard case .ipv4(_, _, .laterFragment(2)) = later.network else {
            Issue.record("later fragment read as \(later.network)")
            return
        }
        #expect(later.description == "IP 10.0.0.1 > 10.0.0.2: TCP fragment id 99 offset 1480, length 2")
    }

    @Test func aMalformedLayerFailsTheWholeFrame() throws {
        #expect(throws: WireError.truncated) { try ParsedFrame.parse(try frame(protocol: .tcp, payload: [UInt8](repeating: 0, count: 19))) }
        #expect(throws: WireError.truncated) { try ParsedFrame.parse(try frame(protocol: .udp, payload: [0, 1, 0, 2, 0, 9, 0, 0])) }
        #expect(throws: WireError.badLength) { try ParsedFrame.parse(try frame(protocol: .udp, payload: [0, 1, 0, 2, 0, 7, 0, 0])) }
        #expect(throws: WireError.truncated) { try ParsedFrame.parse(try frame(protocol: .icmp, payload: [8, 0, 0])) }
        // TCP with data offset 6 and an option whose length runs past the header.
        var tcp = [UInt8](repeating: 0, count: 24)
        tcp[12] = 0x60
        tcp[20] = 2
        tcp[21] = 8
        #expect(throws: WireError.badOption) { try ParsedFrame.parse(try frame(protocol: .tcp, payload: tcp)) }
        var arp = try frame(protocol: .udp, payload: [UInt8](repeating: 0, count: 8))
        arp[12] = 0x08
        arp[13] = 0x06
        #expect(throws: WireError.truncated) { try ParsedFrame.parse(Array(arp[0..<41])) }
    }

    @Test func badChecksumsAreReportedNotThrown() throws {
        var bytes = try frame(protocol: .icmp, payload: [8, 0, 0, 0, 0, 1, 0, 1])
        bytes[24] ^= 0x01   // the IPv4 header checksum
        let parsed = try ParsedFrame.parse(bytes)
        guard case .ipv4(_, false, .icmp(_, false, 0)) = parsed.network else {
            Issue.record("read as \(parsed.network)")
            return
        }
        #expect(parsed.description == "IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 0 [bad ICMP checksum] [bad IP checksum]")
    }

    @Test func goldenDescriptionsReadLikeTcpdump() throws {
        let descriptions = try GoldenCaptures.all.map { try ParsedFrame.parse($0.bytes).description }
        #expect(descriptions.contains("ARP, Request who-has 192.0.2.2 tell 192.0.2.1"))
        #expect(descriptions.contains("ARP, Reply 192.0.2.2 is-at 02:54:45:52:4e:02"))
        #expect(descriptions.contains { $0.hasPrefix("IP 192.0.2.1.") && $0.contains(" > 192.0.2.2.8080: Flags [S], seq ") && $0.contains(", options [mss 1460,sackOK,TS val ") })
        #expect(descriptions.contains { $0.hasPrefix("IP 198.51.100.1.9000 > 198.51.100.10.40000: Flags [.], seq ") && $0.contains("sack {205:305}{5:105}{4294967101:4294967201}") })
        #expect(descriptions.contains("IP 198.51.100.10.40002 > 198.51.100.1.9: UDP, length 16"))
        #expect(descriptions.allSatisfy { !$0.contains("bad") })
    }
}
