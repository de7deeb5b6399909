import Testing
import TernWire

/// Our parsers read every field of every golden IPv4 frame exactly as tshark does (the IPv6
/// ones: GoldenIPv6FieldTests).
@Suite struct GoldenFieldTests {
    @Test func goldenCapturesAreComplete() throws {
        let frames = try GoldenCaptures.load()
        #expect(frames.count == GoldenCaptures.all.count)
        #expect(GoldenCaptures.ipv4.count >= 50)
        let parsed = try GoldenCaptures.ipv4.map { try ParsedFrame.parse($0.bytes) }

        func count(_ matches: (ParsedFrame) -> Bool) -> Int { parsed.filter(matches).count }
        #expect(count { if case .arp(let a) = $0.network { a.operation == .request } else { false } } >= 2)
        #expect(count { if case .arp(let a) = $0.network { a.operation == .reply } else { false } } >= 2)
        #expect(count { if case .ipv4(_, _, .icmp(let h, _, _)) = $0.network { h.type == .echoRequest } else { false } } >= 2)
        #expect(count { if case .ipv4(_, _, .icmp(let h, _, _)) = $0.network { h.type == .echoReply } else { false } } >= 2)
        #expect(count { if case .ipv4(_, _, .icmp(let h, _, _)) = $0.network { h.type == .destinationUnreachable } else { false } } >= 2)
        #expect(count { if case .ipv4(_, _, .udp) = $0.network { true } else { false } } >= 2)
        #expect(count { if case .ipv4(_, _, .firstFragment) = $0.network { true } else { false } } >= 2)
        #expect(count { if case .ipv4(_, _, .laterFragment) = $0.network { true } else { false } } >= 4)
        #expect(count { if case .ipv4(let ip, _, _) = $0.network { ip.headerLength > 20 } else { false } } >= 2)
        #expect(count {
            if case .ipv4(_, _, .tcp(let h, let o, _, _)) = $0.network {
                h.flags.contains(.syn) && o.maximumSegmentSize != nil && o.sackPermitted
                    && o.timestamps != nil && o.windowScale != nil
            } else { false }
        } >= 2)
        #expect(count { if case .ipv4(_, _, .tcp(_, _, _, let n)) = $0.network { n > 0 } else { false } } >= 2)
        for blocks in 1...4 {
            #expect(count { if case .ipv4(_, _, .tcp(_, let o, _, _)) = $0.network { o.sackBlocks.count == blocks } else { false } } >= 1,
                    "a segment with \(blocks) SACK blocks")
        }
    }

    @Test(arguments: GoldenCaptures.ipv4)
    func parserReadsWhatTsharkReads(frame: GoldenFrame) throws {
        var check = FieldChecker(frame)
        let parsed = try ParsedFrame.parse(frame.bytes)
        let layers = try FrameLayers(frame.bytes)

        check("frame.len", frame.bytes.count)
        check("eth.dst", text: parsed.ethernet.destination.description)
        check("eth.src", text: parsed.ethernet.source.description)
        check("eth.type", parsed.ethernet.etherType.rawValue)

        switch parsed.network {
        case .arp(let arp):
            // ARPPacket.parse accepts only Ethernet (1) and IPv4 (0x0800).
            check("arp.hw.type", 1)
            check("arp.proto.type", EtherType.ipv4.rawValue)
            check("arp.opcode", arp.operation.rawValue)
            check("arp.src.hw_mac", text: arp.senderMAC.description)
            check("arp.src.proto_ipv4", text: arp.senderIP.description)
            check("arp.dst.hw_mac", text: arp.targetMAC.description)
            check("arp.dst.proto_ipv4", text: arp.targetIP.description)

        case .ipv4(let ip, let headerValid, let transport):
            checkIPv4(ip, headerValid: headerValid, occurrence: 0, &check)
            switch transport {
            case .icmp(let icmp, let valid, let payloadLength):
                let message = try #require(layers.icmp)
                #expect(message.header == icmp)
                #expect(message.payload.count == payloadLength)
                checkICMP(icmp, valid: valid, &check)
                if icmp.type.isError {
                    let quoted = try #require(try quotedDatagram(inMessage: Array(frame.bytes[message.message])))
                    let quotedHeaderBytes = Array(frame.bytes[message.payload].prefix(quoted.header.headerLength))
                    checkQuoted(quoted.header, headerBytes: quotedHeaderBytes, leadingPayload: quoted.leadingPayload, &check)
                }
            case .udp(let udp, let valid, let payloadLength):
                let datagram = try #require(layers.udp)
                #expect(datagram.payload.count == payloadLength)
                checkUDP(udp, valid: valid, &check)
            case .tcp(let tcp, let options, let valid, let payloadLength):
                let segment = try #require(layers.tcp)
                #expect(segment.header == tcp)
                check("tcp.len", payloadLength)
                checkTCP(tcp, options: options, optionBytes: Array(frame.bytes[segment.options]), valid: valid, &check)
            case .firstFragment(let proto, let payloadLength):
                #expect(proto == ip.protocol)
                #expect(payloadLength == ip.payloadLength)
                // tshark still reads the transport header of a first fragment; so do we, with the
                // per-layer parser. The checksum covers data still to come: neither verifies it.
                let payload = try #require(layers.ipv4).payload
                #expect(proto == .icmp, "the golden first fragments carry ICMP")
                let message = try Array(frame.bytes[payload]).withUnsafeBytes { raw in try ICMPHeader.parse(raw).header }
                checkICMP(message, valid: nil, &check)
            case .laterFragment(let payloadLength):
                #expect(ip.fragmentOffset > 0)
                #expect(payloadLength == ip.payloadLength)
            case .other(let proto, _):
                Issue.record("no golden frame carries protocol \(proto)")
            case .icmpv6:
                Issue.record("ICMPv6 inside IPv4")
            }

        case .ipv6:
            Issue.record("the IPv4 captures hold no IPv6 frame")
        case .other(let type):
            Issue.record("no golden frame carries EtherType \(type)")
        }
        #expect(check.uncompared.isEmpty, "tshark read fields this test did not compare: \(check.uncompared)")
    }

    private func checkIPv4(_ ip: IPv4Header, headerValid: Bool?, occurrence n: Int, _ check: inout FieldChecker,
                           sourceLocation: SourceLocation = #_sourceLocation) {
        // IPv4Header.parse accepts only version 4.
        check("ip.version", 4, n)
        check("ip.hdr_len", ip.headerLength, n)
        check("ip.dsfield", ip.typeOfService, n)
        check("ip.len", ip.totalLength, n)
        check("ip.id", ip.identification, n)
        check("ip.flags.rb", flag: ip.flags.contains(.reserved), n)
        check("ip.flags.df", flag: ip.flags.contains(.dontFragment), n)
        check("ip.flags.mf", flag: ip.flags.contains(.moreFragments), n)
        check("ip.frag_offset", ip.fragmentOffset, n)
        check("ip.ttl", ip.timeToLive, n)
        check("ip.proto", ip.protocol.rawValue, n)
        check("ip.checksum", ip.checksum, n)
        check(status: "ip.checksum.status", valid: headerValid, n)
        check("ip.src", text: ip.source.description, n)
        check("ip.dst", text: ip.destination.description, n)
    }

    private func checkICMP(_ icmp: ICMPHeader, valid: Bool?, _ check: inout FieldChecker) {
        check("icmp.type", icmp.type.rawValue)
        check("icmp.code", icmp.code)
        check("icmp.checksum", icmp.checksum)
        check(status: "icmp.checksum.status", valid: valid)
        if icmp.type == .echoRequest || icmp.type == .echoReply {
            check("icmp.ident", icmp.identifier)
            check("icmp.seq", icmp.sequence)
        }
    }

    private func checkUDP(_ udp: UDPHeader, valid: Bool, _ check: inout FieldChecker) {
        check("udp.srcport", udp.sourcePort)
        check("udp.dstport", udp.destinationPort)
        check("udp.length", udp.length)
        check("udp.checksum", udp.checksum)
        check(status: "udp.checksum.status", valid: valid)
    }

    /// An ICMP error's quoted datagram: tshark lists the quoted IP header as the second
    /// occurrence of the ip.* fields and the quoted UDP header as the only udp.* fields.
    private func checkQuoted(_ ip: IPv4Header, headerBytes: [UInt8], leadingPayload: [UInt8], _ check: inout FieldChecker) {
        checkIPv4(ip, headerValid: InternetChecksum.compute(headerBytes) == 0, occurrence: 1, &check)
        #expect(ip.protocol == .udp, "the golden ICMP errors quote UDP datagrams")
        #expect(leadingPayload.count == ip.payloadLength, "Linux quoted the whole datagram")
        let udp: (UDPHeader, Bool)? = try? leadingPayload.withUnsafeBytes { raw in
            let d = try UDPHeader.parse(raw)
            return (d.header, d.isChecksumValid(source: ip.source, destination: ip.destination))
        }
        guard let (header, valid) = udp else {
            Issue.record("the quoted UDP datagram does not parse")
            return
        }
        checkUDP(header, valid: valid, &check)
    }

    private func checkTCP(_ tcp: TCPHeader, options: TCPOptions, optionBytes: [UInt8], valid: Bool,
                          _ check: inout FieldChecker) {
        check("tcp.srcport", tcp.sourcePort)
        check("tcp.dstport", tcp.destinationPort)
        check("tcp.seq_raw", tcp.sequenceNumber.rawValue)
        check("tcp.ack_raw", tcp.acknowledgmentNumber.rawValue)
        check("tcp.hdr_len", tcp.headerLength)
        check("tcp.flags", tcp.flags.rawValue)
        check("tcp.window_size_value", tcp.window)
        check("tcp.checksum", tcp.checksum)
        check(status: "tcp.checksum.status", valid: valid)
        check("tcp.urgent_pointer", tcp.urgentPointer)

        let list: [TCPOption]
        do {
            list = try optionList(optionBytes)
        } catch {
            Issue.record("\(check.frame.testDescription): TCPOptionIterator rejects the options: \(error)")
            return
        }
        check(list: "tcp.option_kind", list.map { UInt64($0.kind) })
        #expect(summary(of: list) == options, "TCPOptions.parse and TCPOptionIterator agree")
        if let mss = options.maximumSegmentSize { check("tcp.options.mss_val", mss) }
        if let shift = options.windowScale { check("tcp.options.wscale.shift", shift) }
        if let ts = options.timestamps {
            check("tcp.options.timestamp.tsval", ts.value)
            check("tcp.options.timestamp.tsecr", ts.echoReply)
        }
        if !options.sackBlocks.isEmpty {
            check(list: "tcp.options.sack_le", options.sackBlocks.map { UInt64($0.left.rawValue) })
            check(list: "tcp.options.sack_re", options.sackBlocks.map { UInt64($0.right.rawValue) })
        }
    }
}
