import Testing
import TernWire

func randomIPv4Header(_ random: inout TestRandom, headerLength: Int, payloadLength: Int) -> IPv4Header {
    IPv4Header(headerLength: headerLength, typeOfService: .random(in: 0...255, using: &random),
               totalLength: UInt16(headerLength + payloadLength), identification: .random(in: 0...UInt16.max, using: &random),
               flags: IPv4Flags(rawValue: .random(in: 0...7, using: &random)),
               fragmentOffset: .random(in: 0...0x1FFF, using: &random), timeToLive: .random(in: 0...255, using: &random),
               protocol: IPProtocol(rawValue: .random(in: 0...255, using: &random)),
               source: IPv4Address(rawValue: .random(in: 0...UInt32.max, using: &random)),
               destination: IPv4Address(rawValue: .random(in: 0...UInt32.max, using: &random)))
}

@Suite struct IPv4RoundTripTests {
    @Test func buildThenParse() throws {
        var random = TestRandom(seed: 791)
        for _ in 0..<500 {
            let headerLength = 20 + 4 * Int.random(in: 0...10, using: &random)
            let payload = random.bytes(Int.random(in: 0...64, using: &random))
            var header = randomIPv4Header(&random, headerLength: headerLength, payloadLength: payload.count)
            let options = random.bytes(headerLength - 20)
            var packet = [UInt8](repeating: 0, count: headerLength) + payload
            let written = try packet.withUnsafeMutableBytes { raw in
                try options.withUnsafeBytes { try header.write(to: raw, options: $0) }
            }
            #expect(written == headerLength)
            // Trailing Ethernet padding is not part of the datagram.
            let padded = packet + random.bytes(Int.random(in: 0...20, using: &random))
            let (parsed, valid, parsedOptions, parsedPayload) = try withBytes(padded) { raw throws(WireError) in
                let p = try IPv4Header.parse(raw)
                return (p.header, p.isChecksumValid, Array(p.options), Array(p.payload))
            }
            #expect(valid)
            header.checksum = parsed.checksum
            #expect(parsed == header)
            #expect(parsedOptions == options)
            #expect(parsedPayload == payload)
            #expect(parsed.payloadLength == payload.count)
            #expect(parsed.fragmentByteOffset == Int(header.fragmentOffset) * 8)
            #expect(parsed.isFragment == (header.flags.contains(.moreFragments) || header.fragmentOffset != 0))
        }
    }

    @Test func parseThenBuild() throws {
        var random = TestRandom(seed: 792)
        for _ in 0..<500 {
            let headerLength = 20 + 4 * Int.random(in: 0...10, using: &random)
            var bytes = random.bytes(headerLength + Int.random(in: 0...30, using: &random))
            bytes[0] = 0x40 | UInt8(headerLength / 4)
            bytes[2] = UInt8(bytes.count >> 8)
            bytes[3] = UInt8(bytes.count & 0xFF)
            let (header, options) = try withBytes(bytes) { raw throws(WireError) in
                let p = try IPv4Header.parse(raw)
                return (p.header, Array(p.options))
            }
            var rebuilt = bytes
            try rebuilt.withUnsafeMutableBytes { raw in
                _ = try options.withUnsafeBytes { try header.write(to: raw, options: $0) }
            }
            // Every byte comes back but the checksum, which the builder computes afresh.
            var expected = bytes
            expected[10] = rebuilt[10]
            expected[11] = rebuilt[11]
            #expect(rebuilt == expected)
            #expect(InternetChecksum.compute(Array(rebuilt[0..<headerLength])) == 0)
        }
    }

    private func header(_ mutate: (inout [UInt8]) -> Void) -> [UInt8] {
        var bytes: [UInt8] = [0x45, 0, 0, 28, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2] + [UInt8](repeating: 0, count: 8)
        mutate(&bytes)
        return bytes
    }

    private func parse(_ bytes: [UInt8]) -> Result<IPv4Header, WireError> {
        outcome { () throws(WireError) in try withBytes(bytes) { raw throws(WireError) in try IPv4Header.parse(raw).header } }
    }

    @Test func rejectsMalformedHeaders() {
        #expect((try? parse(header { _ in }).get()) != nil)
        #expect(parse(header { $0[0] = 0x65 }) == .failure(.malformed))          // version 6
        #expect(parse(header { $0[0] = 0x44 }) == .failure(.malformed))          // IHL 4
        #expect(parse(header { $0[0] = 0x40 }) == .failure(.malformed))          // IHL 0
        #expect((try? parse(header { $0[0] = 0x47 }).get())?.payloadLength == 0) // IHL 7 = all 28 bytes
        #expect(parse(header { $0[0] = 0x48 }) == .failure(.truncated))          // IHL 8 = 32 > 28 bytes present
        #expect(parse(header { $0[3] = 19 }) == .failure(.badLength))            // total length below the header
        #expect(parse(header { $0[3] = 29 }) == .failure(.truncated))            // total length past the bytes
        #expect(parse(Array(header { _ in }[0..<19])) == .failure(.truncated))
    }

    @Test func builderRefusesInconsistentHeaders() {
        var random = TestRandom(seed: 1)
        var buffer = [UInt8](repeating: 0, count: 64)
        let four: [UInt8] = [1, 1, 1, 0]
        buffer.withUnsafeMutableBytes { raw in
            for (length, options) in [(22, [UInt8]()), (24, []), (20, four), (64, [UInt8](repeating: 1, count: 44)), (16, [])] {
                let h = randomIPv4Header(&random, headerLength: length, payloadLength: 0)
                #expect(throws: WireError.badLength) { try options.withUnsafeBytes { try h.write(to: raw, options: $0) } }
            }
            let h = randomIPv4Header(&random, headerLength: 24, payloadLength: 0)
            let small = UnsafeMutableRawBufferPointer(rebasing: raw[0..<23])
            #expect(throws: WireError.bufferTooSmall) { try four.withUnsafeBytes { try h.write(to: small, options: $0) } }
        }
    }

    @Test func flagsAndOffsetShareAWord() throws {
        // Every flag combination with the largest offset round-trips, the reserved bit included.
        for flags in 0...7 {
            var header = IPv4Header(totalLength: 20, identification: 7, flags: IPv4Flags(rawValue: UInt8(flags)),
                                    fragmentOffset: 0x1FFF, timeToLive: 1, protocol: .icmp,
                                    source: .any, destination: .broadcast)
            var bytes = [UInt8](repeating: 0, count: 20)
            try bytes.withUnsafeMutableBytes { _ = try header.write(to: $0) }
            #expect(bytes[6] == UInt8(flags) << 5 | 0x1F)
            #expect(bytes[7] == 0xFF)
            let parsed = try withBytes(bytes) { raw throws(WireError) in try IPv4Header.parse(raw).header }
            header.checksum = parsed.checksum
            #expect(parsed == header)
        }
    }
}
