import Testing
import TernWire

@Suite struct IPv6HeaderTests {
    private func parse(_ bytes: [UInt8]) throws(WireError) -> (IPv6Header, payload: [UInt8]) {
        try withBytes(bytes) { raw throws(WireError) in
            let p = try IPv6Header.parse(raw)
            #expect(p.headerBytes.count == IPv6Header.size)
            return (p.header, Array(p.payload))
        }
    }

    @Test func roundTrips() throws {
        var random = TestRandom(seed: 8200)
        for _ in 0..<500 {
            let payload = random.bytes(Int.random(in: 0...300, using: &random))
            let header = IPv6Header(trafficClass: UInt8.random(in: 0...255, using: &random),
                                    flowLabel: UInt32.random(in: 0...0xF_FFFF, using: &random),
                                    payloadLength: UInt16(payload.count),
                                    nextHeader: IPProtocol(rawValue: UInt8.random(in: 0...255, using: &random)),
                                    hopLimit: UInt8.random(in: 0...255, using: &random),
                                    source: IPv6Address(high: random.next(), low: random.next()),
                                    destination: IPv6Address(high: random.next(), low: random.next()))
            var bytes = [UInt8](repeating: 0, count: IPv6Header.size) + payload
            let written = try bytes.withUnsafeMutableBytes { try header.write(to: $0) }
            #expect(written == 40)
            #expect(bytes[0] >> 4 == 6)
            let (parsed, parsedPayload) = try parse(bytes)
            #expect(parsed == header)
            #expect(parsedPayload == payload)
            // Ethernet padding after the payload is not payload.
            let (padded, paddedPayload) = try parse(bytes + random.bytes(Int.random(in: 1...40, using: &random)))
            #expect(padded == header && paddedPayload == payload)
            // Every prefix is truncated.
            let cut = Int.random(in: 0..<bytes.count, using: &random)
            #expect(throws: WireError.truncated) { try parse(Array(bytes[0..<cut])) }
        }
    }

    @Test func knownBytes() throws {
        // Version 6, traffic class 0xb8 (EF), flow label 0x12345, 8 bytes of UDP, hop limit 64.
        let bytes = try IPv6Packets.packet(first: .udp, payload: [0, 1, 0, 7, 0, 8, 0, 0])
        #expect(Array(bytes[0..<8]) == [0x6B, 0x81, 0x23, 0x45, 0x00, 0x08, 17, 64])
        #expect(Array(bytes[8..<24]) == IPv6Packets.source.bytes)
        #expect(Array(bytes[24..<40]) == IPv6Packets.destination.bytes)
        let (header, _) = try parse(bytes)
        #expect(header.trafficClass == 0xB8 && header.flowLabel == 0x12345)
    }

    @Test func refusals() throws {
        let good = try IPv6Packets.packet(first: .noNextHeader, payload: [1, 2, 3, 4])
        for version: UInt8 in [0, 4, 5, 7, 15] {
            var bad = good
            bad[0] = version << 4 | bad[0] & 0x0F
            #expect(throws: WireError.malformed) { try parse(bad) }
        }
        // A payload length past the bytes present.
        var long = good
        long[5] = 5
        #expect(throws: WireError.truncated) { try parse(long) }
        // A flow label wider than 20 bits is cut to 20 when written.
        var header = try parse(good).0
        header.flowLabel = 0xFFFF_FFFF
        var bytes = good
        try bytes.withUnsafeMutableBytes { _ = try header.write(to: $0) }
        #expect(try parse(bytes).0.flowLabel == 0xF_FFFF)
        #expect(try parse(bytes).0.trafficClass == header.trafficClass)
        var small = [UInt8](repeating: 0, count: 39)
        #expect(throws: WireError.bufferTooSmall) { try small.withUnsafeMutableBytes { _ = try header.write(to: $0) } }
    }

    @Test func aZeroPayloadLengthIsAnEmptyPayload() throws {
        let bytes = try IPv6Packets.packet(first: .noNextHeader, payload: [])
        let (header, payload) = try parse(bytes + [0, 0, 0, 0, 0, 0])
        #expect(header.payloadLength == 0)
        #expect(payload.isEmpty)
    }
}
