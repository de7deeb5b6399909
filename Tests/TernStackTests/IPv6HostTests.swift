import Testing
@testable import TernStack
import TernWire

@Suite("IPv6 host")
struct IPv6HostTests {
    typealias F = IPv6Frames

    /// A host that knows the peer's global and link-local addresses (from solicitations).
    private func hostKnowingPeer(configure: (inout StackConfiguration) -> Void = { _ in }) -> TestHost {
        let host = F.host(configure: configure)
        host.deliver(F.solicitation(for: F.hostGlobal, from: F.peerGlobal))
        host.deliver(F.solicitation(for: F.hostLinkLocal, from: F.peerLinkLocal))
        host.log.frames.removeAll()
        return host
    }

    private func addressState(_ host: TestHost, _ address: IPv6Address) -> IPv6AddressState? {
        host.stack.interfaces[0].ipv6AddressStates.first { $0.address.address == address }?.state
    }

    // MARK: - Duplicate address detection

    @Test("DAD: a solicitation from :: for each address at start; tentative for a second, then in use")
    func duplicateAddressDetection() {
        let host = hostKnowingPeer()
        host.stack.start(now: host.now)
        let probes = host.log.takeIPv6()
        #expect(Set(probes.compactMap(\.solicitationTarget)) == [F.hostLinkLocal, F.hostGlobal])
        #expect(probes.allSatisfy { $0.header.source == .unspecified && $0.ndp?.options.sourceLinkLayerAddress == nil })
        #expect(probes.contains { $0.header.destination == IPv6Address("ff02::1:ff00:2") })
        #expect(addressState(host, F.hostGlobal) == .tentative)

        // Tentative: neither answered for nor used.
        host.deliver(F.echoRequest())
        host.deliver(F.solicitation(for: F.hostGlobal, from: F.peerGlobal))
        #expect(host.log.takeIPv6().isEmpty)

        host.advance(by: .seconds(1))
        #expect(addressState(host, F.hostGlobal) == .preferred)
        #expect(addressState(host, F.hostLinkLocal) == .preferred)
        // With its link-local address in use, the host asks for routers.
        let solicitation = host.log.takeIPv6()
        #expect(solicitation.first?.icmp?.type == .routerSolicitation)
        #expect(solicitation.first?.header.source == F.hostLinkLocal)
        #expect(solicitation.first?.header.destination == .allRouters)
        host.deliver(F.echoRequest())
        #expect(host.log.takeIPv6().first?.icmp?.type == .echoReply)
        #expect(host.events.isEmpty)
    }

    @Test("DAD: an advertisement for a tentative address makes it a duplicate, with a warning")
    func duplicateByAdvertisement() {
        let host = hostKnowingPeer()
        host.stack.start(now: host.now)
        host.log.frames.removeAll()
        let thief = MACAddress(0x02, 0xDD, 0, 0, 0, 1)
        host.deliver(F.advertisement(for: F.hostGlobal, mac: thief, flags: [.override], to: .allNodes,
                                     from: F.hostGlobal, sourceMAC: thief))
        host.advance(by: .seconds(2))
        host.log.frames.removeAll()
        #expect(addressState(host, F.hostGlobal) == .duplicate)
        #expect(addressState(host, F.hostLinkLocal) == .preferred)
        #expect(host.events == [.duplicateIPv6Address(address: F.hostGlobal, claimedBy: thief)])
        // Never answered for, never used.
        host.deliver(F.solicitation(for: F.hostGlobal, from: F.peerGlobal))
        host.deliver(F.echoRequest())
        #expect(host.log.takeIPv6().isEmpty)
    }

    @Test("DAD: another node probing the same address at the same time makes it a duplicate")
    func duplicateBySimultaneousProbe() {
        let host = F.host()
        host.stack.start(now: host.now)
        let other = MACAddress(0x02, 0xDD, 0, 0, 0, 2)
        host.deliver(F.solicitation(for: F.hostGlobal, from: .unspecified, sourceMAC: other))
        #expect(addressState(host, F.hostGlobal) == .duplicate)
        #expect(host.events == [.duplicateIPv6Address(address: F.hostGlobal, claimedBy: other)])
    }

    @Test("DAD: our own probe looped back is no conflict; another node's probe for an address in use is defended")
    func loopedProbeAndDefence() {
        let host = F.host()
        host.stack.start(now: host.now)
        host.deliver(F.solicitation(for: F.hostGlobal, from: .unspecified, sourceMAC: TestHost.hostMAC))
        host.advance(by: .seconds(1))
        #expect(addressState(host, F.hostGlobal) == .preferred)
        host.log.frames.removeAll()
        host.deliver(F.solicitation(for: F.hostGlobal, from: .unspecified))
        let defence = host.log.takeIPv6()
        #expect(defence.first?.advertisement?.flags == [.override])
        #expect(defence.first?.header.destination == .allNodes)
    }

    // MARK: - ICMPv6

    @Test("echo: the reply carries identifier, sequence and data, from the address pinged")
    func echo() {
        let host = hostKnowingPeer()
        for (source, destination) in [(F.peerGlobal, F.hostGlobal), (F.peerLinkLocal, F.hostLinkLocal)] {
            let data: [UInt8] = Array(repeating: 0xA5, count: 1000)
            host.deliver(F.echoRequest(from: source, to: destination, identifier: 0x4242, sequence: 9, data: data))
            let reply = host.log.takeIPv6().first
            #expect(reply?.icmp == .echo(.echoReply, identifier: 0x4242, sequence: 9).withChecksum(of: reply))
            #expect(reply?.icmpBody == data)
            #expect(reply?.header.source == destination)
            #expect(reply?.header.destination == source)
            #expect(reply?.header.hopLimit == 64)
        }
        #expect(host.stack.counters[.echoRepliesSent] == 2)
    }

    @Test("UDP to a closed port: destination unreachable (port) quoting the datagram; none for a group")
    func portUnreachable() {
        let host = hostKnowingPeer()
        host.deliver(F.udp(destinationPort: 9999, payload: Array("ping".utf8)))
        let error = host.log.takeIPv6().first
        #expect(error?.icmp?.type == .destinationUnreachable)
        #expect(error?.icmp?.code == ICMPv6UnreachableCode.port.rawValue)
        #expect(error?.icmpBody.count == IPv6Header.size + UDPHeader.size + 4)
        #expect(error?.header.destination == F.peerGlobal)

        host.deliver(F.packet(from: F.peerGlobal, to: .allNodes, nextHeader: .udp,
                              payload: [0x9C, 0x40, 0x27, 0x0F, 0, 8, 0, 0]))
        #expect(host.log.takeIPv6().isEmpty)
    }

    @Test("UDP over IPv6 reaches a bound socket, and the answer goes back from the address used")
    func udpDelivery() throws {
        let host = hostKnowingPeer()
        final class Echo: UDPSocketDelegate {
            var got: [(IPAddress, [UInt8])] = []
            func udpSocket(_ socket: UDPSocket, didReceive payload: UnsafeRawBufferPointer, from address: IPAddress,
                           port: UInt16) {
                got.append((address, Array(payload)))
                try? socket.send(payload, to: address, port: port)
            }
        }
        let echo = Echo()
        let socket = try host.stack.bindUDP(port: 7)
        socket.delegate = echo
        host.deliver(F.udp(destinationPort: 7, payload: Array("hello".utf8)))
        #expect(echo.got.first?.0 == .v6(F.peerGlobal))
        let answer = host.log.takeIPv6().first
        #expect(answer?.upperLayer == .udp)
        #expect(answer?.header.source == F.hostGlobal)
        #expect(Array(answer?.upper.dropFirst(UDPHeader.size) ?? []) == Array("hello".utf8))
        socket.close()
    }

    @Test("errors are rate limited")
    func rateLimited() {
        let host = hostKnowingPeer { $0.icmp.errorBurst = 5 }
        for _ in 0..<20 { host.deliver(F.udp(destinationPort: 9999, payload: [1])) }
        #expect(host.log.takeIPv6().count == 5)
        #expect(host.stack.counters[.icmpRateLimited] == 15)
    }

    @Test("never an error about an error, even behind a header that asks for a report")
    func noErrorAboutError() {
        let host = hostKnowingPeer()
        // A destination options header with an unknown option whose action bits (10) ask for
        // a parameter problem, in front of an ICMPv6 destination unreachable.
        let options: [UInt8] = [58, 0, 0x80, 4, 0, 0, 0, 0]
        let error = F.icmp(.destinationUnreachable(.port), body: Array(repeating: 0, count: 48),
                           from: F.peerGlobal, to: F.hostGlobal)
        host.deliver(F.packet(from: F.peerGlobal, to: F.hostGlobal, nextHeader: .destinationOptions,
                              payload: options + error))
        #expect(host.log.takeIPv6().isEmpty)
        #expect(host.stack.counters[.ipv6HeaderRefused] == 1)
        // The same header before an echo request is answered with the parameter problem.
        let echo = F.icmp(.echo(.echoRequest, identifier: 1, sequence: 1), body: [], from: F.peerGlobal,
                          to: F.hostGlobal)
        host.deliver(F.packet(from: F.peerGlobal, to: F.hostGlobal, nextHeader: .destinationOptions,
                              payload: options + echo))
        let problem = host.log.takeIPv6().first?.icmp
        #expect(problem?.type == .parameterProblem)
        #expect(problem?.code == ICMPv6ParameterProblemCode.unrecognizedOption.rawValue)
        #expect(problem?.pointer == 42)
    }

    @Test("an unknown upper layer is answered with unrecognised next header")
    func unknownNextHeader() {
        let host = hostKnowingPeer()
        host.deliver(F.packet(from: F.peerGlobal, to: F.hostGlobal, nextHeader: IPProtocol(rawValue: 253),
                              payload: [1, 2, 3, 4]))
        let problem = host.log.takeIPv6().first?.icmp
        #expect(problem?.type == .parameterProblem)
        #expect(problem?.code == ICMPv6ParameterProblemCode.unrecognizedNextHeader.rawValue)
        #expect(problem?.pointer == 6)
    }

    @Test("packets for other hosts, from multicast sources or in group frames are dropped")
    func dropsStrangers() {
        let host = hostKnowingPeer()
        host.deliver(F.echoRequest(to: IPv6Address("fd00::99")!))
        host.deliver(F.echoRequest(from: IPv6Address("ff02::1")!))
        host.deliver(F.echoRequest(destinationMAC: IPv6Address.allNodes.ethernetMulticastAddress))
        // A link-local address is ours only on its own link, and fe80::… of another MAC is not ours.
        host.deliver(F.echoRequest(from: F.peerLinkLocal, to: IPv6Address.linkLocal(fromMAC: TestHost.peerMAC)))
        #expect(host.log.takeIPv6().isEmpty)
        #expect(host.stack.counters[.ipv6NotForUs] == 3)
        #expect(host.stack.counters[.ipv6BadSource] == 1)
    }

    // MARK: - Reassembly

    @Test("reassembles an echo request from fragments in any order")
    func reassemblesEcho() {
        let host = hostKnowingPeer()
        let data = (0..<1400).map { UInt8(truncatingIfNeeded: $0) }
        let message = F.icmp(.echo(.echoRequest, identifier: 5, sequence: 6), body: data, from: F.peerGlobal,
                             to: F.hostGlobal)
        let pieces = F.fragments(of: message, nextHeader: .icmpv6, cuts: [504, 1008])
        for piece in [pieces[2], pieces[0], pieces[1]] { host.deliver(piece) }
        let reply = host.log.takeIPv6()
        #expect(reply.count == 1)
        #expect(reply.first?.icmp?.type == .echoReply)
        #expect(reply.first?.icmpBody == data)
        #expect(host.stack.counters[.datagramsReassembled] == 1)
    }

    @Test("overlapping fragments discard the packet (RFC 5722); an exact repeat is harmless")
    func overlap() {
        let host = hostKnowingPeer()
        let message = F.icmp(.echo(.echoRequest, identifier: 5, sequence: 6), body: Array(repeating: 1, count: 800),
                             from: F.peerGlobal, to: F.hostGlobal)
        let pieces = F.fragments(of: message, nextHeader: .icmpv6, cuts: [400])
        host.deliver(pieces[0])
        host.deliver(pieces[0])
        host.deliver(F.fragment(Array(message[392..<600]), offset: 392, more: true, nextHeader: .icmpv6))
        host.deliver(pieces[1])
        #expect(host.log.takeIPv6().isEmpty)
        #expect(host.stack.counters[.reassemblyOverlap] == 1)
        #expect(host.stack.counters[.datagramsReassembled] == 0)
    }

    @Test("a packet whose fragments stop coming is dropped after 60 s with a time exceeded")
    func reassemblyTimeout() {
        let host = hostKnowingPeer()
        let message = F.icmp(.echo(.echoRequest, identifier: 5, sequence: 6), body: Array(repeating: 1, count: 800),
                             from: F.peerGlobal, to: F.hostGlobal)
        host.deliver(F.fragments(of: message, nextHeader: .icmpv6, cuts: [400])[0])
        host.advance(by: .seconds(59))
        #expect(host.log.takeIPv6().isEmpty)
        host.advance(by: .seconds(2))
        let error = host.log.takeIPv6().first?.icmp
        #expect(error?.type == .timeExceeded)
        #expect(error?.code == ICMPv6TimeExceededCode.fragmentReassemblyTimeExceeded.rawValue)
        #expect(host.stack.counters[.reassemblyTimeout] == 1)
    }

    @Test("a fragment not the last whose length is not a multiple of 8 gets a parameter problem")
    func badFragmentLength() {
        let host = hostKnowingPeer()
        host.deliver(F.fragment([128] + Array(repeating: 0, count: 12), offset: 0, more: true, nextHeader: .icmpv6))
        let problem = host.log.takeIPv6().first?.icmp
        #expect(problem?.type == .parameterProblem)
        #expect(problem?.pointer == 4)
    }
}

extension ICMPv6Header {
    /// This header with the checksum of the frame it is compared with (the echo test checks
    /// every other field).
    func withChecksum(of frame: SentIPv6?) -> ICMPv6Header {
        var copy = self
        copy.checksum = frame?.icmp?.checksum ?? 0
        return copy
    }
}
