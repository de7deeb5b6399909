import Testing
import TernWire

@Suite struct UDPRoundTripTests {
    let source = IPv4Address(198, 51, 100, 10), destination = IPv4Address(198, 51, 100, 1)

    private func build(_ header: UDPHeader, _ payload: [UInt8]) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: UDPHeader.size) + payload
        let written = try bytes.withUnsafeMutableBytes { try header.write(to: $0, source: source, destination: destination) }
        #expect(written == UDPHeader.size)
        return bytes
    }

    private func parse(_ bytes: [UInt8]) throws(WireError) -> (header: UDPHeader, valid: Bool, payload: [UInt8]) {
        try withBytes(bytes) { raw throws(WireError) in
            let d = try UDPHeader.parse(raw)
            return (d.header, d.isChecksumValid(source: source, destination: destination), Array(d.payload))
        }
    }

    @Test func roundTrips() throws {
        var random = TestRandom(seed: 768)
        for _ in 0..<300 {
            let payload = random.bytes(Int.random(in: 0...300, using: &random))
            var header = UDPHeader(sourcePort: .random(in: 0...UInt16.max, using: &random),
                                   destinationPort: .random(in: 0...UInt16.max, using: &random),
                                   length: UInt16(8 + payload.count))
            let bytes = try build(header, payload)
            // Trailing bytes (padding) beyond the length field are not part of the datagram.
            let parsed = try parse(bytes + random.bytes(Int.random(in: 0...10, using: &random)))
            #expect(parsed.valid)
            #expect(parsed.header.checksum != 0)
            header.checksum = parsed.header.checksum
            #expect(parsed.header == header)
            #expect(parsed.payload == payload)
            #expect(try build(parsed.header, parsed.payload) == bytes)
            // With the other pseudo-header (addresses swapped, a different source) it fails.
            let wrongSource = try withBytes(bytes) { raw throws(WireError) in
                try UDPHeader.parse(raw).isChecksumValid(source: IPv4Address(198, 51, 100, 11), destination: destination)
            }
            #expect(!wrongSource)
        }
    }

    @Test func zeroChecksumMeansNone() throws {
        var bytes = try build(UDPHeader(sourcePort: 9, destinationPort: 9, length: 12), [1, 2, 3, 4])
        bytes[6] = 0
        bytes[7] = 0
        bytes[9] ^= 0xFF
        #expect(try parse(bytes).valid)
    }

    @Test func aComputedZeroIsSentAsAllOnes() throws {
        // Choose the last payload word so the sum comes to 0xffff: the checksum is then 0,
        // which on the wire would mean "none" (RFC 768), so 0xffff is sent instead.
        var payload: [UInt8] = [0x12, 0x34, 0x56, 0x78, 0, 0]
        let probe = try build(UDPHeader(sourcePort: 1234, destinationPort: 37, length: 14), payload)
        let value = UInt16(probe[6]) << 8 | UInt16(probe[7])
        payload[4] = UInt8(value >> 8)
        payload[5] = UInt8(value & 0xFF)
        let bytes = try build(UDPHeader(sourcePort: 1234, destinationPort: 37, length: 14), payload)
        #expect(bytes[6] == 0xFF && bytes[7] == 0xFF)
        #expect(try parse(bytes).valid)
    }

    @Test func rejectsBadLengths() {
        var bytes: [UInt8] = [0, 1, 0, 2, 0, 12, 0, 0, 1, 2, 3, 4]
        bytes[5] = 7
        #expect(throws: WireError.badLength) { try parse(bytes) }
        bytes[5] = 13
        #expect(throws: WireError.truncated) { try parse(bytes) }
        for length in 0..<8 {
            #expect(throws: WireError.truncated) { try parse(Array(bytes[0..<length])) }
        }
        var buffer = [UInt8](repeating: 0, count: 16)
        buffer.withUnsafeMutableBytes { raw in
            #expect(throws: WireError.badLength) {
                try UDPHeader(sourcePort: 1, destinationPort: 2, length: 7).write(to: raw, source: source, destination: destination)
            }
            #expect(throws: WireError.bufferTooSmall) {
                try UDPHeader(sourcePort: 1, destinationPort: 2, length: 17).write(to: raw, source: source, destination: destination)
            }
        }
    }
}
