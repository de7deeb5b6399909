import Testing
@testable import TernStack
import TernWire

@Suite("Interfaces")
struct InterfaceTests {
    typealias H = MultiLinkHost

    @Test("a ping to any of the host's addresses is answered on the link it came in by, from that address")
    func pingEveryAddress() throws {
        let host = try H(links: 3)
        host.introduceNeighbour(on: 0)
        for target in 0..<3 {
            let echo = FrameBuilder.icmpEcho(identifier: 1, sequence: UInt16(target), data: [1, 2, 3])
            host.deliver(host.frame(on: 0, to: H.stackAddress(target), .icmp, echo), on: 0)
            let sent = host.take()
            let reply = try #require(sent[0].first)
            #expect(sent[1].isEmpty && sent[2].isEmpty)
            #expect(reply.icmp?.type == .echoReply)
            #expect(reply.ipv4?.source == H.stackAddress(target))
            #expect(reply.ethernet.source == H.stackMAC(0) && reply.ethernet.destination == H.neighbourMAC(0))
        }
    }

    @Test("ARP is per link: each link answers for its own address only, and resolves there")
    func arpPerInterface() throws {
        let host = try H(links: 2)
        // Asked on link 0 for link 1's address: not answered (as Linux with arp_ignore=1).
        host.deliver(FrameBuilder.arp(.request, senderMAC: H.neighbourMAC(0), senderIP: H.neighbour(0),
                                      targetIP: H.stackAddress(1)), on: 0)
        #expect(host.take().allSatisfy { $0.isEmpty })
        #expect(host.stack.counters[.arpNotForUs] == 1)
        // A datagram for link 1's neighbour asks there, from link 1's address.
        let socket = try host.stack.bindUDP(port: 7000)
        try [UInt8](repeating: 9, count: 10).withUnsafeBytes { try socket.send($0, to: H.neighbour(1), port: 9) }
        var sent = host.take()
        #expect(sent[0].isEmpty)
        let request = try #require(sent[1].first?.arp)
        #expect(request.targetIP == H.neighbour(1) && request.senderIP == H.stackAddress(1))
        #expect(host.stack.interfaces[0].arp.entries.isEmpty)
        host.deliver(FrameBuilder.arp(.reply, senderMAC: H.neighbourMAC(1), senderIP: H.neighbour(1),
                                      targetIP: H.stackAddress(1)), on: 1)
        sent = host.take()
        let datagram = try #require(sent[1].first)
        #expect(datagram.udp?.destinationPort == 9 && datagram.ipv4?.source == H.stackAddress(1))
        #expect(datagram.ethernet.destination == H.neighbourMAC(1) && datagram.ethernet.source == H.stackMAC(1))
        #expect(datagram.checksumsValid)
        #expect(host.stack.interfaces[1].arp.entries[H.neighbour(1)] != nil)
        #expect(host.stack.interfaces[1].counters.framesSent == 2)
        #expect(host.stack.interfaces[0].counters.framesSent == 0)
    }

    @Test("a route via a next hop leaves by the link the next hop is on; a device route by the named link")
    func routesPickTheInterface() throws {
        let host = try H(links: 3) { configuration in
            configuration.staticRoutes = [(IPv4Subnet("192.168.5.0/24")!, IPv4Address(10, 0, 2, 254))]
            configuration.deviceRoutes = [(IPv4Subnet("172.16.0.0/16")!, "eth2")]
            configuration.gateway = IPv4Address(10, 0, 1, 254)
        }
        #expect(host.stack.routing.lookup(IPv4Address(192, 168, 5, 9))?.interface == 1)
        #expect(host.stack.routing.lookup(IPv4Address(172, 16, 3, 4))?.interface == 2)
        #expect(host.stack.routing.lookup(IPv4Address(8, 8, 8, 8))?.interface == 0)
        let socket = try host.stack.bindUDP(port: 7000)
        let cases: [(IPv4Address, Int, IPv4Address)] = [
            (IPv4Address(192, 168, 5, 9), 1, IPv4Address(10, 0, 2, 254)),
            (IPv4Address(172, 16, 3, 4), 2, IPv4Address(172, 16, 3, 4)),
            (IPv4Address(8, 8, 8, 8), 0, IPv4Address(10, 0, 1, 254)),
        ]
        for (destination, link, resolved) in cases {
            try [UInt8](repeating: 1, count: 4).withUnsafeBytes { try socket.send($0, to: destination, port: 9) }
            let sent = host.take()
            for other in 0..<3 where other != link { #expect(sent[other].isEmpty, "nothing on link \(other)") }
            let request = try #require(sent[link].first?.arp)
            #expect(request.targetIP == resolved && request.senderIP == H.stackAddress(link))
        }
    }

    @Test("an unknown link in a device route is refused")
    func unknownDevice() {
        #expect(throws: RoutingTable.RouteError.unknownInterface("eth9")) {
            _ = try H(links: 2) { $0.deviceRoutes = [(IPv4Subnet("172.16.0.0/16")!, "eth9")] }
        }
    }

    @Test("TCP answers from the address it was reached at, and connects from the route's link")
    func tcpAddresses() throws {
        let host = try H(links: 2)
        host.introduceNeighbour(on: 0)
        let recorder = TCPRecorder()
        try host.stack.listenTCP(port: 80).delegate = recorder
        let syn = FrameBuilder.tcp(sourcePort: 4000, destinationPort: 80, sequence: 1, flags: .syn, window: 65535,
                                   source: H.neighbour(0), destination: H.stackAddress(1))
        host.deliver(host.frame(on: 0, to: H.stackAddress(1), .tcp, syn), on: 0)
        let synAck = try #require(host.take()[0].first)
        #expect(synAck.tcp?.header.flags == [.syn, .ack])
        #expect(synAck.ipv4?.source == H.stackAddress(1) && synAck.checksumsValid)

        let connection = try host.stack.connectTCP(to: H.neighbour(1), port: 443)
        #expect(connection.localAddress == .v4(H.stackAddress(1)))
        #expect(connection.remoteAddress == .v4(H.neighbour(1)))
        host.stack.poll(now: host.now)
        let sent = host.take()
        #expect(sent[0].isEmpty && sent[1].first?.arp?.targetIP == H.neighbour(1))
    }

    @Test("TCP announces an MSS that fits the smallest link")
    func mssFitsSmallestLink() throws {
        let host = try H(links: 2, mtus: [1500, 1280])
        host.introduceNeighbour(on: 0)
        _ = try host.stack.connectTCP(to: H.neighbour(0), port: 443)
        host.stack.poll(now: host.now)
        let syn = try #require(host.take()[0].first?.tcp)
        #expect(syn.options.maximumSegmentSize == 1240)
    }
}
