import Testing
@testable import TernStack
import TernWire

@Suite("Neighbor Discovery")
struct NeighborDiscoveryTests {
    typealias F = IPv6Frames

    /// Sends a UDP datagram from the host to `destination` through a socket.
    private func sendUDP(_ host: TestHost, to destination: IPv6Address = F.peerGlobal, count: Int = 1) throws {
        let socket = try host.stack.bindUDP(port: 5000)
        defer { socket.close() }
        for _ in 0..<count {
            try [UInt8]("hello".utf8).withUnsafeBytes { try socket.send($0, to: .v6(destination), port: 9) }
        }
    }

    private func state(_ host: TestHost, _ address: IPv6Address = F.peerGlobal) -> NeighborState? {
        host.stack.interfaces[0].neighborState(of: address)
    }

    @Test("the link-local address comes from the MAC (modified EUI-64)")
    func linkLocalFromMAC() {
        let host = F.host()
        #expect(host.stack.interfaces[0].ipv6LinkLocalAddress == IPv6Address("fe80::aff:fe00:2"))
        #expect(host.stack.interfaces[0].ipv6AddressStates.map(\.address.description) == ["fe80::aff:fe00:2/64",
                                                                                          "fd00::2/64"])
    }

    @Test("answers a solicitation for each of its addresses and learns the asker as STALE")
    func answersSolicitations() {
        let host = F.host()
        for target in [F.hostGlobal, F.hostLinkLocal] {
            host.deliver(F.solicitation(for: target))
            let sent = host.log.takeIPv6()
            #expect(sent.count == 1)
            let answer = sent.first
            #expect(answer?.advertisement?.target == target)
            #expect(answer?.advertisement?.flags == [.solicited, .override])
            #expect(answer?.ndp?.options.targetLinkLayerAddress == TestHost.hostMAC)
            #expect(answer?.header.destination == F.peerLinkLocal)
            #expect(answer?.header.source == target)
            #expect(answer?.header.hopLimit == 255)
            #expect(answer?.ethernet.destination == TestHost.peerMAC)
        }
        // The solicitation is no proof the peer hears us: STALE, not REACHABLE (RFC 4861 §7.2.3).
        #expect(state(host, F.peerLinkLocal) == .stale)
        #expect(host.stack.interfaces[0].neighborMAC(of: F.peerLinkLocal) == TestHost.peerMAC)
    }

    @Test("ignores solicitations for other addresses and invalid ones")
    func ignoresOthers() {
        let host = F.host()
        // fd01::2 shares our solicited-node group (ff02::1:ff00:2) but is not ours; fd00::99's
        // group frame is not even taken.
        host.deliver(F.solicitation(for: IPv6Address("fd01::2")!))
        host.deliver(F.solicitation(for: IPv6Address("fd00::99")!))
        var bad = F.solicitation(for: F.hostGlobal)
        bad[EthernetHeader.size + 7] = 64   // hop limit below 255: not from this link
        host.deliver(bad)
        #expect(host.log.takeIPv6().isEmpty)
        #expect(host.stack.counters[.ndpNotForUs] == 1)
        #expect(host.stack.counters[.ndpInvalid] == 1)
        #expect(host.stack.counters[.frameNotForUs] == 1)
        #expect(state(host, F.peerLinkLocal) == nil)
    }

    @Test("INCOMPLETE: solicits the solicited-node group, queues, and sends on a solicited advertisement (REACHABLE)")
    func resolves() throws {
        let host = F.host()
        try sendUDP(host, count: 2)
        let sent = host.log.takeIPv6()
        #expect(sent.count == 1)
        #expect(sent.first?.solicitationTarget == F.peerGlobal)
        #expect(sent.first?.header.destination == F.peerGlobal.solicitedNodeMulticast)
        #expect(sent.first?.ethernet.destination == MACAddress(0x33, 0x33, 0xFF, 0, 0, 1))
        #expect(sent.first?.header.source == F.hostGlobal, "a source on the target's prefix")
        #expect(sent.first?.ndp?.options.sourceLinkLayerAddress == TestHost.hostMAC)
        #expect(state(host) == .incomplete)

        host.deliver(F.advertisement(for: F.peerGlobal, to: F.hostGlobal, from: F.peerGlobal))
        let released = host.log.takeIPv6()
        #expect(released.count == 2)
        #expect(released.allSatisfy { $0.upperLayer == .udp && $0.ethernet.destination == TestHost.peerMAC })
        #expect(state(host) == .reachable)
    }

    @Test("INCOMPLETE: three solicitations a second apart, then the entry and its queue go")
    func resolutionFails() throws {
        let host = F.host()
        try sendUDP(host)
        #expect(host.log.takeIPv6().count == 1)
        host.advance(by: .milliseconds(2500))
        #expect(host.log.takeIPv6().compactMap(\.solicitationTarget) == [F.peerGlobal, F.peerGlobal])
        #expect(state(host) == .incomplete)
        host.advance(by: .seconds(1))
        #expect(state(host) == nil)
        #expect(host.stack.counters[.ndpResolutionFailed] == 1)
        #expect(host.events == [.neighborUnreachable(F.peerGlobal)])
        #expect(host.log.takeIPv6().isEmpty, "no error to ourselves about our own packet")
    }

    @Test("the queue while resolving is bounded")
    func boundedQueue() throws {
        let host = F.host()
        let socket = try host.stack.bindUDP(port: 5000)
        var refused = 0
        for _ in 0..<20 {
            do {
                try [UInt8]("hello".utf8).withUnsafeBytes { try socket.send($0, to: .v6(F.peerGlobal), port: 9) }
            } catch {
                #expect((error as? SocketError) == .hostUnreachable)
                refused += 1
            }
        }
        #expect(refused == 4)
        #expect(host.stack.counters[.ndpQueueFull] == 4)
        host.log.frames.removeAll()
        host.deliver(F.advertisement(for: F.peerGlobal, to: F.hostGlobal, from: F.peerGlobal))
        #expect(host.log.takeIPv6().count == 16)
    }

    @Test("REACHABLE → STALE → DELAY → PROBE → REACHABLE")
    func reachabilityCycle() throws {
        let host = F.host()
        try sendUDP(host)
        host.deliver(F.advertisement(for: F.peerGlobal, to: F.hostGlobal, from: F.peerGlobal))
        host.log.frames.removeAll()
        #expect(state(host) == .reachable)
        // The reachable time is drawn from 15–45 s.
        host.advance(by: .seconds(14))
        #expect(state(host) == .reachable)
        host.advance(by: .seconds(32))
        #expect(state(host) == .stale)
        #expect(host.log.takeIPv6().isEmpty, "a STALE entry waits for traffic")

        try sendUDP(host)
        let sent = host.log.takeIPv6()
        #expect(sent.count == 1 && sent.first?.upperLayer == .udp, "a STALE entry is still used")
        #expect(state(host) == .delay)

        host.advance(by: .milliseconds(4900))
        #expect(state(host) == .delay)
        host.advance(by: .milliseconds(200))
        #expect(state(host) == .probe)
        let probe = host.log.takeIPv6()
        #expect(probe.first?.solicitationTarget == F.peerGlobal)
        #expect(probe.first?.header.destination == F.peerGlobal, "probes are unicast")
        #expect(probe.first?.ethernet.destination == TestHost.peerMAC)

        host.deliver(F.advertisement(for: F.peerGlobal, to: F.hostGlobal, from: F.peerGlobal))
        #expect(state(host) == .reachable)
    }

    @Test("PROBE: three unanswered probes and the neighbour is forgotten")
    func probeFails() throws {
        let host = F.host()
        host.deliver(F.solicitation(for: F.hostGlobal, from: F.peerGlobal))
        #expect(state(host) == .stale)
        try sendUDP(host)
        host.advance(by: .seconds(5))
        #expect(state(host) == .probe)
        host.advance(by: .milliseconds(2500))
        #expect(state(host) == .probe)
        #expect(host.log.takeIPv6().compactMap(\.solicitationTarget).count == 3)
        host.advance(by: .seconds(1))
        #expect(state(host) == nil)
    }

    @Test("advertisements: unsolicited with override moves the MAC (STALE); without override only doubts it")
    func overrideRules() throws {
        let host = F.host()
        let other = MACAddress(0x02, 0xCC, 0, 0, 0, 9)
        try sendUDP(host)
        host.deliver(F.advertisement(for: F.peerGlobal, to: F.hostGlobal, from: F.peerGlobal))
        #expect(state(host) == .reachable)

        host.deliver(F.advertisement(for: F.peerGlobal, mac: other, flags: [], to: .allNodes, from: F.peerGlobal))
        #expect(state(host) == .stale)
        #expect(host.stack.interfaces[0].neighborMAC(of: F.peerGlobal) == TestHost.peerMAC)

        host.deliver(F.advertisement(for: F.peerGlobal, mac: other, flags: [.override], to: .allNodes,
                                     from: F.peerGlobal))
        #expect(state(host) == .stale)
        #expect(host.stack.interfaces[0].neighborMAC(of: F.peerGlobal) == other)

        // No entry: an unsolicited advertisement creates none.
        host.deliver(F.advertisement(for: IPv6Address("fd00::77")!, flags: [.override], to: .allNodes,
                                     from: IPv6Address("fd00::77")!))
        #expect(state(host, IPv6Address("fd00::77")!) == nil)
    }

    @Test("a solicitation with a new MAC makes the entry STALE with that MAC")
    func solicitationUpdates() throws {
        let host = F.host()
        try sendUDP(host)
        host.deliver(F.advertisement(for: F.peerGlobal, to: F.hostGlobal, from: F.peerGlobal))
        let other = MACAddress(0x02, 0xCC, 0, 0, 0, 9)
        host.deliver(F.solicitation(for: F.hostGlobal, from: F.peerGlobal, sourceMAC: other))
        #expect(state(host) == .stale)
        #expect(host.stack.interfaces[0].neighborMAC(of: F.peerGlobal) == other)
    }

    @Test("takes frames for its solicited-node and all-nodes groups, not other groups")
    func multicastFilter() {
        let host = F.host()
        host.deliver(F.solicitation(for: F.hostGlobal, from: F.peerGlobal))
        host.log.frames.removeAll()
        host.deliver(F.echoRequest(to: .allNodes))
        #expect(host.log.takeIPv6().first?.icmp?.type == .echoReply)
        host.deliver(F.echoRequest(to: IPv6Address("ff02::1:ff00:99")!))
        #expect(host.log.takeIPv6().isEmpty)
        #expect(host.stack.counters[.frameNotForUs] == 1)
    }
}
