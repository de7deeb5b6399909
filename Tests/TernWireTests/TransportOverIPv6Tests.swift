import Testing
import TernWire

/// UDP and TCP over IPv6: the same codecs, with the IPv6 pseudo-header (RFC 8200 §8.1).
@Suite struct TransportOverIPv6Tests {
    private let source = IPv6Address("2001:db8:1::54:45ff:fe52:4e01")!, destination = IPv6Address("2001:db8:1::2")!

    @Test func udpRoundTrips() throws {
        var random = TestRandom(seed: 8200_81)
        for _ in 0..<300 {
            let payload = random.bytes(Int.random(in: 0...300, using: &random))
            let header = UDPHeader(sourcePort: .random(in: 0...UInt16.max, using: &random),
                                   destinationPort: .random(in: 0...UInt16.max, using: &random), length: UInt16(8 + payload.count))
            var bytes = [UInt8](repeating: 0, count: 8) + payload
            try bytes.withUnsafeMutableBytes { _ = try header.write(to: $0, source: source, destination: destination) }
            let (parsed, valid, v4Valid) = try withBytes(bytes) { raw throws(WireError) in
                let d = try UDPHeader.parse(raw)
                return (d.header, d.isChecksumValid(source: source, destination: destination),
                        d.isChecksumValid(source: IPv4Address(192, 0, 2, 1), destination: IPv4Address(192, 0, 2, 2)))
            }
            #expect(valid && !v4Valid)
            #expect(parsed.checksum != 0)
            #expect(parsed.sourcePort == header.sourcePort && parsed.length == header.length)
            var sum = InternetChecksum.pseudoHeader(source: source, destination: destination, nextHeader: .udp, length: bytes.count)
            bytes.withUnsafeBytes { sum.add($0) }
            #expect(sum.value == 0)
            let pseudo = InternetChecksum.pseudoHeaderBytes(source: source, destination: destination, nextHeader: .udp,
                                                            length: bytes.count)
            #expect(InternetChecksum.compute(pseudo + bytes) == 0)
        }
    }

    /// Over IPv6 a UDP checksum is mandatory: a zero one makes the datagram invalid, and the
    /// writer never sends one (a computed 0 goes out as 0xFFFF).
    @Test func udpZeroChecksumIsInvalid() throws {
        var bytes = [UInt8](repeating: 0, count: 12)
        try bytes.withUnsafeMutableBytes {
            _ = try UDPHeader(sourcePort: 1, destinationPort: 2, length: 12).write(to: $0, source: source, destination: destination)
        }
        bytes[6] = 0
        bytes[7] = 0
        let (v6, v4) = try withBytes(bytes) { raw throws(WireError) in
            let d = try UDPHeader.parse(raw)
            return (d.isChecksumValid(source: source, destination: destination),
                    d.isChecksumValid(source: IPv4Address(192, 0, 2, 1), destination: IPv4Address(192, 0, 2, 2)))
        }
        #expect(!v6, "IPv6: zero means the datagram is discarded")
        #expect(v4, "IPv4: zero means no checksum was sent")

        // Find a payload whose checksum computes to 0; it is written as 0xFFFF, which verifies.
        var random = TestRandom(seed: 0xFFFF)
        var found = false
        for _ in 0..<200_000 {
            let payload = random.bytes(4)
            var datagram = [UInt8](repeating: 0, count: 8) + payload
            try datagram.withUnsafeMutableBytes {
                _ = try UDPHeader(sourcePort: 1, destinationPort: 2, length: 12).write(to: $0, source: source, destination: destination)
            }
            guard datagram[6] == 0xFF && datagram[7] == 0xFF else { continue }
            found = true
            #expect(try withBytes(datagram) { raw throws(WireError) in
                try UDPHeader.parse(raw).isChecksumValid(source: source, destination: destination)
            })
            break
        }
        #expect(found)
    }

    @Test func tcpRoundTrips() throws {
        var random = TestRandom(seed: 9293)
        for _ in 0..<200 {
            let options = TCPOptions(maximumSegmentSize: 1440, windowScale: 7, sackPermitted: true,
                                     timestamps: TCPTimestamps(value: UInt32.random(in: 0...UInt32.max, using: &random), echoReply: 0))
            let payload = random.bytes(Int.random(in: 0...100, using: &random))
            let headerLength = 20 + options.encodedLength
            var bytes = [UInt8](repeating: 0, count: headerLength) + payload
            let header = TCPHeader(sourcePort: 40000, destinationPort: 80, sequenceNumber: SequenceNumber(random.next32()),
                                   acknowledgmentNumber: SequenceNumber(0), headerLength: headerLength, flags: .syn, window: 64800)
            try bytes.withUnsafeMutableBytes { raw in
                _ = try options.write(to: UnsafeMutableRawBufferPointer(rebasing: raw[20..<headerLength]))
                _ = try header.write(to: raw, payloadLength: payload.count, source: source, destination: destination)
            }
            let (parsed, parsedOptions, valid, swapped) = try withBytes(bytes) { raw throws(WireError) in
                let s = try TCPHeader.parse(raw)
                return (s.header, try s.parseOptions(), s.isChecksumValid(source: source, destination: destination),
                        s.isChecksumValid(source: destination, destination: source))
            }
            #expect(valid)
            #expect(swapped, "the sum is symmetric in the two addresses")
            #expect(parsedOptions == options)
            var expected = header
            expected.checksum = parsed.checksum
            #expect(parsed == expected)
            // Left to the link: only the pseudo-header sum, which the data then completes.
            var partial = bytes
            try partial.withUnsafeMutableBytes {
                _ = try header.write(to: $0, payloadLength: payload.count, source: source, destination: destination, checksumLeftToLink: true)
            }
            var sum = InternetChecksum()
            partial.withUnsafeBytes { sum.add($0) }
            #expect(sum.value == parsed.checksum)
        }
    }
}

extension TestRandom {
    mutating func next32() -> UInt32 { UInt32(truncatingIfNeeded: next()) }
}
