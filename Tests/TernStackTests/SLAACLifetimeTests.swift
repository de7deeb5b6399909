import Testing
@testable import TernStack
import TernWire

/// Stateless autoconfiguration over time (RFC 4862 §5.5.3–5.5.4): addresses live by their
/// prefix's lifetimes, later advertisements renew them under the two-hour rule, and a
/// default router lasts its router lifetime. All on the virtual clock.
@Suite("SLAAC lifetimes")
struct SLAACLifetimeTests {
    typealias F = IPv6Frames
    static let router = IPv6Address.linkLocal(fromMAC: TestHost.peerMAC)
    static let address = IPv6Address("fd00:7::aff:fe00:2")!
    static let subnet = IPv6Subnet(address: address, prefixLength: 64)!

    static func advertisement(valid: UInt32, preferred: UInt32, routerLifetime: UInt16 = 600,
                              prefix: String = "fd00:7::") -> [UInt8] {
        let information = NDPPrefixInformation(prefix: IPv6Address(prefix)!, prefixLength: 64, onLink: true,
                                               autonomous: true, validLifetime: valid, preferredLifetime: preferred)
        return F.ndp(.routerAdvertisement(NDPRouterAdvertisement(currentHopLimit: 64, routerLifetime: routerLifetime,
                                                                 reachableTime: 0, retransTimer: 0)),
                     options: [.sourceLinkLayerAddress(TestHost.peerMAC), .prefixInformation(information)],
                     from: router, to: .allNodes)
    }

    /// A host with autoconfiguration whose address from fd00:7::/64 has passed DAD; no
    /// address of its own but the link-local one.
    static func host(valid: UInt32, preferred: UInt32) -> TestHost {
        let host = TestHost { $0.ipv6.autoconfigure = true }
        host.deliver(advertisement(valid: valid, preferred: preferred, routerLifetime: 9000))
        host.advance(by: .seconds(1))
        host.log.frames.removeAll()
        return host
    }

    static func local(_ host: TestHost) -> IPv6LocalAddress? {
        host.stack.interfaces[0].ipv6.addresses.first { $0.address == address }
    }

    /// The router's MAC in the neighbour cache again (as STALE), from a solicitation of its
    /// own: time has passed, and unanswered probes have made the host forget it.
    static func introduceRouter(_ host: TestHost) {
        host.deliver(F.solicitation(for: host.stack.interfaces[0].ipv6.linkLocal, from: router))
        host.log.frames.removeAll()
    }

    /// The source the host picks for a datagram to an off-link destination, if it sends one.
    static func sourceTowardsInternet(_ host: TestHost) -> IPv6Address? {
        introduceRouter(host)
        guard let socket = try? host.stack.bindUDP(port: 0) else { return nil }
        defer { socket.close() }
        _ = try? [UInt8](repeating: 1, count: 4).withUnsafeBytes { try socket.send($0, to: .v6(IPv6Address("2001:db8::1")!), port: 9) }
        return host.log.takeIPv6().last { $0.upperLayer == .udp }?.header.source
    }

    @Test("the address is deprecated when its preferred lifetime ends and removed when its valid lifetime does")
    func deprecatedThenRemoved() throws {
        let host = Self.host(valid: 3600, preferred: 1800)
        #expect(Self.local(host)?.state == .preferred && Self.local(host)?.deprecated == false)
        #expect(Self.sourceTowardsInternet(host) == Self.address)
        // The host took the address a second ago.
        host.advance(by: .seconds(1798))
        #expect(Self.local(host)?.deprecated == false, "still preferred a moment before 1800 s")
        host.advance(by: .seconds(1))
        let deprecated = try #require(Self.local(host))
        #expect(deprecated.deprecated && deprecated.state == .preferred, "deprecated, still valid")
        // Still ours: a ping to it is answered.
        Self.introduceRouter(host)
        host.deliver(F.echoRequest(from: Self.router, to: Self.address))
        #expect(host.log.takeIPv6().contains { $0.icmp?.type == .echoReply && $0.header.source == Self.address })
        // The only global address, so new conversations still start from it.
        #expect(Self.sourceTowardsInternet(host) == Self.address)
        host.advance(by: .seconds(1799))
        #expect(Self.local(host) != nil)
        host.advance(by: .seconds(1))
        #expect(Self.local(host) == nil, "gone at 3600 s")
        #expect(host.events.last == .ipv6AddressExpired(Self.subnet))
        host.deliver(F.echoRequest(from: Self.router, to: Self.address))
        #expect(!host.log.takeIPv6().contains { $0.icmp?.type == .echoReply }, "no longer answered")
    }

    @Test("a deprecated address gives way to a preferred one for new conversations")
    func deprecatedGivesWay() throws {
        let host = Self.host(valid: 7200, preferred: 0)
        #expect(Self.local(host)?.deprecated == true, "a preferred lifetime of 0 deprecates at once")
        host.deliver(Self.advertisement(valid: 7200, preferred: 3600, prefix: "fd00:8::"))
        host.advance(by: .seconds(1))
        #expect(Self.sourceTowardsInternet(host) == IPv6Address("fd00:8::aff:fe00:2"))
    }

    @Test("renewals: the preferred lifetime is reset; the valid one follows the two-hour rule")
    func twoHourRule() throws {
        let host = Self.host(valid: 36_000, preferred: 1800)
        func validLeft() -> Duration? { Self.local(host)?.validUntil.map { $0 - host.now } }

        // Longer than two hours: taken as advertised, shorter or longer than what is left.
        host.deliver(Self.advertisement(valid: 20_000, preferred: 600))
        #expect(validLeft() == .seconds(20_000))
        #expect(Self.local(host)?.preferredUntil.map { $0 - host.now } == .seconds(600))
        // Two hours or less, with more than two hours left: cut to two hours, not to 60 s.
        host.deliver(Self.advertisement(valid: 60, preferred: 60))
        #expect(validLeft() == .seconds(7200))
        // With two hours or less left, a shorter one is ignored, even 0...
        host.advance(by: .seconds(3600))
        host.deliver(Self.advertisement(valid: 0, preferred: 0))
        #expect(validLeft() == .seconds(3600))
        #expect(Self.local(host)?.deprecated == true, "the preferred lifetime of 0 applies at once")
        // ...and a longer one than what is left (but under two hours) is taken.
        host.deliver(Self.advertisement(valid: 5000, preferred: 4000))
        #expect(validLeft() == .seconds(5000))
        #expect(Self.local(host)?.deprecated == false, "preferred again")
        // Infinite lifetimes never run out.
        host.deliver(Self.advertisement(valid: .max, preferred: .max))
        #expect(Self.local(host)?.validUntil == nil && Self.local(host)?.preferredUntil == nil)
        host.advance(by: .seconds(400_000))
        #expect(Self.local(host)?.deprecated == false)
    }

    @Test("a renewal before the end keeps the address; without one it expires")
    func renewedInTime() throws {
        let host = Self.host(valid: 1000, preferred: 1000)
        host.advance(by: .seconds(900))
        host.deliver(Self.advertisement(valid: 1000, preferred: 1000))
        host.advance(by: .seconds(900))
        #expect(Self.local(host)?.deprecated == false, "renewed at 900 s, good until 1900 s")
        host.advance(by: .seconds(100))
        #expect(Self.local(host) == nil)
    }

    @Test("an address the operator configured in an advertised prefix keeps living for ever")
    func configuredAddressUntouched() throws {
        let host = TestHost { configuration in
            configuration.ipv6.autoconfigure = true
            configuration.interfaces[0].ipv6Addresses = [Self.subnet]
        }
        host.deliver(Self.advertisement(valid: 100, preferred: 50))
        host.advance(by: .seconds(200))
        let local = try #require(Self.local(host))
        #expect(!local.autoconfigured && !local.deprecated && local.validUntil == nil)
        #expect(host.events.isEmpty)
    }

    @Test("a new prefix with a valid lifetime of 0, or a preferred lifetime above the valid one, gives no address")
    func ignoredPrefixes() throws {
        let host = TestHost { $0.ipv6.autoconfigure = true }
        host.deliver(Self.advertisement(valid: 0, preferred: 0))
        host.deliver(Self.advertisement(valid: 100, preferred: 200, prefix: "fd00:9::"))
        #expect(host.events.isEmpty)
        #expect(host.stack.interfaces[0].ipv6.addresses.count == 1)
    }

    @Test("the default router lasts its router lifetime, is renewed by each advertisement, and goes at lifetime 0")
    func routerLifetime() throws {
        let host = F.host()
        let socket = try host.stack.bindUDP(port: 5000)
        func reachesInternet() -> Bool {
            (try? [UInt8](repeating: 1, count: 4).withUnsafeBytes {
                try socket.send($0, to: .v6(IPv6Address("2001:db8::1")!), port: 9)
            }) != nil
        }
        host.deliver(Self.advertisement(valid: 3600, preferred: 1800, routerLifetime: 100))
        #expect(host.stack.interfaces[0].ipv6.defaultRouter == Self.router)
        host.advance(by: .seconds(90))
        host.deliver(Self.advertisement(valid: 3600, preferred: 1800, routerLifetime: 100))
        host.advance(by: .seconds(90))
        #expect(reachesInternet(), "renewed at 90 s, good until 190 s")
        host.advance(by: .seconds(10))
        #expect(host.stack.interfaces[0].ipv6.defaultRouter == nil)
        #expect(!reachesInternet())
        host.deliver(Self.advertisement(valid: 3600, preferred: 1800, routerLifetime: 100))
        #expect(reachesInternet())
        host.deliver(Self.advertisement(valid: 3600, preferred: 1800, routerLifetime: 0))
        #expect(host.stack.interfaces[0].ipv6.defaultRouter == nil, "a lifetime of 0: no longer a default router")
        #expect(!reachesInternet())
    }
}
