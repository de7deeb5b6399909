import Testing
import TernWire

@Suite struct IPv6ExtensionHeaderTests {
    typealias P = IPv6Packets
    private let far = IPv6Address("2001:db8:9::9")!

    /// Hop-by-hop, destination options, routing, an atomic fragment header, destination
    /// options again, UDP: the walk finds each where it is.
    @Test func aFullChain() throws {
        let udp = try P.udp(Array("tern".utf8))
        let hbh = try P.options(next: .destinationOptions, [.routerAlert(0)])
        let dst1 = try P.options(next: .routing, [IPv6OptionTLV(type: 0x1E, data: [1, 2, 3])])
        let rh = try P.routing(next: .fragment, type: 0, segmentsLeft: 0, addresses: [far])
        let frag = try P.fragment(next: .destinationOptions, offset: 0, more: false)
        let dst2 = try P.options(next: .udp, [])
        let payload = hbh + dst1 + rh + frag + dst2 + udp
        let packet = try P.packet(first: .hopByHopOptions, payload: payload)
        let chain = try P.walk(packet).get()
        #expect(chain.headers.map(\.type) == [.hopByHopOptions, .destinationOptions, .routing, .fragment, .destinationOptions])
        #expect(chain.headers.map(\.offset) == [0, 8, 16, 40, 48])
        #expect(chain.upperLayer == .udp)
        #expect(chain.upperLayerOffset == 56)
        #expect(chain.upperLayerPointer == 40 + 48)
        #expect(chain.routing == IPv6RoutingHeader(nextHeader: .fragment, routingType: 0, segmentsLeft: 0, length: 24))
        #expect(chain.fragment?.isFragment == false)
        #expect(!chain.isLaterFragment)
        #expect(chain.routedFinalDestination == nil)
        #expect(chain.headers.first(.routing)?.offset == 16)
        #expect(chain.headers.first(.authenticationHeader) == nil)
        #expect(P.disposition(packet) == .process)
        #expect(try P.walkStructure(packet).get() == chain)

        // The whole-frame parser reads through it all to the UDP datagram.
        let frame = [UInt8](repeating: 0, count: 12) + [0x86, 0xDD] + packet
        let parsed = try ParsedFrame.parse(frame)
        guard case .ipv6(_, let parsedChain, .udp(let h, true, 4)) = parsed.network else {
            Issue.record("read as \(parsed.network)")
            return
        }
        #expect(parsedChain == chain && h.destinationPort == 7)
        #expect(parsed.description == "IP6 2001:db8::1.4000 > 2001:db8::2.7: HBH DSTOPT srcrt (type 0, segleft 0) frag (0|20) DSTOPT UDP, length 4")
    }

    @Test func optionsHeadersArePaddedToEightBytes() throws {
        // Nothing but padding: PadN covering 6 bytes.
        #expect(try P.options(next: .udp, []) == [17, 0, 1, 4, 0, 0, 0, 0])
        // 2 + 5 bytes: one Pad1.
        #expect(try P.options(next: .tcp, [IPv6OptionTLV(type: 0x1E, data: [1, 2, 3])]) == [6, 0, 0x1E, 3, 1, 2, 3, 0])
        // 2 + 6 bytes: no padding.
        #expect(try P.options(next: .tcp, [IPv6OptionTLV(type: 0x1E, data: [1, 2, 3, 4])]) == [6, 0, 0x1E, 4, 1, 2, 3, 4])
        // Router alert then PadN(0), as Linux sends MLD reports.
        #expect(try P.options(next: .icmpv6, [.routerAlert(0)]) == [58, 0, 5, 2, 0, 0, 1, 0])
        // 2 + 7: padded to 16 with a PadN of 7 bytes.
        let long = try P.options(next: .udp, [IPv6OptionTLV(type: 0x1E, data: [1, 2, 3, 4, 5])])
        #expect(long == [17, 1, 0x1E, 5, 1, 2, 3, 4, 5, 1, 5, 0, 0, 0, 0, 0])
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(throws: WireError.badOption) {
            try buffer.withUnsafeMutableBytes { _ = try IPv6OptionsHeader.write(nextHeader: .udp, options: [IPv6OptionTLV(type: 0, data: [1])], to: $0) }
        }
        #expect(throws: WireError.bufferTooSmall) {
            try buffer.withUnsafeMutableBytes { _ = try IPv6OptionsHeader.write(nextHeader: .udp, options: [.routerAlert(0), .routerAlert(1)], to: $0) }
        }
    }

    /// Each option in order, padding included; malformed areas are refused.
    @Test func optionIteration() throws {
        func options(_ header: [UInt8]) -> Result<[UInt8], WireError> {
            outcome { () throws(WireError) in
                try withBytes(header) { raw throws(WireError) in
                    var iterator = IPv6OptionIterator(header: raw)
                    var types: [UInt8] = []
                    while let option = try iterator.next() {
                        types.append(option.type)
                        #expect(option.encodedLength == (option.type == 0 ? 1 : 2 + option.data.count))
                    }
                    return types
                }
            }
        }
        #expect(options([17, 0, 0, 0, 5, 2, 0, 0]) == .success([0, 0, 5]))
        #expect(options([17, 0, 1, 4, 0, 0, 0, 0]) == .success([1]))
        #expect(options([17, 0, 0xC2, 4, 0, 1, 0, 0]) == .success([0xC2]))
        // PadN with something in it.
        #expect(options([17, 0, 1, 4, 0, 0, 9, 0]) == .failure(.badOption))
        // Eight bytes of padding in a row.
        #expect(options([17, 1, 1, 6, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0]) == .failure(.badOption))
        #expect(options([17, 1, 1, 3, 0, 0, 0, 0, 0x1E, 2, 0, 0, 1, 2, 0, 0]) == .success([1, 0, 0x1E, 1]))
        // An option running past the header, and a length byte that is not there.
        #expect(options([17, 0, 0x1E, 6, 0, 0, 0, 0]) == .failure(.badOption))
        #expect(options([17, 0, 0, 0, 0, 0, 0, 0x1E]) == .failure(.badOption))
        // The action bits and the may-change bit.
        let read = try withBytes([17, 0, 0xFE, 0, 0x3E, 0, 0x7E, 0]) { raw throws(WireError) in
            var iterator = IPv6OptionIterator(header: raw)
            var result: [(IPv6OptionAction, Bool, Int)] = []
            while let option = try iterator.next() { result.append((option.action, option.mayChange, option.offset)) }
            return result
        }
        #expect(read.map(\.0) == [.discardAndReportUnlessMulticast, .skip, .discard])
        #expect(read.map(\.1) == [true, true, true])
        #expect(read.map(\.2) == [2, 4, 6])
    }

    /// RFC 8200 §4.2: what to do with an option of unknown type, by its top two bits.
    @Test(arguments: [(UInt8(0x1E), false, IPv6HeaderDisposition.process),
                      (0x5E, false, .discard),
                      (0x9E, false, .discardAndReport(code: .unrecognizedOption, pointer: 42)),
                      (0x9E, true, .discardAndReport(code: .unrecognizedOption, pointer: 42)),
                      (0xDE, false, .discardAndReport(code: .unrecognizedOption, pointer: 42)),
                      (0xDE, true, .discard)])
    func unknownOptions(type: UInt8, multicast: Bool, expected: IPv6HeaderDisposition) throws {
        let destination = multicast ? IPv6Address.allNodes : P.destination
        let udp = try P.udp([1], destination: destination)
        let packet = try P.packet(first: .destinationOptions,
                                  payload: try P.options(next: .udp, [IPv6OptionTLV(type: type, data: [0, 0])]) + udp,
                                  destination: destination)
        #expect(P.disposition(packet) == expected)
        // An option the node recognises is processed whatever its bits.
        #expect(P.disposition(packet, recognizes: { $0 == type }) == .process)
        // In a hop-by-hop header, the pointer is the same: both start right after the fixed header.
        let hbh = try P.packet(first: .hopByHopOptions,
                               payload: try P.options(next: .udp, [IPv6OptionTLV(type: type, data: [0, 0])]) + udp,
                               destination: destination)
        #expect(P.disposition(hbh) == expected)
    }

    @Test func theOptionsOfASecondHeaderPointIntoIt() throws {
        let packet = try P.packet(first: .hopByHopOptions, payload:
            try P.options(next: .destinationOptions, [.routerAlert(0)])
            + P.options(next: .udp, [IPv6OptionTLV(type: 0x1E, data: []), IPv6OptionTLV(type: 0x80, data: [])])
            + P.udp([]))
        // Header at 40 + 8, option at 2 + 2 within it.
        #expect(P.disposition(packet) == .discardAndReport(code: .unrecognizedOption, pointer: 52))
    }

    /// RFC 8200 §4.4 and RFC 5095: a routing header with segments left is refused (pointing
    /// at its type), without is ignored.
    @Test func routingHeaders() throws {
        let udp = try P.udp([1, 2, 3])
        let refused = try P.packet(first: .routing, payload: try P.routing(next: .udp, type: 0, segmentsLeft: 1, addresses: [far]) + udp)
        #expect(P.disposition(refused) == .discardAndReport(code: .erroneousHeaderField, pointer: 42))
        let chain = try P.walk(refused).get()
        #expect(chain.routing?.isType0 == true)
        #expect(chain.routing?.disposition(headerPointer: 40, implements: { _ in true })
                == .discardAndReport(code: .erroneousHeaderField, pointer: 42), "RH0 is never implemented")
        #expect(chain.routedFinalDestination == far)
        #expect(chain.pseudoHeaderDestination(IPv6Header(payloadLength: 0, nextHeader: .routing, hopLimit: 1,
                                                           source: P.source, destination: P.destination)) == far)

        let ignored = try P.packet(first: .routing, payload: try P.routing(next: .udp, type: 0, segmentsLeft: 0, addresses: [far]) + udp)
        #expect(P.disposition(ignored) == .process)
        #expect(try P.walk(ignored).get().routedFinalDestination == nil)

        // Type 2 (Mobile IPv6's home address) processed by a node that implements it.
        let type2 = try P.packet(first: .routing, payload: try P.routing(next: .udp, type: 2, segmentsLeft: 1, addresses: [far]) + udp)
        let chain2 = try P.walk(type2).get()
        #expect(chain2.routing?.disposition(headerPointer: 40, implements: { $0 == 2 }) == .process)
        #expect(P.disposition(type2) == .discardAndReport(code: .erroneousHeaderField, pointer: 42))

        // The upper-layer checksum of a routed packet covers the final destination.
        let last = IPv6Address("2001:db8:9::99")!
        let routed = try P.packet(first: .routing, payload:
            try P.routing(next: .udp, type: 0, segmentsLeft: 2, addresses: [far, last]) + P.udp([9], destination: last))
        let frame = [UInt8](repeating: 0, count: 12) + [0x86, 0xDD] + routed
        guard case .ipv6(_, let c, .udp(_, true, 1)) = try ParsedFrame.parse(frame).network else {
            Issue.record("the routed datagram's checksum does not verify")
            return
        }
        #expect(c.routedFinalDestination == last)
    }

    @Test func routingAndFragmentHeadersRoundTrip() throws {
        let header = IPv6FragmentHeader(nextHeader: .tcp, fragmentOffset: 0x1FFF, moreFragments: true,
                                        identification: 0xDEAD_BEEF, reserved: 0xA5, reservedBits: 3)
        var bytes = [UInt8](repeating: 0, count: 8)
        try bytes.withUnsafeMutableBytes { _ = try header.write(to: $0) }
        #expect(bytes == [6, 0xA5, 0xFF, 0xFF, 0xDE, 0xAD, 0xBE, 0xEF])
        #expect(try withBytes(bytes) { raw throws(WireError) in try IPv6FragmentHeader.parse(raw) } == header)
        #expect(header.fragmentByteOffset == 65528)
        var tooFar = header
        tooFar.fragmentOffset = 0x2000
        #expect(throws: WireError.badLength) { try bytes.withUnsafeMutableBytes { _ = try tooFar.write(to: $0) } }
        #expect(throws: WireError.truncated) { try withBytes(Array(bytes[0..<7])) { raw throws(WireError) in try IPv6FragmentHeader.parse(raw) } }

        let rh = try P.routing(next: .tcp, type: 0, segmentsLeft: 1, addresses: [far, P.destination])
        #expect(rh.count == 40 && rh[1] == 4)
        let (parsed, data) = try withBytes(rh) { raw throws(WireError) in
            let (h, d) = try IPv6RoutingHeader.parse(raw)
            return (h, Array(d))
        }
        #expect(parsed == IPv6RoutingHeader(nextHeader: .tcp, routingType: 0, segmentsLeft: 1, length: 40))
        #expect(data == [0, 0, 0, 0] + far.bytes + P.destination.bytes)
        #expect(throws: WireError.truncated) { try withBytes(Array(rh[0..<39])) { raw throws(WireError) in _ = try IPv6RoutingHeader.parse(raw) } }
        var small = [UInt8](repeating: 0, count: 64)
        #expect(throws: WireError.badLength) {
            try small.withUnsafeMutableBytes { b in try [UInt8](repeating: 0, count: 5).withUnsafeBytes { _ = try parsed.write(to: b, data: $0) } }
        }
    }

    /// The fragment rules a receiver applies, with the pointers Linux uses.
    @Test func fragments() throws {
        let udp = try P.udp(Array(repeating: 7, count: 24))   // 32 bytes
        // A later fragment: the walk stops at the fragment header; what follows is data.
        let later = try P.walk(try P.packet(first: .fragment, payload: try P.fragment(next: .udp, offset: 4, more: true) + Array(udp[0..<16]))).get()
        #expect(later.isLaterFragment && later.upperLayer == .udp && later.upperLayerOffset == 8)
        #expect(later.fragment?.fragmentByteOffset == 32)
        // A first fragment with the whole UDP header.
        let first = try P.walk(try P.packet(first: .fragment, payload: try P.fragment(next: .udp, offset: 0, more: true) + Array(udp[0..<16]))).get()
        #expect(!first.isLaterFragment && first.fragment?.isFragment == true && first.upperLayerOffset == 8)
        // RFC 7112: a first fragment without the upper-layer header. (Structure alone is fine.)
        let incomplete = try P.packet(first: .fragment, payload: try P.fragment(next: .tcp, offset: 0, more: true) + Array(udp[0..<16]))
        #expect(P.walk(incomplete) == .failure(IPv6ChainError(.truncated, pointer: 0, parameterProblem: .incompleteHeaderChain)))
        #expect(P.disposition(incomplete) == .discardAndReport(code: .incompleteHeaderChain, pointer: 0))
        #expect((try? P.walkStructure(incomplete).get()) != nil)
        let cutChain = try P.packet(first: .fragment, payload: try P.fragment(next: .destinationOptions, offset: 0, more: true)
                                    + [17, 1, 1, 4, 0, 0, 0, 0])
        #expect(P.walk(cutChain) == .failure(IPv6ChainError(.truncated, pointer: 0, parameterProblem: .incompleteHeaderChain)))
        // Not the last, and not a multiple of 8 bytes: pointer at the payload length.
        let ragged = try P.packet(first: .fragment, payload: try P.fragment(next: .udp, offset: 0, more: true) + Array(udp[0..<13]))
        #expect(P.walk(ragged) == .failure(IPv6ChainError(.badLength, pointer: 4, parameterProblem: .erroneousHeaderField)))
        #expect((try? P.walkStructure(ragged).get()) != nil)
        // Reaching past 65,535 bytes: pointer at the fragment offset field.
        let past = try P.packet(first: .destinationOptions, payload: try P.options(next: .fragment, [])
                                + P.fragment(next: .udp, offset: 8190, more: false) + Array(udp[0..<24]))
        #expect(P.walk(past) == .failure(IPv6ChainError(.badLength, pointer: 50, parameterProblem: .erroneousHeaderField)))
        // Two fragment headers.
        let twice = try P.packet(first: .fragment, payload: try P.fragment(next: .fragment, offset: 0, more: false)
                                 + P.fragment(next: .udp, offset: 0, more: false) + udp)
        #expect(P.walk(twice) == .failure(IPv6ChainError(.malformed, pointer: 48, parameterProblem: nil)))
        // Only the headers before the fragment header are judged per fragment.
        let unknownAfter = try P.packet(first: .fragment, payload: try P.fragment(next: IPProtocol(rawValue: 253), offset: 0, more: true) + udp)
        #expect(P.disposition(unknownAfter) == .process)
    }

    @Test func chainFaults() throws {
        let udp = try P.udp([1])
        // Hop-by-hop after another header: "unrecognised next header" at the field naming it.
        let late = try P.packet(first: .destinationOptions, payload: try P.options(next: .hopByHopOptions, [])
                                + P.options(next: .udp, []) + udp)
        #expect(P.walk(late) == .failure(IPv6ChainError(.malformed, pointer: 40, parameterProblem: .unrecognizedNextHeader)))
        // An extension header cut short: dropped without a word, pointing at its length.
        let cut = try P.packet(first: .destinationOptions, payload: [17, 2, 1, 4, 0, 0, 0, 0])
        #expect(P.walk(cut) == .failure(IPv6ChainError(.truncated, pointer: 41, parameterProblem: nil)))
        // A header missing or shorter than 8 bytes: pointing at the field that names it.
        let tiny = try P.packet(first: .routing, payload: [17, 0, 0, 0])
        #expect(P.walk(tiny) == .failure(IPv6ChainError(.truncated, pointer: 6, parameterProblem: nil)))
        let missing = try P.packet(first: .destinationOptions, payload: try P.options(next: .routing, []))
        #expect(P.walk(missing) == .failure(IPv6ChainError(.truncated, pointer: 40, parameterProblem: nil)))
        // Malformed options: dropped.
        let badOptions = try P.packet(first: .destinationOptions, payload: [17, 0, 1, 4, 0, 1, 0, 0] + udp)
        #expect(P.walk(badOptions) == .failure(IPv6ChainError(.badOption, pointer: 40, parameterProblem: nil)))
        #expect(P.disposition(badOptions) == .discard)
        // Too many headers.
        var payload = udp
        var next = IPProtocol.udp
        for _ in 0..<9 {
            payload = try P.options(next: next, []) + payload
            next = .destinationOptions
        }
        let long = try P.packet(first: .destinationOptions, payload: payload)
        #expect(P.walk(long) == .failure(IPv6ChainError(.malformed, pointer: 40 + 64, parameterProblem: nil)))
        #expect(P.walk(long, limits: IPv6HeaderChain.Limits(maximumHeaders: 2))
                == .failure(IPv6ChainError(.malformed, pointer: 40 + 16, parameterProblem: nil)))
        let eight = try P.packet(first: .destinationOptions, payload: Array(payload[8...]))
        #expect(try P.walk(eight).get().headers.count == 8)
        // An unknown upper layer: "unrecognised next header" at the field naming it.
        let unknown = try P.packet(first: .destinationOptions, payload: try P.options(next: IPProtocol(rawValue: 253), []) + [1, 2, 3])
        #expect(P.disposition(unknown) == .discardAndReport(code: .unrecognizedNextHeader, pointer: 40))
        let bare = try P.packet(first: IPProtocol(rawValue: 253), payload: [1, 2, 3])
        #expect(P.disposition(bare) == .discardAndReport(code: .unrecognizedNextHeader, pointer: 6))
        #expect(P.disposition(try P.packet(first: .noNextHeader, payload: [])) == .process)
    }

    /// Every prefix of a packet's extension headers is refused as truncated (with code 3
    /// once inside a first fragment) until the whole chain is there; then it walks to the same
    /// headers.
    @Test func everyPrefixOfAChain() throws {
        let chainBytes = try P.options(next: .routing, [.routerAlert(0)])
            + P.routing(next: .destinationOptions, type: 0, segmentsLeft: 0, addresses: [far])
            + P.options(next: .fragment, [IPv6OptionTLV(type: 0x1E, data: Array(repeating: 0, count: 9))])
            + P.fragment(next: .destinationOptions, offset: 0, more: true)
            + P.options(next: .udp, [])
        let udp = try P.udp(Array(repeating: 1, count: 8))
        let whole = chainBytes + udp
        let full = try whole.withUnsafeBytes { raw in try IPv6HeaderChain.walkStructure(raw, first: .hopByHopOptions) }
        let fragmentHeaderEnd = full.headers[3].offset + 8
        func walk(_ bytes: [UInt8], structureOnly: Bool) -> Result<IPv6HeaderChain, IPv6ChainError> {
            bytes.withUnsafeBytes { raw in
                do throws(IPv6ChainError) {
                    return .success(structureOnly ? try IPv6HeaderChain.walkStructure(raw, first: .hopByHopOptions)
                                                  : try IPv6HeaderChain.walk(raw, first: .hopByHopOptions))
                } catch { return .failure(error) }
            }
        }
        for length in 0...whole.count {
            let prefix = Array(whole[0..<length])
            let received = walk(prefix, structureOnly: false)
            let structure = walk(prefix, structureOnly: true)
            if length < full.upperLayerOffset {
                guard case .failure(let error) = structure else {
                    Issue.record("a chain cut at \(length) walks")
                    continue
                }
                #expect(error.error == .truncated)
                #expect(error.parameterProblem == nil)
                if length >= fragmentHeaderEnd {
                    #expect(received == .failure(IPv6ChainError(.truncated, pointer: 0, parameterProblem: .incompleteHeaderChain)))
                }
            } else {
                #expect(structure == .success(full), "cut at \(length)")
                // The receiver also wants the UDP header (8 bytes), and whole 8-byte blocks
                // of data in a fragment that is not the last.
                let data = length - full.headers[3].offset - 8
                if length - full.upperLayerOffset < 8 {
                    #expect(received == .failure(IPv6ChainError(.truncated, pointer: 0, parameterProblem: .incompleteHeaderChain)))
                } else if data % 8 != 0 {
                    #expect(received == .failure(IPv6ChainError(.badLength, pointer: 4, parameterProblem: .erroneousHeaderField)))
                } else {
                    #expect(received == .success(full))
                }
            }
        }
    }
}
