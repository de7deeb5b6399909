import Testing
@testable import TernServices

@Suite struct LengthPrefixedPacketTests {
    private let encoder = LengthPrefixedPacketEncoder()

    /// Decodes `stream` delivered as `chunks` (a partition of it), collecting packets.
    private func decode(_ stream: [UInt8], cuts: [Int],
                        decoder: LengthPrefixedPacketDecoder = LengthPrefixedPacketDecoder()) throws -> [[UInt8]] {
        var decoder = decoder
        var packets: [[UInt8]] = []
        var start = 0
        for cut in cuts + [stream.count] {
            try decoder.feed(Array(stream[start..<cut])) { packets.append($0) }
            start = cut
        }
        #expect(decoder.isAtPacketBoundary)
        return packets
    }

    @Test func encodesBigEndianLength() throws {
        #expect(try encoder.encode([0x41]) == [0, 1, 0x41])
        #expect(try encoder.encode([UInt8](repeating: 7, count: 258)).prefix(2) == [1, 2])
    }

    @Test func encoderRejectsEmptyAndOversize() throws {
        #expect(throws: PacketFramingError.emptyPacket) { try encoder.encode([]) }
        #expect(throws: PacketFramingError.packetTooLarge(length: 65_536, maximum: 65_535)) {
            try encoder.encode([UInt8](repeating: 0, count: 65_536))
        }
        #expect(throws: PacketFramingError.packetTooLarge(length: 11, maximum: 10)) {
            try LengthPrefixedPacketEncoder(maximumPayloadLength: 10).encode([UInt8](repeating: 0, count: 11))
        }
        #expect(try LengthPrefixedPacketEncoder(allowsEmptyPayloads: true).encode([]) == [0, 0])
    }

    @Test func everySplitPointOfSeveralPackets() throws {
        let payloads: [[UInt8]] = [[0x61], [UInt8]("hello"), [UInt8](repeating: 0xEE, count: 300), [UInt8]("é")]
        var stream: [UInt8] = []
        for p in payloads { try encoder.encode(p, into: &stream) }
        for cut in 0...stream.count {
            #expect(try decode(stream, cuts: [cut]) == payloads, "cut at \(cut)")
        }
        for a in stride(from: 0, through: stream.count, by: 7) {
            for b in stride(from: a, through: stream.count, by: 11) {
                #expect(try decode(stream, cuts: [a, b]) == payloads)
            }
        }
        #expect(try decode(stream, cuts: Array(1..<stream.count)) == payloads, "one byte at a time")
    }

    @Test func extremeLengths() throws {
        let one: [UInt8] = [0x7A]
        let largest = (0..<65_535).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var stream = try encoder.encode(one)
        try encoder.encode(largest, into: &stream)
        #expect(stream.count == 2 + 1 + 2 + 65_535)
        #expect(Array(stream[3..<5]) == [0xFF, 0xFF])
        #expect(try decode(stream, cuts: []) == [one, largest])
        #expect(try decode(stream, cuts: Array(stride(from: 1, to: stream.count, by: 4093))) == [one, largest])
    }

    @Test func zeroLengthIsAnErrorUnlessAllowed() throws {
        var decoder = LengthPrefixedPacketDecoder()
        var packets: [[UInt8]] = []
        #expect(throws: PacketFramingError.emptyPacket) {
            try decoder.feed([0, 1, 0x41, 0, 0, 0, 1, 0x42]) { packets.append($0) }
        }
        #expect(packets == [[0x41]], "packets before the error are delivered")
        // The framing is lost for good.
        #expect(throws: PacketFramingError.emptyPacket) { try decoder.feed([0, 1, 0x43]) { _ in } }

        var lenient = LengthPrefixedPacketDecoder(allowsEmptyPayloads: true)
        var got: [[UInt8]] = []
        try lenient.feed([0, 0, 0, 1, 0x41]) { got.append($0) }
        #expect(got == [[], [0x41]])
    }

    @Test func oversizeIsReportedFromTheHeaderAlone() {
        var decoder = LengthPrefixedPacketDecoder(maximumPayloadLength: 100)
        #expect(throws: Never.self) { try decoder.feed([0]) { _ in } }
        #expect(throws: PacketFramingError.packetTooLarge(length: 101, maximum: 100)) {
            try decoder.feed([101]) { _ in }
        }
        #expect(decoder.failure == .packetTooLarge(length: 101, maximum: 100))
    }

    @Test func buffersAtMostOnePartialPacket() throws {
        var decoder = LengthPrefixedPacketDecoder(maximumPayloadLength: 1000)
        try decoder.feed([0x03, 0xE8] + [UInt8](repeating: 1, count: 999)) { _ in Issue.record("early packet") }
        #expect(decoder.bufferedByteCount == 999)
        #expect(!decoder.isAtPacketBoundary)
        var got = 0
        try decoder.feed([1, 0, 1, 9]) { got += $0.count }
        #expect(got == 1001)
        #expect(decoder.isAtPacketBoundary)
    }

    @Test func nextPacketLeavesTheRestOfTheInput() throws {
        var decoder = LengthPrefixedPacketDecoder()
        let stream: [UInt8] = [0, 1, 0x41, 0, 2, 0x42, 0x43, 0]
        try stream.withUnsafeBytes { (raw) throws -> Void in
            var rest = raw
            #expect(try decoder.nextPacket(from: &rest) == [0x41])
            #expect(rest.count == 5)
            #expect(try decoder.nextPacket(from: &rest) == [0x42, 0x43])
            #expect(try decoder.nextPacket(from: &rest) == nil)
            #expect(rest.isEmpty)
        }
        #expect(decoder.bufferedByteCount == 1)
    }
}
