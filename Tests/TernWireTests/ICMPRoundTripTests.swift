import Testing
import TernWire

@Suite struct ICMPRoundTripTests {
    /// An ICMP message built with our writer: header, then `payload`.
    private func message(_ header: ICMPHeader, _ payload: [UInt8]) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: ICMPHeader.size) + payload
        let written = try bytes.withUnsafeMutableBytes { try header.write(to: $0) }
        #expect(written == ICMPHeader.size)
        return bytes
    }

    private func parse(_ bytes: [UInt8]) throws(WireError) -> (header: ICMPHeader, valid: Bool, payload: [UInt8]) {
        try withBytes(bytes) { raw throws(WireError) in
            let m = try ICMPHeader.parse(raw)
            return (m.header, m.isChecksumValid, Array(m.payload))
        }
    }

    @Test func echoRoundTrips() throws {
        var random = TestRandom(seed: 792)
        for _ in 0..<300 {
            let type: ICMPType = Bool.random(using: &random) ? .echoRequest : .echoReply
            let id = UInt16.random(in: 0...UInt16.max, using: &random), seq = UInt16.random(in: 0...UInt16.max, using: &random)
            let payload = random.bytes(Int.random(in: 0...200, using: &random))
            let bytes = try message(.echo(type, identifier: id, sequence: seq), payload)
            let parsed = try parse(bytes)
            #expect(parsed.valid)
            #expect(parsed.header.type == type)
            #expect(parsed.header.code == 0)
            #expect(parsed.header.identifier == id)
            #expect(parsed.header.sequence == seq)
            #expect(parsed.payload == payload)
            #expect(!parsed.header.type.isError)
            // Parse, then build: the same bytes.
            #expect(try message(parsed.header, parsed.payload) == bytes)
            // Any flipped bit breaks the checksum.
            var corrupt = bytes
            let at = Int.random(in: 0..<corrupt.count, using: &random)
            corrupt[at] ^= 1 << UInt8.random(in: 0...7, using: &random)
            #expect(try !parse(corrupt).valid)
        }
    }

    /// The first bytes of an original datagram as an error would quote them.
    private func quote(totalLength: UInt16, leading: [UInt8]) throws -> (IPv4Header, [UInt8]) {
        var ip = IPv4Header(totalLength: totalLength, identification: 0x1234, flags: .dontFragment, timeToLive: 1,
                            protocol: .udp, source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(10, 0, 0, 2))
        var bytes = [UInt8](repeating: 0, count: 20)
        try bytes.withUnsafeMutableBytes { _ = try ip.write(to: $0) }
        ip.checksum = UInt16(bytes[10]) << 8 | UInt16(bytes[11])
        return (ip, bytes + leading)
    }

    @Test(arguments: [(ICMPType.destinationUnreachable, ICMPUnreachableCode.port.rawValue),
                      (.destinationUnreachable, ICMPUnreachableCode.fragmentationNeeded.rawValue),
                      (.timeExceeded, ICMPTimeExceededCode.ttlExceeded.rawValue),
                      (.parameterProblem, 0), (.sourceQuench, 0), (.redirect, 1)])
    func errorsQuoteADatagram(type: ICMPType, code: UInt8) throws {
        #expect(type.isError)
        // The original was 1000 bytes; RFC 792 quotes its header and 8 bytes of payload.
        let leading: [UInt8] = [0x9C, 0x41, 0x00, 0x35, 0x03, 0xD4, 0xAB, 0xCD]
        let (original, quoted) = try quote(totalLength: 1000, leading: leading)
        let header = ICMPHeader(type: type, code: code, restOfHeader: 1400)
        let bytes = try message(header, quoted)
        let parsed = try parse(bytes)
        #expect(parsed.valid)
        #expect(parsed.header.code == code)
        #expect(parsed.header.nextHopMTU == 1400)
        let q = try #require(try quotedDatagram(inMessage: bytes))
        #expect(q.header == original)
        #expect(q.header.totalLength == 1000)
        #expect(q.leadingPayload == leading)
    }

    @Test func echoQuotesNothing() throws {
        let bytes = try message(.echo(.echoRequest, identifier: 1, sequence: 1), [UInt8](repeating: 0x45, count: 28))
        #expect(try quotedDatagram(inMessage: bytes) == nil)
    }

    @Test func malformedQuotesAreRefused() throws {
        let (_, good) = try quote(totalLength: 28, leading: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(throws: Never.self) { try parseQuoted(good) }
        var v6 = good
        v6[0] = 0x65
        #expect(throws: WireError.malformed) { try parseQuoted(v6) }
        var ihl4 = good
        ihl4[0] = 0x44
        #expect(throws: WireError.malformed) { try parseQuoted(ihl4) }
        var ihlPastEnd = good
        ihlPastEnd[0] = 0x4F
        #expect(throws: WireError.truncated) { try parseQuoted(ihlPastEnd) }
        var shortTotal = good
        shortTotal[2] = 0
        shortTotal[3] = 19
        #expect(throws: WireError.badLength) { try parseQuoted(shortTotal) }
        #expect(throws: WireError.truncated) { try parseQuoted(Array(good[0..<19])) }
        // A quoted total length shorter than what was quoted: only the datagram counts.
        var longQuote = good + [9, 9, 9, 9]
        longQuote[3] = 28
        #expect(try parseQuoted(longQuote).leadingPayload == [1, 2, 3, 4, 5, 6, 7, 8])
        // Through the message: a malformed quote reads as none.
        let bytes = try message(ICMPHeader(type: .destinationUnreachable, code: 3), v6)
        #expect(try quotedDatagram(inMessage: bytes) == nil)
    }

    @Test func shortMessagesAreTruncated() {
        for length in 0..<ICMPHeader.size {
            #expect(throws: WireError.truncated) { try parse([UInt8](repeating: 8, count: length)) }
        }
        var small = [UInt8](repeating: 0, count: 7)
        small.withUnsafeMutableBytes { raw in
            #expect(throws: WireError.bufferTooSmall) { try ICMPHeader.echo(.echoReply, identifier: 1, sequence: 2).write(to: raw) }
            return
        }
    }
}
