import Testing
import TernWire

@Suite struct ICMPv6RoundTripTests {
    private let source = IPv6Address("2001:db8::1")!, destination = IPv6Address("2001:db8::2")!

    private func message(_ header: ICMPv6Header, _ body: [UInt8]) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: ICMPv6Header.size) + body
        let written = try bytes.withUnsafeMutableBytes { try header.write(to: $0, source: source, destination: destination) }
        #expect(written == ICMPv6Header.size)
        return bytes
    }

    private func parse(_ bytes: [UInt8], source: IPv6Address? = nil) throws(WireError) -> (header: ICMPv6Header, valid: Bool, body: [UInt8]) {
        let from = source ?? self.source
        let to = destination
        return try withBytes(bytes) { raw throws(WireError) in
            let m = try ICMPv6Header.parse(raw)
            return (m.header, m.isChecksumValid(source: from, destination: to), Array(m.payload))
        }
    }

    @Test func echoRoundTrips() throws {
        var random = TestRandom(seed: 4443)
        for _ in 0..<300 {
            let type: ICMPv6Type = Bool.random(using: &random) ? .echoRequest : .echoReply
            let id = UInt16.random(in: 0...UInt16.max, using: &random), seq = UInt16.random(in: 0...UInt16.max, using: &random)
            let body = random.bytes(Int.random(in: 0...200, using: &random))
            let bytes = try message(.echo(type, identifier: id, sequence: seq), body)
            let parsed = try parse(bytes)
            #expect(parsed.valid)
            #expect(parsed.header.type == type && parsed.header.code == 0)
            #expect(parsed.header.identifier == id && parsed.header.sequence == seq)
            #expect(parsed.body == body)
            #expect(!parsed.header.type.isError && !parsed.header.type.isNeighborDiscovery)
            #expect(try message(parsed.header, parsed.body) == bytes)
            // The checksum covers the pseudo-header: another source breaks it, as does any bit.
            #expect(try !parse(bytes, source: IPv6Address("2001:db8::3")!).valid)
            var corrupt = bytes
            let at = Int.random(in: 0..<corrupt.count, using: &random)
            corrupt[at] ^= 1 << UInt8.random(in: 0...7, using: &random)
            #expect(try !parse(corrupt).valid)
            // Every prefix shorter than 8 bytes is truncated; longer ones keep the header.
            let cut = Int.random(in: 0..<bytes.count, using: &random)
            if cut < 8 {
                #expect(throws: WireError.truncated) { try parse(Array(bytes[0..<cut])) }
            } else {
                #expect(try parse(Array(bytes[0..<cut])).header == parsed.header)
            }
        }
    }

    /// The checksum by hand: the 40-byte pseudo-header (RFC 8200 §8.1) and the message.
    @Test func checksumCoversThePseudoHeader() throws {
        let bytes = try message(.echo(.echoRequest, identifier: 1, sequence: 2), [0xAB, 0xCD, 0xEF])
        let pseudo = InternetChecksum.pseudoHeaderBytes(source: source, destination: destination, nextHeader: .icmpv6, length: bytes.count)
        #expect(pseudo.count == 40)
        #expect(Array(pseudo[32..<40]) == [0, 0, 0, 11, 0, 0, 0, 58])
        #expect(InternetChecksum.compute(pseudo + bytes) == 0)
        var sum = InternetChecksum.pseudoHeader(source: source, destination: destination, nextHeader: .icmpv6, length: bytes.count)
        bytes.withUnsafeBytes { sum.add($0) }
        #expect(sum.value == 0)
        // Unlike ICMP for IPv4, the message alone does not sum to zero.
        #expect(InternetChecksum.compute(bytes) != 0)
    }

    @Test func errorHeaders() {
        #expect(ICMPv6Header.destinationUnreachable(.port) == ICMPv6Header(type: .destinationUnreachable, code: 4))
        #expect(ICMPv6Header.packetTooBig(mtu: 1280).mtu == 1280)
        #expect(ICMPv6Header.timeExceeded(.fragmentReassemblyTimeExceeded).code == 1)
        let problem = ICMPv6Header.parameterProblem(.unrecognizedOption, pointer: 42)
        #expect(problem.code == 2 && problem.pointer == 42)
        for type in [ICMPv6Type.destinationUnreachable, .packetTooBig, .timeExceeded, .parameterProblem, ICMPv6Type(rawValue: 127)] {
            #expect(type.isError)
        }
        for type in [ICMPv6Type.echoRequest, .echoReply, .routerAdvertisement, .multicastListenerReportV2, ICMPv6Type(rawValue: 255)] {
            #expect(!type.isError)
        }
        #expect(ICMPv6Type.redirect.isNeighborDiscovery && ICMPv6Type.routerSolicitation.isNeighborDiscovery)
        #expect(!ICMPv6Type.multicastListenerQuery.isNeighborDiscovery)
        #expect(ICMPv6Header.maximumQuote == 1232)
    }

    /// An error quotes as much of the invoking packet as fits in 1280 bytes, or in the
    /// buffer if that is smaller; the quote reads back as the packet's header and payload.
    @Test(arguments: [0, 48, 1232, 1233, 1452, 4000])
    func errorsQuoteAsMuchAsFits(payloadLength: Int) throws {
        let invoking = try IPv6Packets.packet(first: .udp, payload: Array((0..<payloadLength).map { UInt8(truncatingIfNeeded: $0) }))
        var buffer = [UInt8](repeating: 0xEE, count: 1500)
        let header = ICMPv6Header.packetTooBig(mtu: 1400)
        let length = try invoking.withUnsafeBytes { packet in
            try buffer.withUnsafeMutableBytes { try header.writeError(quoting: packet, to: $0, source: source, destination: destination) }
        }
        let quoted = min(invoking.count, 1232)
        #expect(length == 8 + quoted)
        #expect(IPv6Header.size + length <= IPv6Header.minimumMTU)
        let bytes = Array(buffer[0..<length])
        #expect(Array(bytes[8...]) == Array(invoking[0..<quoted]))
        let (parsed, valid, _) = try parse(bytes)
        #expect(valid && parsed.mtu == 1400)
        let read = try withBytes(bytes) { raw throws(WireError) in
            try ICMPv6Header.parse(raw).quotedPacket.map { ($0.header, $0.leadingPayload.count, $0.isComplete) }
        }
        let quote = try #require(read)
        #expect(quote.0.payloadLength == UInt16(payloadLength))
        #expect(quote.1 == quoted - 40)
        #expect(quote.2 == (quoted == invoking.count))

        // A smaller buffer takes a shorter quote; a buffer under 8 bytes none.
        var small = [UInt8](repeating: 0, count: 100)
        let shortLength = try invoking.withUnsafeBytes { packet in
            try small.withUnsafeMutableBytes { try header.writeError(quoting: packet, to: $0, source: source, destination: destination) }
        }
        #expect(shortLength == min(100, 8 + invoking.count))
        var tiny = [UInt8](repeating: 0, count: 7)
        #expect(throws: WireError.bufferTooSmall) {
            try invoking.withUnsafeBytes { packet in
                try tiny.withUnsafeMutableBytes { _ = try header.writeError(quoting: packet, to: $0, source: source, destination: destination) }
            }
        }
        // Only errors quote.
        #expect(throws: WireError.unsupported) {
            try invoking.withUnsafeBytes { packet in
                try buffer.withUnsafeMutableBytes {
                    _ = try ICMPv6Header.echo(.echoReply, identifier: 1, sequence: 1)
                        .writeError(quoting: packet, to: $0, source: source, destination: destination)
                }
            }
        }
    }

    @Test func quotedPackets() throws {
        // A quote shorter than an IPv6 header, or of another version, is not a quoted packet.
        let invoking = try IPv6Packets.packet(first: .udp, payload: [1, 2, 3, 4, 5, 6, 7, 8])
        for cut in [0, 39] {
            let bytes = try message(.destinationUnreachable(.port), Array(invoking[0..<cut]))
            let hasQuote = try withBytes(bytes) { raw throws(WireError) in try ICMPv6Header.parse(raw).quotedPacket != nil }
            #expect(!hasQuote)
        }
        var v4 = invoking
        v4[0] = 0x45
        let bytes = try message(.destinationUnreachable(.port), v4)
        #expect(try withBytes(bytes) { raw throws(WireError) in try ICMPv6Header.parse(raw).quotedPacket == nil })
        // Echo messages quote nothing.
        let echo = try message(.echo(.echoRequest, identifier: 1, sequence: 1), invoking)
        #expect(try withBytes(echo) { raw throws(WireError) in try ICMPv6Header.parse(raw).quotedPacket == nil })
    }
}
