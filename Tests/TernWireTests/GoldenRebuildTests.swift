import Testing
import TernWire

/// Our builders, fed only the fields our parsers read, reproduce every golden frame byte
/// for byte: headers, IPv4 options, TCP options in their original order, and every checksum
/// (the IPv6 builders: GoldenIPv6RebuildTests.swift).
@Suite struct GoldenRebuildTests {
    @Test(arguments: GoldenCaptures.all)
    func buildersReproduceTheFrame(frame: GoldenFrame) throws {
        let layers = try FrameLayers(frame.bytes)
        var expected = frame.bytes
        if let udp = layers.udp, udp.header.checksum == 0 {
            // The sender omitted the UDP checksum (allowed by RFC 768); our builder always
            // computes one. Compare everything else, and check the one it wrote verifies.
            let rebuilt = try rebuild(frame.bytes, layers)
            let at = udp.datagram.lowerBound + 6
            #expect(rebuilt[at] != 0 || rebuilt[at + 1] != 0)
            let datagram = Array(rebuilt[udp.datagram])
            let ip = try #require(layers.ipv4).header
            var sum = InternetChecksum.pseudoHeader(source: ip.source, destination: ip.destination,
                                                    protocol: .udp, length: datagram.count)
            datagram.withUnsafeBytes { sum.add($0) }
            #expect(sum.value == 0)
            expected[at] = rebuilt[at]
            expected[at + 1] = rebuilt[at + 1]
        }
        let rebuilt = try rebuild(frame.bytes, layers)
        #expect(rebuilt == expected, "\(frame.testDescription): \(firstDifference(rebuilt, expected))")
    }

    /// Linux lays out its TCP options exactly as `TCPOptions.layout` does (MSS, SACK-permitted
    /// with timestamps, NOP + window scale, NOP NOP + SACK), so the allocation-free writer
    /// reproduces the options of every segment a kernel sent.
    @Test(arguments: GoldenCaptures.all.filter { $0.sentByLinux && $0.fields["tcp.option_kind"] != nil })
    func linuxOptionLayoutIsOurs(frame: GoldenFrame) throws {
        let layers = try FrameLayers(frame.bytes)
        let tcp = try #require(layers.tcp)
        let original = Array(frame.bytes[tcp.options])
        let options = try optionSummary(original)
        #expect(options.layout == (try optionList(original)))
        #expect(options.encodedLength == original.count)
        var written = [UInt8](repeating: 0xEE, count: 40)
        let length = try written.withUnsafeMutableBytes { try options.write(to: $0) }
        #expect(Array(written[0..<length]) == original)
    }

    /// The fragments of each fragmented golden datagram, put back together, hold an ICMP
    /// message whose checksum verifies and which our builder reproduces.
    @Test func fragmentsReassembleIntoAVerifiedMessage() throws {
        struct Key: Hashable { var source, destination: IPv4Address; var id: UInt16 }
        var groups: [Key: [(offset: Int, more: Bool, payload: [UInt8])]] = [:]
        for frame in GoldenCaptures.all {
            guard let ip = try FrameLayers(frame.bytes).ipv4, ip.header.isFragment else { continue }
            let key = Key(source: ip.header.source, destination: ip.header.destination, id: ip.header.identification)
            groups[key, default: []].append((ip.header.fragmentByteOffset, ip.header.flags.contains(.moreFragments),
                                             Array(frame.bytes[ip.payload])))
        }
        #expect(groups.count >= 2)
        for (key, fragments) in groups {
            let ordered = fragments.sorted { $0.offset < $1.offset }
            var datagram: [UInt8] = []
            for fragment in ordered {
                #expect(fragment.offset == datagram.count, "\(key): fragments are contiguous")
                datagram += fragment.payload
            }
            #expect(ordered.last?.more == false, "\(key): the last fragment clears MF")
            let othersSetMF = ordered.dropLast().allSatisfy { $0.more }
            #expect(othersSetMF, "\(key): the others set MF")
            #expect(datagram.count == 4008, "ping -s 4000: 8 bytes of header and 4000 of data")

            let (header, valid, payload) = try datagram.withUnsafeBytes { raw in
                let m = try ICMPHeader.parse(raw)
                return (m.header, m.isChecksumValid, Array(m.payload))
            }
            #expect(valid)
            #expect(header.type == .echoRequest || header.type == .echoReply)
            var rebuilt = [UInt8](repeating: 0, count: datagram.count)
            rebuilt.replaceSubrange(8..., with: payload)
            _ = try rebuilt.withUnsafeMutableBytes { try header.write(to: $0) }
            #expect(rebuilt == datagram, "\(firstDifference(rebuilt, datagram))")
        }
    }

    /// An ICMP error quotes the datagram that caused it byte for byte: the quoted bytes equal
    /// the datagram captured on its way out.
    @Test func icmpErrorsQuoteTheCapturedDatagram() throws {
        var errors = 0
        for frame in GoldenCaptures.all {
            let layers = try FrameLayers(frame.bytes)
            guard let icmp = layers.icmp, icmp.header.type.isError else { continue }
            errors += 1
            let message = Array(frame.bytes[icmp.message])
            let quoted = try #require(try quotedDatagram(inMessage: message))
            let original = try #require(GoldenCaptures.all.first { candidate in
                guard candidate.capture == frame.capture, candidate.number < frame.number,
                      let ip = try? FrameLayers(candidate.bytes).ipv4 else { return false }
                return ip.header.identification == quoted.header.identification
                    && ip.header.source == quoted.header.source && ip.header.protocol == quoted.header.protocol
            })
            let ip = try #require(try FrameLayers(original.bytes).ipv4)
            #expect(quoted.header == ip.header)
            #expect(Array(frame.bytes[icmp.payload]) == Array(original.bytes[ip.headerRange.lowerBound..<ip.payload.upperBound]))
            #expect(quoted.leadingPayload == Array(original.bytes[ip.payload]))
            #expect(icmp.header.code == ICMPUnreachableCode.port.rawValue)
        }
        #expect(errors >= 2)
    }
}

/// Builds a frame of `original.count` bytes from the parsed `layers` with TernWire's
/// builders. Only payload bytes (data no codec interprets) are copied from the original.
func rebuild(_ original: [UInt8], _ layers: FrameLayers) throws -> [UInt8] {
    if layers.ipv6 != nil { return try rebuildIPv6(original, layers) }
    var out = [UInt8](repeating: 0, count: original.count)
    func copy(_ range: Range<Int>) { out.replaceSubrange(range, with: original[range]) }

    if let ip = layers.ipv4 {
        if let tcp = layers.tcp {
            copy(tcp.payload)
        } else if let udp = layers.udp {
            copy(udp.payload)
        } else if let icmp = layers.icmp {
            copy(icmp.payload)
        } else {
            copy(ip.payload)
        }
    }
    var tcpOptions: [TCPOption]?
    if let tcp = layers.tcp { tcpOptions = try optionList(Array(original[tcp.options])) }
    let ipOptions = layers.ipv4.map { Array(original[$0.options]) } ?? []

    try out.withUnsafeMutableBytes { buffer in
        func region(_ range: Range<Int>) -> UnsafeMutableRawBufferPointer {
            UnsafeMutableRawBufferPointer(rebasing: buffer[range])
        }
        try layers.ethernet.write(to: buffer)
        if let arp = layers.arp {
            try arp.write(to: region(EthernetHeader.size..<buffer.count))
        }
        guard let ip = layers.ipv4 else { return }
        // Transport first: the IPv4 header does not cover it, but its checksum needs the
        // addresses only.
        if let tcp = layers.tcp, let list = tcpOptions {
            let segment = region(tcp.segment)
            let optionsLength = try TCPOption.write(list, to: region(tcp.options))
            #expect(optionsLength == tcp.options.count)
            try tcp.header.write(to: segment, payloadLength: tcp.payload.count,
                                 source: ip.header.source, destination: ip.header.destination)
        } else if let udp = layers.udp {
            try udp.header.write(to: region(udp.datagram), source: ip.header.source, destination: ip.header.destination)
        } else if let icmp = layers.icmp {
            try icmp.header.write(to: region(icmp.message))
        }
        _ = try ipOptions.withUnsafeBytes { options in
            try ip.header.write(to: region(ip.headerRange.lowerBound..<buffer.count), options: options)
        }
    }
    return out
}
