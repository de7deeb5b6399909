import Testing
import TernWire

@Suite struct TCPRoundTripTests {
    let source = IPv4Address(192, 0, 2, 1), destination = IPv4Address(192, 0, 2, 2)

    private func parse(_ bytes: [UInt8]) throws(WireError) -> (header: TCPHeader, valid: Bool, options: [UInt8], payload: [UInt8], sequenceLength: Int) {
        try withBytes(bytes) { raw throws(WireError) in
            let s = try TCPHeader.parse(raw)
            return (s.header, s.isChecksumValid(source: source, destination: destination), Array(s.options),
                    Array(s.payload), s.sequenceLength)
        }
    }

    @Test func roundTrips() throws {
        var random = TestRandom(seed: 9293)
        for _ in 0..<300 {
            var options = TCPOptions()
            if Bool.random(using: &random) { options.maximumSegmentSize = .random(in: 536...9000, using: &random) }
            if Bool.random(using: &random) { options.windowScale = .random(in: 0...14, using: &random) }
            options.sackPermitted = Bool.random(using: &random)
            if Bool.random(using: &random) {
                options.timestamps = TCPTimestamps(value: .random(in: 0...UInt32.max, using: &random), echoReply: 0)
            }
            let headerLength = 20 + options.encodedLength
            let payload = random.bytes(Int.random(in: 0...100, using: &random))
            var header = TCPHeader(sourcePort: .random(in: 0...UInt16.max, using: &random),
                                   destinationPort: .random(in: 0...UInt16.max, using: &random),
                                   sequenceNumber: SequenceNumber(.random(in: 0...UInt32.max, using: &random)),
                                   acknowledgmentNumber: SequenceNumber(.random(in: 0...UInt32.max, using: &random)),
                                   headerLength: headerLength,
                                   flags: TCPFlags(rawValue: .random(in: 0...0x0FFF, using: &random)),
                                   window: .random(in: 0...UInt16.max, using: &random),
                                   urgentPointer: .random(in: 0...UInt16.max, using: &random))
            var bytes = [UInt8](repeating: 0, count: headerLength) + payload
            let segmentLength = bytes.count
            try bytes.withUnsafeMutableBytes { raw in
                _ = try options.write(to: UnsafeMutableRawBufferPointer(rebasing: raw[20..<headerLength]))
                let total = try header.write(to: raw, payloadLength: payload.count, source: source, destination: destination)
                #expect(total == segmentLength)
            }
            let parsed = try parse(bytes)
            #expect(parsed.valid)
            header.checksum = parsed.header.checksum
            #expect(parsed.header == header)
            #expect(parsed.payload == payload)
            #expect(try optionSummary(parsed.options) == options)
            let syn = header.flags.contains(.syn) ? 1 : 0, fin = header.flags.contains(.fin) ? 1 : 0
            #expect(parsed.sequenceLength == payload.count + syn + fin)

            // Parse, then build into fresh memory: the same bytes.
            var again = [UInt8](repeating: 0, count: bytes.count)
            again.replaceSubrange(20..., with: bytes[20...])
            try again.withUnsafeMutableBytes { raw in
                _ = try parsed.header.write(to: raw, payloadLength: payload.count, source: source, destination: destination)
            }
            #expect(again == bytes)
        }
    }

    @Test func reservedFlagBitsRoundTrip() throws {
        let flags = TCPFlags(rawValue: 0xFFFF)
        #expect(flags.rawValue == 0x0FFF)
        let header = TCPHeader(sourcePort: 1, destinationPort: 2, sequenceNumber: SequenceNumber(3),
                               acknowledgmentNumber: SequenceNumber(4), flags: flags, window: 5)
        var bytes = [UInt8](repeating: 0, count: 20)
        try bytes.withUnsafeMutableBytes { _ = try header.write(to: $0, payloadLength: 0, source: source, destination: destination) }
        #expect(bytes[12] == 0x5F)
        #expect(bytes[13] == 0xFF)
        #expect(try parse(bytes).header.flags == flags)
    }

    @Test func flagsReadAsTcpdumpWritesThem() {
        #expect(TCPFlags.syn.description == "S")
        #expect(TCPFlags([.syn, .ack]).description == "S.")
        #expect(TCPFlags([.psh, .ack]).description == "P.")
        #expect(TCPFlags([.fin, .ack]).description == "F.")
        #expect(TCPFlags.rst.description == "R")
        #expect(TCPFlags([.syn, .ece, .cwr]).description == "SEW")
        #expect(TCPFlags().description == "none")
    }

    @Test func rejectsMalformedHeaders() throws {
        var bytes = [UInt8](repeating: 0, count: 24)
        bytes[12] = 0x40   // data offset 4
        #expect(throws: WireError.malformed) { try parse(bytes) }
        bytes[12] = 0x60   // 24 bytes: fits exactly
        #expect(try parse(bytes).options.count == 4)
        bytes[12] = 0x70   // 28 bytes: more than there is
        #expect(throws: WireError.truncated) { try parse(bytes) }
        for length in 0..<20 {
            #expect(throws: WireError.truncated) { try parse(Array(bytes[0..<length])) }
        }
        var buffer = [UInt8](repeating: 0, count: 64)
        buffer.withUnsafeMutableBytes { raw in
            for length in [16, 22, 64] {
                let h = TCPHeader(sourcePort: 1, destinationPort: 2, sequenceNumber: SequenceNumber(0),
                                  acknowledgmentNumber: SequenceNumber(0), headerLength: length, flags: .syn, window: 0)
                #expect(throws: WireError.badLength) { try h.write(to: raw, payloadLength: 0, source: source, destination: destination) }
            }
            let h = TCPHeader(sourcePort: 1, destinationPort: 2, sequenceNumber: SequenceNumber(0),
                              acknowledgmentNumber: SequenceNumber(0), flags: .syn, window: 0)
            #expect(throws: WireError.badLength) { try h.write(to: raw, payloadLength: -1, source: source, destination: destination) }
            #expect(throws: WireError.bufferTooSmall) { try h.write(to: raw, payloadLength: 45, source: source, destination: destination) }
        }
    }
}

@Suite struct SequenceNumberTests {
    @Test func wrapsModulo2To32() {
        let nearTop = SequenceNumber(0xFFFF_FFF0)
        #expect((nearTop + 0x20).rawValue == 0x10)
        #expect((nearTop + UInt32(0x20)).rawValue == 0x10)
        #expect((SequenceNumber(5) - 10).rawValue == 0xFFFF_FFFB)
        #expect((nearTop + -16).rawValue == 0xFFFF_FFE0)
        var s = nearTop
        s += 32
        #expect(s.rawValue == 0x10)
    }

    @Test func comparesAcrossTheWrap() {
        let before = SequenceNumber(0xFFFF_FF00), after = SequenceNumber(0x100)
        #expect(before < after)
        #expect(after > before)
        #expect(before <= before && before >= before)
        #expect(after - before == 0x200)
        #expect(before - after == -0x200)
        #expect(SequenceNumber.max(before, after) == after)
        #expect(SequenceNumber.min(before, after) == before)
        // Half the space apart, the signed distance flips sign.
        #expect(SequenceNumber(0x8000_0000) - SequenceNumber(0) == Int(Int32.min))
    }

    @Test func distanceIsConsistentWithOrder() {
        var random = TestRandom(seed: 31)
        for _ in 0..<1000 {
            let a = SequenceNumber(.random(in: 0...UInt32.max, using: &random))
            let d = Int.random(in: -0x7FFF_FFFF...0x7FFF_FFFF, using: &random)
            let b = a + d
            #expect(b - a == d)
            #expect((b > a) == (d > 0))
            #expect((b < a) == (d < 0))
        }
    }
}
