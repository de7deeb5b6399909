import Testing
import TernWire

@Suite struct NDPTests {
    private let router = IPv6Address("fe80::1")!, host = IPv6Address("fe80::54:45ff:fe52:4e01")!
    private let routerMAC = MACAddress(0x02, 0, 0, 0, 0, 1), hostMAC = MACAddress(0x02, 0x54, 0x45, 0x52, 0x4E, 0x01)
    private let prefix = NDPPrefixInformation(prefix: IPv6Address("2001:db8:1::")!, prefixLength: 64, onLink: true,
                                              autonomous: true, validLifetime: 86400, preferredLifetime: 14400)

    private func build(_ message: NDPMessage, options: [NDPOption], source: IPv6Address, destination: IPv6Address) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0xEE, count: 400)
        let n = try bytes.withUnsafeMutableBytes { try message.write(to: $0, options: options, source: source, destination: destination) }
        #expect(n == message.fixedLength + options.reduce(0) { $0 + $1.encodedLength })
        return Array(bytes[0..<n])
    }

    private func parse(_ bytes: [UInt8], source: IPv6Address, destination: IPv6Address, hopLimit: UInt8 = 255)
        throws(WireError) -> (message: NDPMessage, options: [NDPOption], summary: NDPOptions, checksumValid: Bool, valid: Bool) {
        try withBytes(bytes) { raw throws(WireError) in
            let m = try ICMPv6Header.parse(raw)
            let packet = try NDPMessage.parse(m)
            let ip = IPv6Header(payloadLength: UInt16(bytes.count), nextHeader: .icmpv6, hopLimit: hopLimit,
                                source: source, destination: destination)
            return (packet.message, try packet.decodedOptions(), packet.summary,
                    m.isChecksumValid(source: source, destination: destination), packet.isValid(in: ip))
        }
    }

    private var messages: [(NDPMessage, [NDPOption], IPv6Address, IPv6Address)] {
        [
            (.routerSolicitation(NDPRouterSolicitation()), [.sourceLinkLayerAddress(hostMAC)], host, .allRouters),
            (.routerSolicitation(NDPRouterSolicitation()), [], .unspecified, .allRouters),
            (.routerAdvertisement(NDPRouterAdvertisement(currentHopLimit: 64, flags: [.otherConfiguration], routerLifetime: 1800,
                                                         reachableTime: 30000, retransTimer: 1000)),
             [.prefixInformation(prefix), .unknown(type: 25, data: Array(repeating: 0, count: 22)), .mtu(1500),
              .sourceLinkLayerAddress(routerMAC)], router, .allNodes),
            (.neighborSolicitation(NDPNeighborSolicitation(target: router)), [.sourceLinkLayerAddress(hostMAC)], host,
             router.solicitedNodeMulticast),
            (.neighborSolicitation(NDPNeighborSolicitation(target: host)), [], .unspecified, host.solicitedNodeMulticast),
            (.neighborAdvertisement(NDPNeighborAdvertisement(flags: [.router, .solicited, .override], target: router)),
             [.targetLinkLayerAddress(routerMAC)], router, host),
            (.neighborAdvertisement(NDPNeighborAdvertisement(flags: [.override], target: host)),
             [.targetLinkLayerAddress(hostMAC)], host, .allNodes),
            (.redirect(NDPRedirect(target: router, destination: IPv6Address("2001:db8:7::7")!)),
             [.targetLinkLayerAddress(routerMAC), .redirectedHeader(Array(repeating: 0x60, count: 48))], router, host),
        ]
    }

    @Test func everyMessageRoundTrips() throws {
        for (message, options, source, destination) in messages {
            let bytes = try build(message, options: options, source: source, destination: destination)
            let parsed = try parse(bytes, source: source, destination: destination)
            #expect(parsed.message == message)
            #expect(parsed.options == options)
            #expect(parsed.checksumValid)
            #expect(parsed.valid, "\(message) passes RFC 4861's checks")
            #expect(try build(parsed.message, options: parsed.options, source: source, destination: destination) == bytes)
            #expect(bytes[0] == message.type.rawValue && bytes[1] == 0)
            // Every prefix: the fixed part cut is truncated; a cut inside an option is a bad option.
            for cut in 0..<bytes.count {
                let result = outcome { () throws(WireError) in try parse(Array(bytes[0..<cut]), source: source, destination: destination).message }
                if cut < ICMPv6Header.size || cut < message.fixedLength {
                    #expect(result == .failure(.truncated), "\(message.type) cut at \(cut)")
                } else {
                    let boundaries = options.reduce(into: [message.fixedLength]) { $0.append($0.last! + $1.encodedLength) }
                    #expect(result == (boundaries.contains(cut) ? .success(message) : .failure(.badOption)), "\(message.type) cut at \(cut)")
                }
            }
        }
    }

    @Test func knownLayouts() throws {
        let na = try build(.neighborAdvertisement(NDPNeighborAdvertisement(flags: [.solicited, .override], target: router)),
                           options: [.targetLinkLayerAddress(routerMAC)], source: router, destination: host)
        #expect(na.count == 32)
        #expect(Array(na[4..<8]) == [0x60, 0, 0, 0])
        #expect(Array(na[8..<24]) == router.bytes)
        #expect(Array(na[24..<32]) == [2, 1, 0x02, 0, 0, 0, 0, 1])
        let ra = try build(.routerAdvertisement(NDPRouterAdvertisement(currentHopLimit: 64, flags: [.managedAddressConfiguration],
                                                                        routerLifetime: 600, reachableTime: 1, retransTimer: 2)),
                           options: [.prefixInformation(prefix), .mtu(1280)], source: router, destination: .allNodes)
        #expect(Array(ra[4..<16]) == [64, 0x80, 0x02, 0x58, 0, 0, 0, 1, 0, 0, 0, 2])
        #expect(Array(ra[16..<32]) == [3, 4, 64, 0xC0, 0, 1, 0x51, 0x80, 0, 0, 0x38, 0x40, 0, 0, 0, 0])
        #expect(Array(ra[32..<48]) == IPv6Address("2001:db8:1::")!.bytes)
        #expect(Array(ra[48..<56]) == [5, 1, 0, 0, 0, 0, 5, 0])
        let parsed = try parse(ra, source: router, destination: .allNodes)
        #expect(parsed.summary == NDPOptions(mtu: 1280, prefixInformationCount: 1))
        guard case .routerAdvertisement(let m) = parsed.message else { Issue.record("not an RA"); return }
        #expect(m.flags.contains(.managedAddressConfiguration) && !m.flags.contains(.otherConfiguration))
        #expect(m.flags.preference == 0)
        #expect(NDPRouterFlags(rawValue: 0x08).preference == 1)
        #expect(NDPRouterFlags(rawValue: 0x18).preference == 3)
        #expect(prefix.onLink && prefix.autonomous && prefix.subnet?.description == "2001:db8:1::/64")
        #expect(NDPPrefixInformation(prefixLength: 200, flags: 0, validLifetime: 0, preferredLifetime: 0, reserved: 0,
                                     prefix: .unspecified).subnet == nil)
    }

    /// RFC 4861: an option of length 0 invalidates the whole message, as does one running
    /// past the end; known options must have their own length; unknown ones are skipped.
    @Test func optionRules() throws {
        let ns = try build(.neighborSolicitation(NDPNeighborSolicitation(target: router)), options: [], source: host,
                           destination: router.solicitedNodeMulticast)
        func withOptions(_ options: [UInt8]) -> Result<NDPOptions, WireError> {
            outcome { () throws(WireError) in
                try parse(ns + options, source: host, destination: router.solicitedNodeMulticast).summary
            }
        }
        #expect(withOptions([1, 1, 2, 0, 0, 0, 0, 9]) == .success(NDPOptions(sourceLinkLayerAddress: MACAddress(2, 0, 0, 0, 0, 9))))
        #expect(withOptions([1, 0, 2, 0, 0, 0, 0, 9]) == .failure(.badOption))
        #expect(withOptions([99, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]) == .failure(.badOption))
        #expect(withOptions([1, 2, 2, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0]) == .failure(.badOption))
        #expect(withOptions([3, 1, 64, 0xC0, 0, 0, 0, 0]) == .failure(.badOption))
        #expect(withOptions([5, 2, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0]) == .failure(.badOption))
        #expect(withOptions([1, 1, 2, 0, 0, 0, 0, 9, 7]) == .failure(.badOption))
        #expect(withOptions([99, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 2, 1, 2, 0, 0, 0, 0, 8])
                == .success(NDPOptions(targetLinkLayerAddress: MACAddress(2, 0, 0, 0, 0, 8))))
        // The unknown option is still there for whoever iterates.
        let options = try parse(ns + [99, 1, 1, 2, 3, 4, 5, 6], source: host, destination: router.solicitedNodeMulticast).options
        #expect(options == [.unknown(type: 99, data: [1, 2, 3, 4, 5, 6])])
        var buffer = [UInt8](repeating: 0, count: 4096)
        #expect(throws: WireError.badOption) {
            try buffer.withUnsafeMutableBytes { _ = try NDPOption.unknown(type: 9, data: Array(repeating: 0, count: 2100)).write(to: $0, at: 0) }
        }
    }

    @Test func messageRules() throws {
        let rs = try build(.routerSolicitation(NDPRouterSolicitation()), options: [], source: host, destination: .allRouters)
        var coded = rs
        coded[1] = 1
        #expect(throws: WireError.malformed) { try parse(coded, source: host, destination: .allRouters) }
        let echo = [128, 0, 0, 0, 0, 0, 0, 0] as [UInt8]
        #expect(throws: WireError.unsupported) { try parse(echo, source: host, destination: .allRouters) }
        #expect(NDPMessage.fixedLength(of: .echoRequest) == nil)
    }

    /// The checks that need the IPv6 header (RFC 4861 §6.1, §7.1, §8.1).
    @Test func validityNeedsTheIPHeader() throws {
        func valid(_ message: NDPMessage, _ options: [NDPOption], from source: IPv6Address, to destination: IPv6Address,
                   hopLimit: UInt8 = 255) throws -> Bool {
            try parse(try build(message, options: options, source: source, destination: destination),
                      source: source, destination: destination, hopLimit: hopLimit).valid
        }
        let ns = NDPMessage.neighborSolicitation(NDPNeighborSolicitation(target: router))
        #expect(try valid(ns, [.sourceLinkLayerAddress(hostMAC)], from: host, to: router.solicitedNodeMulticast))
        #expect(try !valid(ns, [.sourceLinkLayerAddress(hostMAC)], from: host, to: router.solicitedNodeMulticast, hopLimit: 254))
        // Duplicate address detection: from ::, only to the solicited-node group, with no address option.
        #expect(try valid(ns, [], from: .unspecified, to: router.solicitedNodeMulticast))
        #expect(try !valid(ns, [], from: .unspecified, to: router))
        #expect(try !valid(ns, [.sourceLinkLayerAddress(hostMAC)], from: .unspecified, to: router.solicitedNodeMulticast))
        #expect(try !valid(.neighborSolicitation(NDPNeighborSolicitation(target: .allNodes)), [], from: host, to: .allNodes))
        let solicitedNA = NDPMessage.neighborAdvertisement(NDPNeighborAdvertisement(flags: [.solicited], target: router))
        #expect(try valid(solicitedNA, [], from: router, to: host))
        #expect(try !valid(solicitedNA, [], from: router, to: .allNodes))
        #expect(try !valid(.neighborAdvertisement(NDPNeighborAdvertisement(flags: [], target: .allRouters)), [], from: router, to: host))
        let ra = NDPMessage.routerAdvertisement(NDPRouterAdvertisement(currentHopLimit: 64, routerLifetime: 0))
        #expect(try valid(ra, [], from: router, to: .allNodes))
        #expect(try !valid(ra, [], from: IPv6Address("2001:db8::1")!, to: .allNodes))
        let rs = NDPMessage.routerSolicitation(NDPRouterSolicitation())
        #expect(try !valid(rs, [.sourceLinkLayerAddress(hostMAC)], from: .unspecified, to: .allRouters))
        let redirect = NDPMessage.redirect(NDPRedirect(target: router, destination: .allNodes))
        #expect(try !valid(redirect, [], from: router, to: host))
    }
}
