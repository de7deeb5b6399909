import Testing
import TernWire

/// Our parsers read every field of every golden IPv6 frame exactly as tshark does, quoted
/// packets included, and the whole-frame parser agrees with the per-layer ones.
@Suite struct GoldenIPv6FieldTests {
    @Test func ipv6CapturesHoldEveryKind() throws {
        let parsed = try GoldenCaptures.ipv6.map { (frame: $0, parsed: try ParsedFrame.parse($0.bytes)) }
        #expect(parsed.count >= 80)

        func count(_ matches: (ParsedFrame.Network) -> Bool) -> Int { parsed.filter { matches($0.parsed.network) }.count }
        func icmp(_ type: ICMPv6Type, code: UInt8? = nil) -> Int {
            count {
                if case .ipv6(_, _, .icmpv6(let h, _, _, _)) = $0 { h.type == type && (code == nil || h.code == code) } else { false }
            }
        }
        func ndp(_ matches: (ParsedFrame.NeighborDiscovery) -> Bool) -> Int {
            count { if case .ipv6(_, _, .icmpv6(_, let n?, _, _)) = $0 { matches(n) } else { false } }
        }
        #expect(icmp(.echoRequest) >= 6)
        #expect(icmp(.echoReply) >= 6)
        #expect(icmp(.routerSolicitation) >= 2)
        #expect(icmp(.routerAdvertisement) >= 2)
        #expect(icmp(.neighborSolicitation) >= 4)
        #expect(icmp(.neighborAdvertisement) >= 3)
        #expect(icmp(.multicastListenerReportV2) >= 2)
        #expect(icmp(.destinationUnreachable, code: ICMPv6UnreachableCode.port.rawValue) >= 2)
        #expect(icmp(.packetTooBig) >= 1)
        #expect(icmp(.timeExceeded, code: 0) >= 1)
        for code in ICMPv6ParameterProblemCode.allCases {
            #expect(icmp(.parameterProblem, code: code.rawValue) >= 1, "a parameter problem with code \(code)")
        }
        #expect(ndp { if case .neighborSolicitation = $0.message { $0.options.sourceLinkLayerAddress == nil } else { false } } >= 2,
                "duplicate address detection (no source link-layer address)")
        #expect(ndp { $0.options.sourceLinkLayerAddress != nil } >= 4)
        #expect(ndp { $0.options.targetLinkLayerAddress != nil } >= 3)
        #expect(ndp { $0.options.prefixInformationCount == 1 && $0.options.mtu == 1500 } >= 2)
        #expect(count { if case .ipv6(_, _, .udp) = $0 { true } else { false } } >= 3)
        #expect(count {
            if case .ipv6(_, _, .tcp(let h, let o, _, _)) = $0 {
                h.flags.contains(.syn) && o.maximumSegmentSize != nil && o.sackPermitted && o.timestamps != nil && o.windowScale != nil
            } else { false }
        } >= 2)
        #expect(count { if case .ipv6(_, _, .tcp(let h, _, _, _)) = $0 { h.flags.contains(.fin) } else { false } } >= 2)
        #expect(count { if case .ipv6(_, _, .firstFragment) = $0 { true } else { false } } >= 4)
        #expect(count { if case .ipv6(_, _, .laterFragment) = $0 { true } else { false } } >= 4)
        func headers(_ type: IPProtocol) -> Int {
            count { if case .ipv6(_, let chain, _) = $0 { chain.headers.first(type) != nil } else { false } }
        }
        #expect(headers(.hopByHopOptions) >= 3)
        #expect(headers(.destinationOptions) >= 2)
        #expect(headers(.routing) >= 2)
        #expect(headers(.fragment) >= 10)
    }

    @Test(arguments: GoldenCaptures.ipv6)
    func parserReadsWhatTsharkReads(frame: GoldenFrame) throws {
        let ours = IPv6FieldReader(frame: frame.bytes)
        #expect(ours.problems.isEmpty, "\(frame.testDescription): \(ours.problems)")
        for name in Set(frame.fields.keys).union(ours.fields.keys) where name != "frame.number" {
            let theirs = frame.fields[name] ?? []
            let mine = ours.fields[name] ?? []
            #expect(theirs.count == mine.count, "\(frame.testDescription) \(name): tshark \(theirs), ours \(mine)")
            for (t, m) in zip(theirs, mine) {
                #expect(Self.agree(name, tshark: t, ours: m), "\(frame.testDescription) \(name): tshark \(theirs), ours \(mine)")
            }
        }
    }

    /// tshark writes numbers in decimal or hex and checksum verdicts as 0–3.
    private static func agree(_ name: String, tshark: String, ours: String) -> Bool {
        if name.hasSuffix(".checksum.status") {
            switch tshark {
            case "1": return ours == "1"
            case "2", "3": return ours != "0"   // not verified or absent: we must not call it bad
            default: return ours == tshark
            }
        }
        if let t = GoldenFrame.parseInteger(tshark), let o = GoldenFrame.parseInteger(ours) { return t == o }
        return tshark == ours
    }

    /// The whole-frame parser reads each frame as the per-layer parsers do.
    @Test(arguments: GoldenCaptures.ipv6)
    func wholeFrameParserAgreesWithTheLayers(frame: GoldenFrame) throws {
        let parsed = try ParsedFrame.parse(frame.bytes)
        let layers = try FrameLayers(frame.bytes)
        let ip = try #require(layers.ipv6)
        guard case .ipv6(let header, let chain, let transport) = parsed.network else {
            Issue.record("\(frame.testDescription) read as \(parsed.network)")
            return
        }
        #expect(header == ip.header)
        #expect(chain == ip.chain)
        switch transport {
        case .icmpv6(let h, let ndp, let valid, let payloadLength):
            let m = try #require(layers.icmpv6)
            #expect(h == m.header)
            #expect(valid == m.checksumValid && valid)
            #expect(payloadLength == m.payload.count)
            #expect(ndp?.message == m.ndp)
        case .udp(let h, let valid, let payloadLength):
            let d = try #require(layers.udp)
            #expect(h == d.header)
            #expect(valid == d.checksumValid && valid)
            #expect(payloadLength == d.payload.count)
        case .tcp(let h, _, let valid, let payloadLength):
            let s = try #require(layers.tcp)
            #expect(h == s.header)
            #expect(valid == s.checksumValid && valid)
            #expect(payloadLength == s.payload.count)
        case .firstFragment(let proto, let payloadLength):
            #expect(proto == ip.chain.upperLayer)
            #expect(payloadLength == ip.upperLayer.count)
            #expect(ip.chain.fragment?.moreFragments == true)
        case .laterFragment(let payloadLength):
            #expect(ip.chain.isLaterFragment)
            #expect(payloadLength == ip.upperLayer.count)
        case .other(let proto, _):
            #expect(proto == ip.chain.upperLayer)
            #expect(proto.rawValue == 253, "only the experimental next header is left unread")
        case .icmp:
            Issue.record("ICMP for IPv4 inside IPv6")
        }
    }
}

extension ICMPv6ParameterProblemCode: CaseIterable {
    public static let allCases: [ICMPv6ParameterProblemCode] = [
        .erroneousHeaderField, .unrecognizedNextHeader, .unrecognizedOption, .incompleteHeaderChain,
    ]
}
