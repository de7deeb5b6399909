import Testing
@testable import TernStack
import TernTestSupport
import TernWire

/// Hosts and routers, all Tern stacks, wired together in one virtual network.
@Suite("Routers in a network")
struct RouterNetworkTests {
    typealias N = StackNetwork

    /// Host A (10.1.0.1) — routers — host B (10.{routers+1}.0.1), each router R_i joining
    /// 10.i.0.0/24 (as .254) and 10.(i+1).0.0/24 (as .253), with static routes both ways.
    /// `mtus[i]` is the MTU of link i (link 0 is A's).
    func chain(routers: Int, mtus: [Int] = [], configureHosts: (inout StackConfiguration) -> Void = { _ in })
        throws -> (network: StackNetwork, a: Int, b: Int, routers: [Int]) {
        let network = StackNetwork()
        func mtu(_ link: Int) -> Int { link < mtus.count ? mtus[link] : 1500 }
        let last = routers + 1
        let a = try network.add([N.interface("eth0", "10.1.0.1/24", mtu: mtu(0))], seed: 1) { configuration in
            configuration.gateway = IPv4Address(10, 1, 0, 254)
            configureHosts(&configuration)
        }
        let b = try network.add([N.interface("eth0", "10.\(last).0.1/24", mtu: mtu(routers))], seed: 2) { configuration in
            configuration.gateway = IPv4Address(10, UInt8(last), 0, 253)
            configureHosts(&configuration)
        }
        var indices: [Int] = []
        for i in 1...routers {
            let index = try network.add([N.interface("left", "10.\(i).0.254/24", mtu: mtu(i - 1)),
                                         N.interface("right", "10.\(i + 1).0.253/24", mtu: mtu(i))],
                                        seed: 10 + UInt64(i)) { configuration in
                configuration.forwarding = true
                // Everything to the left goes left, everything to the right goes right.
                for left in 1..<i {
                    configuration.staticRoutes.append((IPv4Subnet("10.\(left).0.0/24")!,
                                                       IPv4Address(10, UInt8(i), 0, 253)))
                }
                for right in stride(from: i + 2, through: last, by: 1) {
                    configuration.staticRoutes.append((IPv4Subnet("10.\(right).0.0/24")!,
                                                       IPv4Address(10, UInt8(i + 1), 0, 254)))
                }
            }
            indices.append(index)
        }
        // Links: A–R1, R1–R2, …, Rn–B.
        network.connect(.init(node: a, interface: 0), .init(node: indices[0], interface: 0))
        for i in 1..<routers {
            network.connect(.init(node: indices[i - 1], interface: 1), .init(node: indices[i], interface: 0))
        }
        network.connect(.init(node: indices[routers - 1], interface: 1), .init(node: b, interface: 0))
        return (network, a, b, indices)
    }

    @Test("a TCP transfer both ways through one router is byte-exact")
    func tcpThroughRouter() throws {
        let (network, a, b, routers) = try chain(routers: 1)
        let server = BulkEndpoint(total: 2_000_000, sendSeed: 3, receiveSeed: 4)
        try network.stacks[b].listenTCP(port: 5001).delegate = server
        let client = BulkEndpoint(total: 2_000_000, sendSeed: 4, receiveSeed: 3)
        client.attach(try network.stacks[a].connectTCP(to: IPv4Address(10, 2, 0, 1), port: 5001))
        #expect(network.run(for: .seconds(60)) { client.isDone && server.isDone })
        #expect(client.mismatches == 0 && server.mismatches == 0)
        let router = network.stacks[routers[0]]
        #expect(router.counters[.datagramsForwarded] > 2 * 2_000_000 / 1460)
        #expect(router.tcpConnectionCount == 0, "the router only forwards")
    }

    @Test("through a chain of three routers a closed port is reported back, and TTL runs out where it should")
    func chainOfThree() throws {
        for ttl in 1...4 {
            let (network, a, _, routers) = try chain(routers: 3) { $0.ipv4.defaultTTL = UInt8(ttl) }
            let recorder = UDPRecorder()
            let socket = try network.stacks[a].bindUDP()
            socket.delegate = recorder
            socket.connect(to: IPv4Address(10, 4, 0, 1), port: 33434)
            try [UInt8](repeating: 0, count: 32).withUnsafeBytes { try socket.send($0) }
            #expect(network.run(for: .seconds(5)) { !recorder.errors.isEmpty })
            if ttl <= 3 {
                // Router `ttl` is where the datagram's TTL would reach zero.
                #expect(recorder.errors == [.hostUnreachable], "time exceeded from router \(ttl)")
                #expect(network.stacks[routers[ttl - 1]].counters[.forwardTTLExceeded] == 1)
            } else {
                #expect(recorder.errors == [.connectionRefused], "port unreachable from host B")
            }
        }
    }

    @Test("a smaller MTU on the path: DF segments bring fragmentation needed, TCP shrinks and completes")
    func pathMTU() throws {
        let (network, a, b, routers) = try chain(routers: 2, mtus: [1500, 1000, 1500])
        let server = BulkEndpoint(total: 300_000, sendSeed: 5, receiveSeed: 6)
        try network.stacks[b].listenTCP(port: 5001).delegate = server
        let client = BulkEndpoint(total: 300_000, sendSeed: 6, receiveSeed: 5)
        client.attach(try network.stacks[a].connectTCP(to: IPv4Address(10, 3, 0, 1), port: 5001))
        #expect(network.run(for: .seconds(60)) { client.isDone && server.isDone })
        #expect(client.mismatches == 0 && server.mismatches == 0)
        #expect(network.stacks[routers[0]].counters[.forwardFragmentationNeeded] > 0)
        #expect(network.stacks[routers[1]].counters[.forwardFragmentationNeeded] > 0)
    }
}
