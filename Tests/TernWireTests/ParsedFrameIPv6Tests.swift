import Testing
import TernWire

/// The whole-frame parser over IPv6: what the golden captures do not show.
@Suite struct ParsedFrameIPv6Tests {
    private let router = IPv6Address("fe80::1")!, host = IPv6Address("2001:db8::2")!
    private let routerMAC = MACAddress(0x02, 0, 0, 0, 0, 1)

    private func frame(_ packet: [UInt8]) -> [UInt8] {
        [0x33, 0x33, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 1, 0x86, 0xDD] + packet
    }

    private func icmp(_ header: ICMPv6Header, body: [UInt8] = [], source: IPv6Address, destination: IPv6Address,
                      hopLimit: UInt8 = 64) throws -> [UInt8] {
        var message = [UInt8](repeating: 0, count: 8) + body
        try message.withUnsafeMutableBytes { _ = try header.write(to: $0, source: source, destination: destination) }
        return frame(try IPv6Packets.packet(first: .icmpv6, payload: message, hopLimit: hopLimit, source: source, destination: destination))
    }

    private func ndp(_ message: NDPMessage, _ options: [NDPOption], source: IPv6Address, destination: IPv6Address) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 200)
        let n = try bytes.withUnsafeMutableBytes { try message.write(to: $0, options: options, source: source, destination: destination) }
        return frame(try IPv6Packets.packet(first: .icmpv6, payload: Array(bytes[0..<n]), hopLimit: 255, source: source, destination: destination))
    }

    @Test func descriptions() throws {
        let echo = try icmp(.echo(.echoRequest, identifier: 7, sequence: 1), body: [1, 2, 3], source: router, destination: host)
        #expect(try ParsedFrame.parse(echo).description == "IP6 fe80::1 > 2001:db8::2: ICMP6, echo request, id 7, seq 1, length 11")
        let ns = try ndp(.neighborSolicitation(NDPNeighborSolicitation(target: host)), [.sourceLinkLayerAddress(routerMAC)],
                         source: router, destination: host.solicitedNodeMulticast)
        #expect(try ParsedFrame.parse(ns).description
                == "IP6 fe80::1 > ff02::1:ff00:2: ICMP6, neighbor solicitation, who has 2001:db8::2, source link-address 02:00:00:00:00:01, length 32")
        let na = try ndp(.neighborAdvertisement(NDPNeighborAdvertisement(flags: [.router, .solicited, .override], target: router)),
                         [.targetLinkLayerAddress(routerMAC)], source: router, destination: host)
        #expect(try ParsedFrame.parse(na).description
                == "IP6 fe80::1 > 2001:db8::2: ICMP6, neighbor advertisement, tgt is fe80::1 [RSO], target link-address 02:00:00:00:00:01, length 32")
        let prefix = NDPPrefixInformation(prefix: IPv6Address("2001:db8::")!, prefixLength: 64, onLink: true, autonomous: true,
                                          validLifetime: 100, preferredLifetime: 50)
        let ra = try ndp(.routerAdvertisement(NDPRouterAdvertisement(currentHopLimit: 64, flags: [.managedAddressConfiguration, .otherConfiguration],
                                                                      routerLifetime: 1800)),
                         [.sourceLinkLayerAddress(routerMAC), .mtu(1500), .prefixInformation(prefix)], source: router, destination: .allNodes)
        #expect(try ParsedFrame.parse(ra).description
                == "IP6 fe80::1 > ff02::1: ICMP6, router advertisement, hop limit 64, lifetime 1800s, managed, other stateful, source link-address 02:00:00:00:00:01, mtu 1500, 1 prefix info, length 64")
        let rs = try ndp(.routerSolicitation(NDPRouterSolicitation()), [], source: router, destination: .allRouters)
        #expect(try ParsedFrame.parse(rs).description == "IP6 fe80::1 > ff02::2: ICMP6, router solicitation, length 8")
        let ptb = try icmp(.packetTooBig(mtu: 1280), source: router, destination: host)
        #expect(try ParsedFrame.parse(ptb).description == "IP6 fe80::1 > 2001:db8::2: ICMP6, packet too big, mtu 1280, length 8")
        let problem = try icmp(.parameterProblem(.unrecognizedNextHeader, pointer: 6), source: router, destination: host)
        #expect(try ParsedFrame.parse(problem).description
                == "IP6 fe80::1 > 2001:db8::2: ICMP6, parameter problem, unrecognized next header, pointer 6, length 8")
        let unreachable = try icmp(.destinationUnreachable(.port), source: router, destination: host)
        #expect(try ParsedFrame.parse(unreachable).description
                == "IP6 fe80::1 > 2001:db8::2: ICMP6, destination unreachable, unreachable port, length 8")

        let first = frame(try IPv6Packets.packet(first: .fragment, payload: try IPv6Packets.fragment(next: .udp, offset: 0, more: true, id: 9)
                                                 + [UInt8](repeating: 0, count: 16)))
        #expect(try ParsedFrame.parse(first).description == "IP6 2001:db8::1 > 2001:db8::2: frag (0|16) UDP")
        guard case .ipv6(_, _, .firstFragment(.udp, 16)) = try ParsedFrame.parse(first).network else {
            Issue.record("a first fragment read otherwise")
            return
        }
        let later = frame(try IPv6Packets.packet(first: .fragment, payload: try IPv6Packets.fragment(next: .udp, offset: 2, more: false, id: 9)
                                                 + [0xFF, 0xFF, 0xFF]))
        #expect(try ParsedFrame.parse(later).description == "IP6 2001:db8::1 > 2001:db8::2: frag (16|3)")
        guard case .ipv6(_, _, .laterFragment(3)) = try ParsedFrame.parse(later).network else {
            Issue.record("a later fragment read otherwise")
            return
        }
        let other = frame(try IPv6Packets.packet(first: .noNextHeader, payload: [1, 2]))
        #expect(try ParsedFrame.parse(other).description == "IP6 2001:db8::1 > 2001:db8::2: no next header, length 2")
    }

    @Test func badChecksumsAreReportedNotThrown() throws {
        var echo = try icmp(.echo(.echoReply, identifier: 1, sequence: 1), source: router, destination: host)
        echo[echo.count - 1] ^= 1
        let parsed = try ParsedFrame.parse(echo)
        guard case .ipv6(_, _, .icmpv6(_, nil, false, 0)) = parsed.network else {
            Issue.record("read as \(parsed.network)")
            return
        }
        #expect(parsed.description.hasSuffix("[bad ICMP6 checksum]"))
        // A UDP datagram with no checksum is bad over IPv6.
        var udp = try IPv6Packets.udp([1, 2, 3])
        udp[6] = 0
        udp[7] = 0
        let noChecksum = try ParsedFrame.parse(frame(try IPv6Packets.packet(first: .udp, payload: udp)))
        guard case .ipv6(_, _, .udp(_, false, 3)) = noChecksum.network else {
            Issue.record("read as \(noChecksum.network)")
            return
        }
    }

    @Test func aMalformedLayerFailsTheWholeFrame() throws {
        // Neighbor Discovery with an option of length 0.
        var ns = try ndp(.neighborSolicitation(NDPNeighborSolicitation(target: host)), [.sourceLinkLayerAddress(routerMAC)],
                         source: router, destination: host.solicitedNodeMulticast)
        ns[ns.count - 7] = 0
        #expect(throws: WireError.badOption) { try ParsedFrame.parse(ns) }
        // Neighbor Discovery with a non-zero code.
        var coded = try ndp(.routerSolicitation(NDPRouterSolicitation()), [], source: router, destination: .allRouters)
        coded[14 + 40 + 1] = 1
        #expect(throws: WireError.malformed) { try ParsedFrame.parse(coded) }
        // Hop-by-hop options after another header.
        let late = frame(try IPv6Packets.packet(first: .destinationOptions, payload: try IPv6Packets.options(next: .hopByHopOptions, [])
                                                + IPv6Packets.options(next: .noNextHeader, [])))
        #expect(throws: WireError.malformed) { try ParsedFrame.parse(late) }
        // An extension header longer than the packet.
        let cut = frame(try IPv6Packets.packet(first: .destinationOptions, payload: [59, 1, 1, 4, 0, 0, 0, 0]))
        #expect(throws: WireError.truncated) { try ParsedFrame.parse(cut) }
        // ICMPv6 shorter than 8 bytes.
        let short = frame(try IPv6Packets.packet(first: .icmpv6, payload: [128, 0, 0, 0]))
        #expect(throws: WireError.truncated) { try ParsedFrame.parse(short) }
        // Not version 6.
        var v4 = try icmp(.echo(.echoRequest, identifier: 1, sequence: 1), source: router, destination: host)
        v4[14] = 0x45
        #expect(throws: WireError.malformed) { try ParsedFrame.parse(v4) }
        // A fragment a receiver refuses (ragged, not the last) is still shown.
        let ragged = frame(try IPv6Packets.packet(first: .fragment, payload: try IPv6Packets.fragment(next: .udp, offset: 0, more: true)
                                                  + [UInt8](repeating: 0, count: 13)))
        #expect(try ParsedFrame.parse(ragged).description == "IP6 2001:db8::1 > 2001:db8::2: frag (0|13) UDP")
    }
}
