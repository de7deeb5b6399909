import Testing
@testable import TernStack
import TernWire

@Suite("IPv6 fragmentation and path MTU")
struct IPv6FragmentationTests {
    typealias F = IPv6Frames

    private func hostKnowingPeer() -> TestHost {
        let host = F.host()
        host.deliver(F.solicitation(for: F.hostGlobal, from: F.peerGlobal))
        host.log.frames.removeAll()
        return host
    }

    /// Sends an echo request of `size` data bytes in fragments of at most 1232 bytes.
    private func ping(_ host: TestHost, size: Int, sequence: UInt16 = 1) -> [UInt8] {
        let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let message = F.icmp(.echo(.echoRequest, identifier: 3, sequence: sequence), body: data, from: F.peerGlobal,
                             to: F.hostGlobal)
        let cuts = Array(stride(from: 1232, to: message.count, by: 1232))
        for piece in F.fragments(of: message, nextHeader: .icmpv6, cuts: cuts, identification: UInt32(sequence)) {
            host.deliver(piece)
        }
        return data
    }

    /// Puts fragments back together with the stack's own reassembler.
    private func reassemble(_ frames: [SentIPv6], raw: [[UInt8]]) -> [UInt8]? {
        var reassembler = IPv6Reassembler(configuration: IPv6Configuration())
        for (frame, bytes) in zip(frames, raw) {
            guard let fragment = frame.fragment else { return nil }
            let ip = Array(bytes[EthernetHeader.size..<EthernetHeader.size + IPv6Header.size
                                 + Int(frame.header.payloadLength)])
            let outcome = ip.withUnsafeBytes { buffer in
                reassembler.add(buffer, header: frame.header, fragment: fragment,
                                fragmentHeaderOffset: IPv6Header.size, namingField: 6, now: .zero)
            }
            if case .complete(let whole) = outcome { return whole }
        }
        return nil
    }

    @Test("a reply larger than the MTU leaves in fragments that reassemble to it")
    func fragmentsReply() throws {
        let host = hostKnowingPeer()
        let data = ping(host, size: 4000)
        let raw = host.log.frames
        let sent = host.log.takeIPv6()
        #expect(sent.count == 3)
        #expect(raw.allSatisfy { $0.count <= EthernetHeader.size + 1500 })
        #expect(sent.allSatisfy { $0.fragment?.identification == sent.first?.fragment?.identification })
        #expect(sent.map { $0.fragment?.moreFragments } == [true, true, false])
        #expect(sent.dropLast().allSatisfy { (Int($0.header.payloadLength) - IPv6FragmentHeader.size) % 8 == 0 })
        let whole = try #require(reassemble(sent, raw: raw))
        #expect(Array(whole[(IPv6Header.size + ICMPv6Header.size)...]) == data)
        #expect(whole[IPv6Header.size] == ICMPv6Type.echoReply.rawValue)
        #expect(whole[6] == IPProtocol.icmpv6.rawValue)
        #expect(host.stack.counters[.datagramsFragmented] == 1)
    }

    @Test("a link below IPv6's 1280-byte minimum still gets nothing larger than its MTU (a fuzz finding)")
    func smallLink() throws {
        let host = F.host { $0.mtu = 576 }
        host.deliver(F.solicitation(for: F.hostGlobal, from: F.peerGlobal))
        host.log.frames.removeAll()
        _ = ping(host, size: 1000)
        let raw = host.log.frames
        #expect(raw.count == 2)
        #expect(raw.allSatisfy { $0.count <= EthernetHeader.size + 576 })
        let whole = try #require(reassemble(host.log.takeIPv6(), raw: raw))
        #expect(whole.count == IPv6Header.size + ICMPv6Header.size + 1000)
    }

    @Test("a UDP datagram of 65,000 bytes goes out in fragments")
    func largeUDP() throws {
        let host = hostKnowingPeer()
        let socket = try host.stack.bindUDP(port: 5000)
        let payload = [UInt8](repeating: 0x42, count: 65000)
        try payload.withUnsafeBytes { try socket.send($0, to: .v6(F.peerGlobal), port: 9) }
        let raw = host.log.frames
        let sent = host.log.takeIPv6()
        #expect(sent.count == 45)
        let whole = try #require(reassemble(sent, raw: raw))
        #expect(whole.count == IPv6Header.size + UDPHeader.size + 65000)
    }

    @Test("packet too big lowers the path MTU of that destination, never below 1280, for ten minutes")
    func packetTooBig() {
        let host = hostKnowingPeer()
        _ = ping(host, size: 1400)
        let reply = host.log.frames
        #expect(reply.count == 1, "1448 bytes fit the link's 1500")
        // A router reports an MTU of 1300 for the path to the peer, quoting our reply.
        let quote = Array(reply[0][EthernetHeader.size...].prefix(1232))
        let router = IPv6Address("fd00::fe")!
        host.deliver(F.packet(from: router, to: F.hostGlobal, nextHeader: .icmpv6,
                              payload: F.icmp(.packetTooBig(mtu: 1300), body: quote, from: router, to: F.hostGlobal)))
        host.log.frames.removeAll()
        _ = ping(host, size: 1400, sequence: 2)
        let cut = host.log.frames
        #expect(cut.count == 2)
        #expect(cut.allSatisfy { $0.count <= EthernetHeader.size + 1300 })

        // A report below the minimum counts as 1280.
        host.deliver(F.packet(from: router, to: F.hostGlobal, nextHeader: .icmpv6,
                              payload: F.icmp(.packetTooBig(mtu: 600), body: quote, from: router, to: F.hostGlobal)))
        host.log.frames.removeAll()
        _ = ping(host, size: 1400, sequence: 3)
        #expect(host.log.frames.map(\.count).max() == EthernetHeader.size + 1280)

        // Other destinations keep the link's MTU, and the path MTU is forgotten in time.
        #expect(host.stack.core.ipv6PathMTU.mtu(to: IPv6Address("fd00::77")!, linkMTU: 1500, now: host.now) == 1500)
        host.advance(by: .seconds(601))
        #expect(host.stack.core.ipv6PathMTU.mtu(to: F.peerGlobal, linkMTU: 1500, now: host.now) == 1500)
    }

    @Test("a packet too big about someone else's packet is ignored")
    func packetTooBigForOthers() {
        let host = hostKnowingPeer()
        let stranger = F.packet(from: IPv6Address("fd00::33")!, to: F.peerGlobal, nextHeader: .noNextHeader,
                                payload: Array(repeating: 0, count: 1400))
        let quote = Array(stranger[EthernetHeader.size...].prefix(1232))
        host.deliver(F.packet(from: F.peerGlobal, to: F.hostGlobal, nextHeader: .icmpv6,
                              payload: F.icmp(.packetTooBig(mtu: 1280), body: quote, from: F.peerGlobal,
                                              to: F.hostGlobal)))
        #expect(host.stack.core.ipv6PathMTU.isEmpty)
    }
}
