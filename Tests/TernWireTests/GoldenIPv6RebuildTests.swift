import Testing
import TernWire

/// The IPv6 builders reproduce the golden IPv6 frames byte for byte (through `rebuild`,
/// which `GoldenRebuildTests` runs over every frame); here, what only IPv6 has: fragments
/// that reassemble, errors that quote exactly what Linux quotes, header verdicts that agree
/// with Linux's, and addresses derived as the kernel derives them.
@Suite struct GoldenIPv6RebuildTests {
    /// The fragments of each fragmented packet, put back together, hold an ICMPv6 echo whose
    /// checksum verifies and which our builder reproduces.
    @Test func fragmentsReassembleIntoAVerifiedMessage() throws {
        struct Key: Hashable { var source, destination: IPv6Address; var id: UInt32 }
        var groups: [Key: [(offset: Int, more: Bool, data: [UInt8], next: IPProtocol)]] = [:]
        for frame in GoldenCaptures.ipv6 {
            guard let ip = try FrameLayers(frame.bytes).ipv6, let fragment = ip.chain.fragment, fragment.isFragment
            else { continue }
            let key = Key(source: ip.header.source, destination: ip.header.destination, id: fragment.identification)
            groups[key, default: []].append((fragment.fragmentByteOffset, fragment.moreFragments,
                                             Array(frame.bytes[ip.upperLayer]), fragment.nextHeader))
        }
        var reassembled = 0
        for (key, fragments) in groups {
            let ordered = fragments.sorted { $0.offset < $1.offset }
            // The kernel's refused fragments (a lone first fragment, a ragged one) have no
            // last fragment: nothing to reassemble.
            guard ordered.last?.more == false, ordered.count > 1 else { continue }
            var packet: [UInt8] = []
            for fragment in ordered {
                #expect(fragment.offset == packet.count, "\(key): fragments are contiguous")
                #expect(fragment.next == .icmpv6)
                packet += fragment.data
            }
            #expect(ordered.dropLast().allSatisfy { $0.more && $0.data.count % 8 == 0 }, "\(key)")
            let (header, valid, body) = try withBytes(packet) { raw throws(WireError) in
                let m = try ICMPv6Header.parse(raw)
                return (m.header, m.isChecksumValid(source: key.source, destination: key.destination), Array(m.payload))
            }
            #expect(valid, "\(key): the reassembled message's checksum")
            #expect(header.type == .echoRequest || header.type == .echoReply)
            var rebuilt = [UInt8](repeating: 0, count: packet.count)
            rebuilt.replaceSubrange(8..., with: body)
            _ = try rebuilt.withUnsafeMutableBytes { try header.write(to: $0, source: key.source, destination: key.destination) }
            #expect(rebuilt == packet, "\(firstDifference(rebuilt, packet))")
            reassembled += 1
        }
        // ping -6 -s 4000 both ways; scapy's 2000-byte echo and the kernel's reply.
        #expect(reassembled >= 4)
    }

    /// Every ICMPv6 error quotes a packet captured before it, and `writeError` quoting that
    /// packet builds the kernel's message byte for byte: the same header, as much of the
    /// packet as fits in 1280 bytes, the same checksum.
    @Test func errorsQuoteAsLinuxQuotes() throws {
        var errors = 0
        var cut = 0
        for frame in GoldenCaptures.ipv6 {
            let layers = try FrameLayers(frame.bytes)
            guard let icmp = layers.icmpv6, icmp.header.type.isError, let ip = layers.ipv6 else { continue }
            errors += 1
            let quote = Array(frame.bytes[icmp.payload])
            let original = try #require(GoldenCaptures.ipv6.first { candidate in
                guard candidate.capture == frame.capture, candidate.number < frame.number,
                      let packet = try? FrameLayers(candidate.bytes).ipv6 else { return false }
                let bytes = candidate.bytes[packet.headerRange.lowerBound..<packet.payload.upperBound]
                return bytes.starts(with: quote)
            }, "\(frame.testDescription): the quoted packet is in the capture")
            let invoking = Array(original.bytes[EthernetHeader.size..<original.bytes.count])
            #expect(quote.count == min(invoking.count, ICMPv6Header.maximumQuote))
            if quote.count < invoking.count { cut += 1 }

            var message = [UInt8](repeating: 0xEE, count: icmp.message.count + 100)
            let header = ICMPv6Header(type: icmp.header.type, code: icmp.header.code, restOfHeader: icmp.header.restOfHeader)
            let length = try invoking.withUnsafeBytes { packet in
                try message.withUnsafeMutableBytes { buffer in
                    try header.writeError(quoting: packet, to: buffer, source: ip.header.source,
                                          destination: ip.header.destination)
                }
            }
            let expected = Array(frame.bytes[icmp.message])
            #expect(Array(message[0..<length]) == expected, "\(frame.testDescription): \(firstDifference(Array(message[0..<length]), expected))")
        }
        #expect(errors >= 9)
        #expect(cut >= 1, "the packet-too-big message quotes 1232 bytes of a longer packet")
    }

    /// For every packet scapy sent the kernel, our verdict on its headers is the kernel's:
    /// processed when the kernel answered normally, and the same parameter problem (code and
    /// pointer) when the kernel sent one.
    @Test func headerVerdictsAgreeWithLinux() throws {
        let host = try #require(IPv6Address("2001:db8:2::1"))
        let captured = GoldenCaptures.ipv6.filter { $0.capture == "scapy-tap6" }
        // What the kernel said about each packet it quoted in a parameter problem.
        var problems: [[UInt8]: (code: UInt8, pointer: UInt32)] = [:]
        for frame in captured {
            guard let m = try FrameLayers(frame.bytes).icmpv6, m.header.type == .parameterProblem else { continue }
            problems[Array(frame.bytes[m.payload])] = (m.header.code, m.header.pointer)
        }
        #expect(problems.count >= 5)
        var judged = 0, reported = 0
        for frame in captured where !frame.sentByLinux {
            let (verdict, packetBytes) = try withBytes(frame.bytes) { raw throws(WireError) in
                let packet = try IPv6Header.parse(try EthernetHeader.parse(raw).payload)
                let known: Set<IPProtocol> = [.tcp, .udp, .icmpv6]
                return (packet.header.destination == host
                            ? packet.receiverDisposition(knowsUpperLayer: { known.contains($0) }).disposition : nil,
                        Array(raw[EthernetHeader.size..<EthernetHeader.size + IPv6Header.size + packet.payload.count]))
            }
            guard let verdict else { continue }
            judged += 1
            let kernel = problems.first { packetBytes.starts(with: $0.key) }?.value
            switch verdict {
            case .process:
                #expect(kernel == nil, "\(frame.testDescription): we process it, the kernel sent \(String(describing: kernel))")
            case .discard:
                #expect(kernel == nil, "\(frame.testDescription): we drop it silently")
            case .discardAndReport(let code, let pointer):
                reported += 1
                #expect(kernel?.code == code.rawValue && kernel?.pointer == UInt32(pointer),
                        "\(frame.testDescription): ours \(code) at \(pointer), the kernel's \(String(describing: kernel))")
            }
        }
        #expect(judged >= 14)
        #expect(reported == problems.count, "every parameter problem the kernel sent, we would send too")
    }

    /// Link-local addresses from MACs, solicited-node groups, their 33:33 Ethernet groups and
    /// the SLAAC address are what the kernels made; every Neighbor Discovery message passes
    /// the checks of RFC 4861 that need the IPv6 header.
    @Test func addressesAreDerivedAsTheKernelDerivesThem() throws {
        var linkLocal = 0, multicast = 0, solicitations = 0, ndp = 0
        var prefixes: [IPv6Subnet] = []
        var sources: [(MACAddress, IPv6Address)] = []
        for frame in GoldenCaptures.ipv6 {
            let layers = try FrameLayers(frame.bytes)
            let ip = try #require(layers.ipv6).header
            sources.append((layers.ethernet.source, ip.source))
            if ip.source.isLinkLocal {
                #expect(ip.source == IPv6Address.linkLocal(fromMAC: layers.ethernet.source), "\(frame.testDescription)")
                linkLocal += 1
            }
            if ip.destination.isMulticast {
                #expect(layers.ethernet.destination == ip.destination.ethernetMulticastAddress, "\(frame.testDescription)")
                #expect(ip.destination.multicastScope == .linkLocal)
                multicast += 1
            }
            guard let icmp = layers.icmpv6, let message = icmp.ndp else { continue }
            let valid = try withBytes(frame.bytes) { raw throws(WireError) in
                let packet = try IPv6Header.parse(try EthernetHeader.parse(raw).payload)
                let m = try ICMPv6Header.parse(packet.payload)
                return try NDPMessage.parse(m).isValid(in: packet.header)
            }
            #expect(valid, "\(frame.testDescription) passes RFC 4861's checks")
            ndp += 1
            if case .neighborSolicitation(let ns) = message, ip.destination.isMulticast {
                #expect(ip.destination == ns.target.solicitedNodeMulticast)
                #expect(ip.destination.isSolicitedNodeMulticast)
                solicitations += 1
            }
            for case .prefixInformation(let p) in icmp.ndpOptions {
                prefixes.append(try #require(p.subnet))
            }
        }
        #expect(linkLocal >= 15)
        #expect(multicast >= 20)
        #expect(solicitations >= 4)
        #expect(ndp >= 12)
        // The host took 2001:db8:1::/64 from the advertisements and its own interface identifier.
        let prefix = try #require(prefixes.first)
        #expect(prefix.description == "2001:db8:1::/64")
        let slaac = sources.filter { prefix.contains($0.1) && $0.1 != IPv6Address("2001:db8:1::2") }
        #expect(!slaac.isEmpty)
        for (mac, address) in slaac {
            #expect(address == IPv6Address(prefix: prefix.network, interfaceIdentifier: IPv6Address.interfaceIdentifier(fromMAC: mac)))
        }
    }
}

/// The IPv6 half of `rebuild`: Ethernet, the fixed header, each extension header from its
/// parsed fields (options from `IPv6OptionIterator`), then TCP, UDP or ICMPv6 (a Neighbor
/// Discovery message from its decoded options). Only data no codec interprets is copied.
func rebuildIPv6(_ original: [UInt8], _ layers: FrameLayers) throws -> [UInt8] {
    let ip = try #require(layers.ipv6)
    var out = [UInt8](repeating: 0, count: original.count)
    func copy(_ range: Range<Int>) { out.replaceSubrange(range, with: original[range]) }

    if let tcp = layers.tcp {
        copy(tcp.payload)
    } else if let udp = layers.udp {
        copy(udp.payload)
    } else if let icmp = layers.icmpv6 {
        if icmp.ndp == nil { copy(icmp.payload) }
    } else {
        copy(ip.upperLayer)
    }
    var tcpOptions: [TCPOption]?
    if let tcp = layers.tcp { tcpOptions = try optionList(Array(original[tcp.options])) }
    // Each extension header as its fields, read from the original.
    enum Extension {
        case options(IPProtocol, next: IPProtocol, [IPv6OptionTLV])
        case routing(IPv6RoutingHeader, data: [UInt8])
        case fragment(IPv6FragmentHeader)
    }
    var extensions: [Extension] = []
    for (entry, range) in zip(ip.chain.headers, ip.extensionHeaders) {
        let bytes = Array(original[range])
        extensions.append(try withBytes(bytes) { raw throws(WireError) -> Extension in
            switch entry.type {
            case .routing:
                let (header, data) = try IPv6RoutingHeader.parse(raw)
                return .routing(header, data: Array(data))
            case .fragment:
                return .fragment(try IPv6FragmentHeader.parse(raw))
            default:
                var iterator = IPv6OptionIterator(header: raw)
                var list: [IPv6OptionTLV] = []
                while let option = try iterator.next() {
                    list.append(IPv6OptionTLV(type: option.type, data: Array(option.data)))
                }
                return .options(entry.type, next: IPProtocol(rawValue: raw[0]), list)
            }
        })
    }

    try out.withUnsafeMutableBytes { buffer in
        func region(_ range: Range<Int>) -> UnsafeMutableRawBufferPointer {
            UnsafeMutableRawBufferPointer(rebasing: buffer[range])
        }
        try layers.ethernet.write(to: buffer)
        try ip.header.write(to: region(ip.headerRange.lowerBound..<buffer.count))
        for (item, range) in zip(extensions, ip.extensionHeaders) {
            let written: Int
            switch item {
            case .options(_, let next, let list):
                written = try IPv6OptionsHeader.write(nextHeader: next, options: list, to: region(range))
            case .routing(let header, let data):
                written = try data.withUnsafeBytes { try header.write(to: region(range), data: $0) }
            case .fragment(let header):
                written = try header.write(to: region(range))
            }
            #expect(written == range.count)
        }
        let source = ip.header.source, destination = ip.pseudoHeaderDestination
        if let tcp = layers.tcp, let list = tcpOptions {
            _ = try TCPOption.write(list, to: region(tcp.options))
            try tcp.header.write(to: region(tcp.segment), payloadLength: tcp.payload.count,
                                 source: source, destination: destination)
        } else if let udp = layers.udp {
            try udp.header.write(to: region(udp.datagram), source: source, destination: destination)
        } else if let icmp = layers.icmpv6 {
            if let message = icmp.ndp {
                let length = try message.write(to: region(icmp.message), options: icmp.ndpOptions,
                                               source: source, destination: destination)
                #expect(length == icmp.message.count)
            } else {
                try icmp.header.write(to: region(icmp.message), source: source, destination: destination)
            }
        }
    }
    return out
}
