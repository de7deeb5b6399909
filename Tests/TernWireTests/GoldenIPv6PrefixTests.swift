import Testing
import TernWire

/// Every prefix of every golden ICMPv6 message is rejected as truncated or read
/// consistently: the same header, Neighbor Discovery options up to the cut, a quote that
/// loses bytes from its end. (Whole frames: `GoldenPrefixTests.everyPrefixIsTruncated`.)
@Suite struct GoldenIPv6PrefixTests {
    private struct Reading: Equatable {
        var header: ICMPv6Header
        var ndp: NDPMessage?
        var options: [NDPOption]?
        var quote: (header: IPv6Header, leading: [UInt8])?

        static func == (a: Reading, b: Reading) -> Bool {
            a.header == b.header && a.ndp == b.ndp && a.options == b.options
                && a.quote?.header == b.quote?.header && a.quote?.leading == b.quote?.leading
        }
    }

    private func read(_ bytes: [UInt8]) -> Result<Reading, WireError> {
        outcome { () throws(WireError) in
            try withBytes(bytes) { raw throws(WireError) in
                let m = try ICMPv6Header.parse(raw)
                var reading = Reading(header: m.header)
                if m.header.type.isNeighborDiscovery {
                    let packet = try NDPMessage.parse(m)
                    reading.ndp = packet.message
                    reading.options = try packet.decodedOptions()
                }
                if let q = m.quotedPacket { reading.quote = (q.header, Array(q.leadingPayload)) }
                return reading
            }
        }
    }

    @Test(arguments: GoldenCaptures.ipv6.filter { $0.fields["icmpv6.type"] != nil && $0.fields["ipv6.fraghdr.more"] == nil })
    func everyPrefixOfTheICMPv6Message(frame: GoldenFrame) throws {
        let message = try #require(try FrameLayers(frame.bytes).icmpv6)
        let bytes = Array(frame.bytes[message.message])
        let full = try read(bytes).get()
        var boundaries: [Int] = []
        if let ndp = full.ndp, let options = full.options {
            boundaries = options.reduce(into: [ndp.fixedLength]) { $0.append($0.last! + $1.encodedLength) }
        }
        for length in 0..<bytes.count {
            let result = read(Array(bytes[0..<length]))
            if length < ICMPv6Header.size {
                #expect(result == .failure(.truncated), "\(frame.testDescription) cut at \(length)")
                continue
            }
            if let ndp = full.ndp, let options = full.options {
                if length < ndp.fixedLength {
                    #expect(result == .failure(.truncated), "\(frame.testDescription) cut at \(length)")
                } else if let kept = boundaries.firstIndex(of: length) {
                    #expect(result == .success(Reading(header: full.header, ndp: ndp, options: Array(options.prefix(kept)))),
                            "\(frame.testDescription) cut at \(length), an option boundary")
                } else {
                    #expect(result == .failure(.badOption), "\(frame.testDescription) cut at \(length), inside an option")
                }
                continue
            }
            let reading = try result.get()
            #expect(reading.header == full.header)
            if let quote = full.quote {
                if length - ICMPv6Header.size < IPv6Header.size {
                    #expect(reading.quote == nil)
                } else {
                    let q = try #require(reading.quote)
                    #expect(q.header == quote.header)
                    #expect(q.leading == Array(quote.leading.prefix(length - ICMPv6Header.size - IPv6Header.size)))
                }
            }
        }
    }
}
