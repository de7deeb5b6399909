import Testing
@testable import TernStack
import TernTestSupport
import TernWire

@Suite("IPv6 routers")
struct IPv6RouterTests {
    typealias F = IPv6Frames
    static let macA = MACAddress(0x02, 0, 1, 0, 0, 1)
    static let macB = MACAddress(0x02, 0, 2, 0, 0, 1)
    static let hostA = IPv6Address("fd00:1::5")!
    static let hostB = IPv6Address("fd00:2::5")!

    /// A router on links a (fd00:1::1/64) and b (fd00:2::1/64, MTU 1400) that knows hosts
    /// A and B from their solicitations: one stack of the shared `StackNetwork`, both links
    /// scripted.
    final class Router {
        let network = StackNetwork(now: .seconds(1000))
        let logs: [FrameLog]
        let stack: NetworkStack
        var now: Instant {
            get { network.now }
            set { network.now = newValue }
        }

        init(routes: [(destination: IPv6Subnet, nextHop: IPv6Address?, interface: String?)] = []) throws {
            var configuration = StackConfiguration(interfaces: [
                InterfaceConfiguration(name: "a", mac: MACAddress(0x02, 0, 1, 0, 0, 0xFE),
                                       address: IPv4Subnet("10.1.0.254/24")!, ipv6Addresses: [IPv6Subnet("fd00:1::1/64")!]),
                InterfaceConfiguration(name: "b", mac: MACAddress(0x02, 0, 2, 0, 0, 0xFE),
                                       address: IPv4Subnet("10.2.0.254/24")!, mtu: 1400,
                                       ipv6Addresses: [IPv6Subnet("fd00:2::1/64")!]),
            ], randomSeed: 7)
            configuration.forwarding = true
            configuration.ipv6Routes = routes
            try network.add(configuration)
            stack = network.stacks[0]
            logs = [network.outbox(.init(node: 0, interface: 0)), network.outbox(.init(node: 0, interface: 1))]
            deliver(F.solicitation(for: IPv6Address("fd00:1::1")!, from: IPv6RouterTests.hostA,
                                   sourceMAC: IPv6RouterTests.macA), on: 0)
            deliver(F.solicitation(for: IPv6Address("fd00:2::1")!, from: IPv6RouterTests.hostB,
                                   sourceMAC: IPv6RouterTests.macB), on: 1)
            for log in logs { log.frames.removeAll() }
        }

        func deliver(_ frame: [UInt8], on link: Int) {
            network.deliver(frame, to: .init(node: 0, interface: link))
        }

        func echo(size: Int = 56, hopLimit: UInt8 = 64) -> [UInt8] {
            let message = F.icmp(.echo(.echoRequest, identifier: 1, sequence: 1), body: Array(repeating: 9, count: size),
                                 from: IPv6RouterTests.hostA, to: IPv6RouterTests.hostB)
            return F.packet(from: IPv6RouterTests.hostA, to: IPv6RouterTests.hostB, nextHeader: .icmpv6,
                            payload: message, hopLimit: hopLimit, sourceMAC: IPv6RouterTests.macA,
                            destinationMAC: MACAddress(0x02, 0, 1, 0, 0, 0xFE))
        }
    }

    @Test("forwards between links with the hop limit one lower, to the neighbour's MAC")
    func forwards() throws {
        let router = try Router()
        router.deliver(router.echo(), on: 0)
        let out = router.logs[1].takeIPv6()
        #expect(out.count == 1)
        #expect(out.first?.header.hopLimit == 63)
        #expect(out.first?.ethernet.destination == IPv6RouterTests.macB)
        #expect(out.first?.icmp?.type == .echoRequest)
        #expect(router.stack.counters[.datagramsForwarded] == 1)
    }

    @Test("a static route sends a prefix beyond the links by its next hop")
    func staticRoute() throws {
        let router = try Router(routes: [(IPv6Subnet("fd00:5::/64")!, IPv6RouterTests.hostB, nil),
                                         (IPv6Subnet("fd00:5:0:1::/64")!, nil, "a")])
        let far = IPv6Address("fd00:5::9")!
        let message = F.icmp(.echo(.echoRequest, identifier: 1, sequence: 1), body: [], from: IPv6RouterTests.hostA,
                             to: far)
        router.deliver(F.packet(from: IPv6RouterTests.hostA, to: far, nextHeader: .icmpv6, payload: message,
                                sourceMAC: IPv6RouterTests.macA, destinationMAC: MACAddress(0x02, 0, 1, 0, 0, 0xFE)),
                       on: 0)
        let out = router.logs[1].takeIPv6()
        #expect(out.first?.header.destination == far)
        #expect(out.first?.ethernet.destination == IPv6RouterTests.macB, "to the next hop's MAC")
        #expect(router.stack.core.staticIPv6Route(to: IPv6Address("fd00:5:0:1::7")!)?.0.name == "a")
        #expect(router.stack.core.staticIPv6Route(to: IPv6Address("fd00:6::1")!) == nil)
    }

    @Test("replies and errors to a peer beyond the links follow the static routes, not the arrival link")
    func asymmetricReturn() throws {
        // fd00:9::/64 lies behind B; its packets may still arrive over link a (the way in
        // need not be the way back), and link a has no default router.
        let router = try Router(routes: [(IPv6Subnet("fd00:9::/64")!, IPv6RouterTests.hostB, nil)])
        let far = IPv6Address("fd00:9::7")!
        let echo = F.icmp(.echo(.echoRequest, identifier: 3, sequence: 1), body: [1, 2, 3], from: far,
                          to: IPv6Address("fd00:1::1")!)
        router.deliver(F.packet(from: far, to: IPv6Address("fd00:1::1")!, nextHeader: .icmpv6, payload: echo,
                                sourceMAC: IPv6RouterTests.macA, destinationMAC: MACAddress(0x02, 0, 1, 0, 0, 0xFE)),
                       on: 0)
        #expect(router.logs[0].takeIPv6().isEmpty)
        let reply = router.logs[1].takeIPv6().first
        #expect(reply?.icmp?.type == .echoReply && reply?.header.destination == far)
        #expect(reply?.ethernet.destination == IPv6RouterTests.macB, "by the route's next hop")
        #expect(reply?.header.source == IPv6Address("fd00:1::1"), "from the address pinged")

        // So does the time exceeded traceroute -6 relies on.
        let probe = F.icmp(.echo(.echoRequest, identifier: 3, sequence: 2), body: [], from: far, to: IPv6RouterTests.hostB)
        router.deliver(F.packet(from: far, to: IPv6RouterTests.hostB, nextHeader: .icmpv6, payload: probe, hopLimit: 1,
                                sourceMAC: IPv6RouterTests.macA, destinationMAC: MACAddress(0x02, 0, 1, 0, 0, 0xFE)),
                       on: 0)
        let error = router.logs[1].takeIPv6().first
        #expect(error?.icmp?.type == .timeExceeded && error?.header.destination == far)
        #expect(router.stack.counters[.ipNoRoute] == 0)
    }

    @Test("hop limit 1: time exceeded from the router's address on the arrival link")
    func hopLimitExceeded() throws {
        let router = try Router()
        router.deliver(router.echo(hopLimit: 1), on: 0)
        #expect(router.logs[1].takeIPv6().isEmpty)
        let error = router.logs[0].takeIPv6().first
        #expect(error?.icmp?.type == .timeExceeded)
        #expect(error?.header.source == IPv6Address("fd00:1::1"))
        #expect(error?.header.destination == IPv6RouterTests.hostA)
    }

    @Test("larger than the next link: packet too big with its MTU; no route: destination unreachable")
    func errors() throws {
        let router = try Router()
        router.deliver(router.echo(size: 1400), on: 0)
        let tooBig = router.logs[0].takeIPv6().first?.icmp
        #expect(tooBig?.type == .packetTooBig)
        #expect(tooBig?.mtu == 1400)
        let message = F.icmp(.echo(.echoRequest, identifier: 1, sequence: 1), body: [], from: IPv6RouterTests.hostA,
                             to: IPv6Address("fd00:9::1")!)
        router.deliver(F.packet(from: IPv6RouterTests.hostA, to: IPv6Address("fd00:9::1")!, nextHeader: .icmpv6,
                                payload: message, sourceMAC: IPv6RouterTests.macA,
                                destinationMAC: MACAddress(0x02, 0, 1, 0, 0, 0xFE)), on: 0)
        let unreachable = router.logs[0].takeIPv6().first?.icmp
        #expect(unreachable?.type == .destinationUnreachable)
        #expect(unreachable?.code == ICMPv6UnreachableCode.noRoute.rawValue)
    }

    @Test("advertises itself, its prefixes and MTU once its link-local address is in use, and answers solicitations")
    func advertises() throws {
        let router = try Router()
        router.stack.start(now: router.now)
        for log in router.logs { log.frames.removeAll() }
        router.now = router.now + .seconds(1)
        router.stack.poll(now: router.now)
        let advertisement = try #require(router.logs[1].takeIPv6().first { $0.icmp?.type == .routerAdvertisement })
        #expect(advertisement.header.source == IPv6Address.linkLocal(fromMAC: MACAddress(0x02, 0, 2, 0, 0, 0xFE)))
        #expect(advertisement.header.destination == .allNodes)
        guard case .routerAdvertisement(let ra)? = advertisement.ndp?.message else {
            Issue.record("not an advertisement")
            return
        }
        #expect(ra.routerLifetime == 1800)
        #expect(advertisement.ndp?.options.mtu == 1400)
        #expect(advertisement.ndp?.options.prefixInformationCount == 1)

        // A solicitation is answered at once, but not twice within three seconds.
        router.logs[0].frames.removeAll()
        let rs = F.ndp(.routerSolicitation(NDPRouterSolicitation()), options: [.sourceLinkLayerAddress(IPv6RouterTests.macA)],
                       from: IPv6Address.linkLocal(fromMAC: IPv6RouterTests.macA), to: .allRouters,
                       sourceMAC: IPv6RouterTests.macA)
        router.deliver(rs, on: 0)
        router.deliver(rs, on: 0)
        #expect(router.logs[0].takeIPv6().filter { $0.icmp?.type == .routerAdvertisement }.count == 1)
    }

    @Test("a host takes a default router and, with autoconfiguration, an address from an advertisement")
    func hostLearns() throws {
        let host = F.host { $0.ipv6.autoconfigure = true }
        let router = IPv6Address.linkLocal(fromMAC: TestHost.peerMAC)
        let prefix = NDPPrefixInformation(prefix: IPv6Address("fd00:7::")!, prefixLength: 64, onLink: true,
                                          autonomous: true, validLifetime: 3600, preferredLifetime: 1800)
        host.deliver(F.ndp(.routerAdvertisement(NDPRouterAdvertisement(currentHopLimit: 64, routerLifetime: 600,
                                                                       reachableTime: 0, retransTimer: 0)),
                           options: [.sourceLinkLayerAddress(TestHost.peerMAC), .prefixInformation(prefix)],
                           from: router, to: .allNodes))
        let expected = IPv6Address("fd00:7::aff:fe00:2")!
        #expect(host.events == [.ipv6AddressAutoconfigured(IPv6Subnet(address: expected, prefixLength: 64)!)])
        let dad = host.log.takeIPv6()
        #expect(dad.first?.solicitationTarget == expected && dad.first?.header.source == .unspecified)
        host.advance(by: .seconds(1))
        #expect(host.stack.interfaces[0].ipv6AddressStates.last?.state == .preferred)

        // Off-link destinations go by the router.
        let socket = try host.stack.bindUDP(port: 5000)
        try [UInt8](repeating: 1, count: 4).withUnsafeBytes { try socket.send($0, to: .v6(IPv6Address("2001:db8::1")!), port: 9) }
        let sent = host.log.takeIPv6().last
        #expect(sent?.upperLayer == .udp)
        #expect(sent?.ethernet.destination == TestHost.peerMAC)
        #expect(sent?.header.source == IPv6Address("fd00::2"))

        // The router's lifetime runs out, and with it the route.
        host.advance(by: .seconds(601))
        #expect(throws: SocketError.networkUnreachable) {
            try [UInt8](repeating: 1, count: 4).withUnsafeBytes { try socket.send($0, to: .v6(IPv6Address("2001:db8::1")!), port: 9) }
        }
    }
}
