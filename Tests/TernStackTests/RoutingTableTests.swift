import Testing
@testable import TernStack
import TernWire

@Suite("Routing table")
struct RoutingTableTests {
    func subnet(_ text: String) -> IPv4Subnet { IPv4Subnet(text)! }
    func address(_ text: String) -> IPv4Address { IPv4Address(text)! }

    func table() throws -> RoutingTable {
        var table = RoutingTable()
        table.addConnected(subnet("10.0.0.2/24"))
        try table.add(subnet("10.9.0.0/16"), via: address("10.0.0.9"))
        try table.add(subnet("10.9.5.0/24"), via: address("10.0.0.5"))
        try table.add(subnet("192.0.2.77/32"), via: address("10.0.0.77"))
        try table.addDefault(via: address("10.0.0.1"))
        return table
    }

    @Test("the longest matching prefix wins")
    func longestPrefix() throws {
        let t = try table()
        #expect(t.nextHop(for: address("10.0.0.50")) == address("10.0.0.50"), "connected: deliver directly")
        #expect(t.nextHop(for: address("10.9.1.1")) == address("10.0.0.9"), "static /16")
        #expect(t.nextHop(for: address("10.9.5.1")) == address("10.0.0.5"), "more specific static /24")
        #expect(t.nextHop(for: address("192.0.2.77")) == address("10.0.0.77"), "/32 host route")
        #expect(t.nextHop(for: address("192.0.2.78")) == address("10.0.0.1"), "default")
        #expect(t.nextHop(for: address("8.8.8.8")) == address("10.0.0.1"), "default")
    }

    @Test("without a default route, unknown destinations have no route")
    func noDefault() {
        var t = RoutingTable()
        t.addConnected(subnet("10.0.0.2/24"))
        #expect(t.nextHop(for: address("10.0.1.1")) == nil)
        #expect(t.lookup(address("10.0.0.255"))?.gateway == nil)
    }

    @Test("a next hop off the connected subnet is refused")
    func rejectsUnreachableGateway() {
        var t = RoutingTable()
        t.addConnected(subnet("10.0.0.2/24"))
        #expect(throws: RoutingTable.RouteError.gatewayNotOnLink(address("10.1.0.1"))) {
            try t.addDefault(via: address("10.1.0.1"))
        }
    }

    @Test("routes are kept most specific first, replacing the same destination")
    func ordering() throws {
        var t = try table()
        try t.add(subnet("10.9.0.0/16"), via: address("10.0.0.10"))
        let lengths = t.routes.map(\.destination.prefixLength)
        #expect(lengths == lengths.sorted(by: >))
        #expect(t.routes.filter { $0.destination == subnet("10.9.0.0/16") }.count == 1)
        #expect(t.nextHop(for: address("10.9.1.1")) == address("10.0.0.10"))
    }

    @Test("the stack routes through its gateway and static routes")
    func stackUsesRoutes() throws {
        let host = TestHost { configuration in
            configuration.gateway = IPv4Address(10, 0, 0, 1)
            configuration.staticRoutes = [(IPv4Subnet("172.16.0.0/12")!, IPv4Address(10, 0, 0, 3))]
        }
        let socket = try host.stack.bindUDP(port: 5000)
        try [1].withUnsafeBytes { try socket.send($0, to: IPv4Address(8, 8, 8, 8), port: 53) }
        try [1].withUnsafeBytes { try socket.send($0, to: IPv4Address(172, 20, 1, 1), port: 53) }
        let requests = host.log.take().compactMap(\.arp).map(\.targetIP)
        #expect(requests == [IPv4Address(10, 0, 0, 1), IPv4Address(10, 0, 0, 3)])
    }
}
