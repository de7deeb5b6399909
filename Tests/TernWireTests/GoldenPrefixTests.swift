import Testing
import TernWire

/// Cut short anywhere, a golden frame is rejected as truncated; with trailing bytes (Ethernet
/// padding) it parses exactly as before. The same holds layer by layer, and nothing traps.
@Suite struct GoldenPrefixTests {
    /// Everything `ParsedFrame.parse` read, as text (`ParsedFrame` holds no views).
    private func reading(_ bytes: [UInt8]) -> Result<String, WireError> {
        outcome { () throws(WireError) in String(reflecting: try ParsedFrame.parse(bytes)) }
    }

    @Test(arguments: GoldenCaptures.all)
    func everyPrefixIsTruncated(frame: GoldenFrame) throws {
        let full = try reading(frame.bytes).get()
        // The golden frames carry no padding: each ends where its last header says, so any
        // shorter prefix lacks bytes some header asks for.
        var wrong: [String] = []
        for length in 0..<frame.bytes.count {
            let result = reading(Array(frame.bytes[0..<length]))
            if case .failure(.truncated) = result { continue }
            wrong.append("\(length): \(result)")
        }
        #expect(wrong.isEmpty, "prefixes not rejected as truncated: \(wrong.prefix(5))")

        // With padding after the frame, prefixes that contain the whole frame read the same.
        var padded = frame.bytes
        var random = TestRandom(seed: UInt64(frame.number))
        padded += random.bytes(60)
        for length in frame.bytes.count...padded.count {
            let result = reading(Array(padded[0..<length]))
            #expect(result == .success(full), "\(length) bytes with padding")
        }
    }

    /// Every prefix of a TCP options area is either rejected as a bad option or read as the
    /// options it still holds whole; `TCPOptions.parse` always agrees with the iterator.
    @Test(arguments: GoldenCaptures.all.filter { $0.fields["tcp.option_kind"] != nil })
    func everyPrefixOfTheTCPOptions(frame: GoldenFrame) throws {
        let layers = try FrameLayers(frame.bytes)
        let options = Array(frame.bytes[try #require(layers.tcp).options])
        let all = try optionList(options)
        var boundaries = [0]
        for option in all { boundaries.append(boundaries.last! + option.encodedLength) }
        for length in 0...options.count {
            let prefix = Array(options[0..<length])
            let list: [TCPOption]?
            do { list = try optionList(prefix) } catch {
                #expect(error == .badOption)
                #expect(throws: WireError.badOption) { try optionSummary(prefix) }
                #expect(!boundaries.contains(length), "cut at an option boundary (\(length)) must read")
                continue
            }
            guard let list else { continue }
            #expect(boundaries.contains(length), "a cut inside an option (\(length)) must be rejected")
            #expect(list == Array(all.prefix(list.count)))
            #expect(try optionSummary(prefix) == summary(of: list))
        }
    }

    /// Every prefix of a TCP, UDP or ICMP message is rejected as truncated or read with the
    /// same header and a shorter payload.
    @Test(arguments: GoldenCaptures.all.filter { $0.fields["tcp.srcport"] != nil || $0.fields["udp.srcport"] != nil || $0.fields["icmp.type"] != nil })
    func everyPrefixOfTheTransportMessage(frame: GoldenFrame) throws {
        let layers = try FrameLayers(frame.bytes)
        if let tcp = layers.tcp {
            let segment = Array(frame.bytes[tcp.segment])
            for length in 0..<segment.count {
                let prefix = Array(segment[0..<length])
                let result = outcome { () throws(WireError) in
                    try withBytes(prefix) { raw throws(WireError) in
                        let s = try TCPHeader.parse(raw)
                        return (s.header, s.payload.count)
                    }
                }
                switch result {
                case .success(let (header, payload)):
                    #expect(length >= tcp.header.headerLength)
                    #expect(header == tcp.header)
                    #expect(payload == length - tcp.header.headerLength)
                case .failure(let error):
                    #expect(length < tcp.header.headerLength)
                    #expect(error == .truncated)
                }
            }
        }
        if let udp = layers.udp {
            let datagram = Array(frame.bytes[udp.datagram])
            for length in 0..<datagram.count {
                let prefix = Array(datagram[0..<length])
                #expect(throws: WireError.truncated) {
                    try withBytes(prefix) { raw throws(WireError) in _ = try UDPHeader.parse(raw) }
                }
            }
        }
        if let icmp = layers.icmp {
            let message = Array(frame.bytes[icmp.message])
            let full = try quotedDatagram(inMessage: message)
            for length in 0..<message.count {
                let prefix = Array(message[0..<length])
                let parsed = outcome { () throws(WireError) in
                    try withBytes(prefix) { raw throws(WireError) in try ICMPHeader.parse(raw).header }
                }
                if length < ICMPHeader.size {
                    #expect(parsed == .failure(.truncated))
                    continue
                }
                #expect(parsed == .success(icmp.header))
                // A quoted datagram cut short keeps its header and loses payload, until the
                // header itself no longer fits.
                guard let full else { continue }
                let quoted = try? quotedDatagram(inMessage: prefix)
                if length - ICMPHeader.size < full.header.headerLength {
                    #expect(quoted == nil)
                } else {
                    let q = try #require(quoted)
                    #expect(q.header == full.header)
                    #expect(q.leadingPayload == Array(full.leadingPayload.prefix(q.leadingPayload.count)))
                    #expect(q.leadingPayload.count == length - ICMPHeader.size - full.header.headerLength)
                }
            }
        }
    }
}
