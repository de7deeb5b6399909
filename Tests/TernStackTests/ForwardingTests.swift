import Testing
@testable import TernStack
import TernWire

/// A stack with `--forward` between its links (RFC 1812's essentials).
@Suite("Forwarding")
struct ForwardingTests {
    typealias H = MultiLinkHost
    /// A host beyond link 1's neighbour, and one nobody routes to.
    static let far = IPv4Address(10, 0, 2, 2)
    static let unrouted = IPv4Address(192, 0, 2, 9)

    func router(links: Int = 2, mtus: [Int] = [], configure: (inout StackConfiguration) -> Void = { _ in })
        throws -> MultiLinkHost {
        let host = try H(links: links, mtus: mtus) { configuration in
            configuration.forwarding = true
            configure(&configuration)
        }
        for link in 0..<links { host.introduceNeighbour(on: link) }
        return host
    }

    func udp(_ size: Int, to destination: IPv4Address, from source: IPv4Address = H.neighbour(0)) -> [UInt8] {
        FrameBuilder.udp(sourcePort: 5000, destinationPort: 33434,
                         payload: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) },
                         source: source, destination: destination)
    }

    @Test("a datagram goes out of the link its route names, TTL one less, checksum updated", arguments: [2, 64, 255])
    func forwardsWithTTL(ttl: Int) throws {
        let host = try router()
        let payload = udp(100, to: H.neighbour(1))
        host.deliver(host.frame(on: 0, to: H.neighbour(1), .udp, payload, ttl: UInt8(ttl)), on: 0)
        let sent = host.take()
        #expect(sent[0].isEmpty)
        let out = try #require(sent[1].first)
        #expect(out.ipv4?.timeToLive == UInt8(ttl - 1))
        #expect(out.checksumsValid, "header checksum after the RFC 1624 update, UDP checksum untouched")
        #expect(out.ipv4?.source == H.neighbour(0) && out.ipv4?.destination == H.neighbour(1))
        #expect(out.ethernet.source == H.stackMAC(1) && out.ethernet.destination == H.neighbourMAC(1))
        #expect(out.ipPayload == payload)
        #expect(host.stack.counters[.datagramsForwarded] == 1)
        #expect(host.stack.interfaces[0].counters.datagramsForwardedIn == 1)
        #expect(host.stack.interfaces[1].counters.datagramsForwardedOut == 1)
    }

    @Test("TTL 1 is answered with time exceeded quoting the header and the first 8 bytes, from the router")
    func timeExceeded() throws {
        let host = try router()
        let payload = udp(40, to: H.neighbour(1))
        let frame = host.frame(on: 0, to: H.neighbour(1), .udp, payload, ttl: 1)
        host.deliver(frame, on: 0)
        let sent = host.take()
        #expect(sent[1].isEmpty)
        let error = try #require(sent[0].first)
        #expect(error.icmp?.type == .timeExceeded && error.icmp?.code == 0)
        #expect(error.ipv4?.source == H.stackAddress(0) && error.ipv4?.destination == H.neighbour(0))
        #expect(error.checksumsValid)
        let quoted = Array(error.ipPayload[ICMPHeader.size...])
        let original = Array(frame[EthernetHeader.size..<EthernetHeader.size + IPv4Header.minimumSize + 8])
        #expect(Array(quoted.prefix(original.count)) == original, "the datagram as received, TTL 1")
        #expect(host.stack.counters[.forwardTTLExceeded] == 1)
    }

    @Test("no route: destination unreachable (network)")
    func noRoute() throws {
        let host = try router()
        host.deliver(host.frame(on: 0, to: Self.unrouted, .udp, udp(8, to: Self.unrouted)), on: 0)
        let sent = host.take()
        let error = try #require(sent[0].first)
        #expect(error.icmp?.type == .destinationUnreachable && error.icmp?.code == ICMPUnreachableCode.network.rawValue)
        #expect(sent[1].isEmpty)
        #expect(host.stack.counters[.ipNoRoute] == 1)
    }

    @Test("DF and larger than the next link's MTU: fragmentation needed carrying that MTU")
    func fragmentationNeeded() throws {
        let host = try router(mtus: [1500, 1280])
        host.deliver(host.frame(on: 0, to: H.neighbour(1), .udp, udp(1400, to: H.neighbour(1)), flags: .dontFragment),
                     on: 0)
        let sent = host.take()
        #expect(sent[1].isEmpty)
        let error = try #require(sent[0].first)
        #expect(error.icmp?.type == .destinationUnreachable)
        #expect(error.icmp?.code == ICMPUnreachableCode.fragmentationNeeded.rawValue)
        #expect(error.icmp?.nextHopMTU == 1280)
        #expect(host.stack.counters[.forwardFragmentationNeeded] == 1)
    }

    @Test("without DF, a datagram larger than the next link's MTU is forwarded in fragments")
    func fragmentsOnForward() throws {
        let host = try router(mtus: [1500, 576])
        let payload = udp(1400, to: H.neighbour(1))
        host.deliver(host.frame(on: 0, to: H.neighbour(1), .udp, payload, identification: 77), on: 0)
        let pieces = host.take()[1]
        #expect(pieces.count == 3)
        var joined: [UInt8] = []
        for piece in pieces.sorted(by: { ($0.ipv4?.fragmentOffset ?? 0) < ($1.ipv4?.fragmentOffset ?? 0) }) {
            let ip = try #require(piece.ipv4)
            #expect(Int(ip.totalLength) <= 576 && ip.identification == 77 && ip.timeToLive == 63)
            #expect(Int(ip.fragmentOffset) * 8 == joined.count)
            #expect(piece.checksumsValid)
            joined += piece.ipPayload
        }
        #expect(joined == payload)
        #expect(pieces.last?.ipv4?.flags.contains(.moreFragments) == false)
    }

    @Test("never forwarded: link-layer broadcasts, bogus sources and destinations, each counted")
    func neverForwarded() throws {
        let host = try router()
        let target = H.neighbour(1)
        host.deliver(host.frame(on: 0, to: target, .udp, udp(8, to: target), destinationMAC: .broadcast), on: 0)
        #expect(host.stack.counters[.forwardLinkBroadcast] == 1)
        for source in [IPv4Address(0, 1, 2, 3), IPv4Address(127, 0, 0, 1), IPv4Address(224, 0, 0, 5)] {
            host.deliver(host.frame(on: 0, from: source, to: target, .udp, udp(8, to: target, from: source)), on: 0)
        }
        #expect(host.stack.counters[.forwardBadSource] == 3)
        for destination in [IPv4Address(224, 0, 0, 9), IPv4Address(127, 0, 0, 9), IPv4Address(0, 0, 0, 9),
                            IPv4Address(250, 1, 1, 1)] {
            host.deliver(host.frame(on: 0, to: destination, .udp, udp(8, to: destination)), on: 0)
        }
        #expect(host.stack.counters[.forwardBadDestination] == 4)
        // The directed broadcast of another of our links is ours, not forwarded to that link.
        host.deliver(host.frame(on: 0, to: IPv4Address(10, 0, 2, 255), .udp, udp(8, to: IPv4Address(10, 0, 2, 255))),
                     on: 0)
        #expect(host.take().allSatisfy { $0.isEmpty }, "nothing sent, no ICMP errors either")
        #expect(host.stack.counters[.datagramsForwarded] == 0)
    }

    @Test("without forwarding a host drops datagrams for others")
    func hostDrops() throws {
        let host = try H(links: 2)
        host.introduceNeighbour(on: 0)
        host.introduceNeighbour(on: 1)
        host.deliver(host.frame(on: 0, to: H.neighbour(1), .udp, udp(8, to: H.neighbour(1))), on: 0)
        #expect(host.take().allSatisfy { $0.isEmpty })
        #expect(host.stack.counters[.ipNotForUs] == 1)
    }

    @Test("the next hop is resolved on the egress link; when it never answers, the source hears host unreachable")
    func resolutionOnEgress() throws {
        let host = try H(links: 3) { configuration in
            configuration.forwarding = true
            configuration.staticRoutes = [(IPv4Subnet("172.20.0.0/16")!, IPv4Address(10, 0, 3, 7))]
        }
        host.introduceNeighbour(on: 0)
        let target = IPv4Address(172, 20, 1, 1)
        host.deliver(host.frame(on: 0, to: target, .udp, udp(8, to: target)), on: 0)
        var sent = host.take()
        #expect(sent[0].isEmpty && sent[1].isEmpty)
        #expect(sent[2].first?.arp?.targetIP == IPv4Address(10, 0, 3, 7))
        host.advance(by: .seconds(5))
        sent = host.take()
        let error = try #require(sent[0].first { $0.icmp != nil })
        #expect(error.icmp?.type == .destinationUnreachable && error.icmp?.code == ICMPUnreachableCode.host.rawValue)
        #expect(error.ipv4?.destination == H.neighbour(0))
    }
}

/// TCP super-segments that arrive from a link with offloads (a TAP hands them over as the
/// kernel's GSO made them).
@Suite("Forwarding super-segments")
struct SuperSegmentForwardingTests {
    typealias H = MultiLinkHost

    /// A router whose link 0 has offloads; link 1 has them when `egressOffloads`.
    func router(egressOffloads: Bool) throws -> (NetworkStack, OffloadLog) {
        let ingress = InterfaceConfiguration(name: "tap0", mac: H.stackMAC(0),
                                             address: IPv4Subnet(address: H.stackAddress(0), prefixLength: 24)!,
                                             capabilities: .tapOffloads)
        let egress = InterfaceConfiguration(name: "eth1", mac: H.stackMAC(1),
                                            address: IPv4Subnet(address: H.stackAddress(1), prefixLength: 24)!,
                                            capabilities: egressOffloads ? .tapOffloads : .none)
        var configuration = StackConfiguration(interfaces: [ingress, egress], randomSeed: 3)
        configuration.forwarding = true
        let log = OffloadLog()
        let stack = try NetworkStack(configuration: configuration, transmitters: [FrameLog(), log], now: .seconds(1))
        FrameBuilder.arp(.request, senderMAC: H.neighbourMAC(1), senderIP: H.neighbour(1), targetIP: H.stackAddress(1))
            .withUnsafeBytes { stack.receive(frame: $0, on: 1, now: .seconds(1)) }
        log.frames.removeAll()
        return (stack, log)
    }

    /// A 5000-byte TCP datagram with DF, as the kernel hands a TAP a super-segment.
    func superSegment() -> [UInt8] {
        let payload = (0..<4960).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let tcp = FrameBuilder.tcp(sourcePort: 40000, destinationPort: 5001, sequence: 1000, acknowledgment: 1,
                                   flags: [.ack, .psh], payload: payload, source: H.neighbour(0),
                                   destination: H.neighbour(1))
        return FrameBuilder.ipv4(from: H.neighbour(0), to: H.neighbour(1), protocol: .tcp, payload: tcp,
                                 flags: .dontFragment, sourceMAC: H.neighbourMAC(0), destinationMAC: H.stackMAC(0))
    }

    @Test("to a link without offloads it is cut into MSS-sized segments with valid checksums")
    func cutToMTU() throws {
        let (stack, log) = try router(egressOffloads: false)
        superSegment().withUnsafeBytes { stack.receive(frame: $0, on: 0, now: .seconds(1)) }
        let frames = log.frames.compactMap { SentFrame($0.bytes) }
        #expect(frames.count == 4)
        var sequence: UInt32 = 1000
        for frame in frames {
            #expect(frame.bytes.count <= EthernetHeader.size + 1500)
            #expect(frame.checksumsValid && frame.ipv4?.timeToLive == 63)
            let tcp = try #require(frame.tcp)
            #expect(tcp.header.sequenceNumber.rawValue == sequence)
            sequence &+= UInt32(tcp.payloadLength)
        }
        #expect(sequence == 1000 + 4960)
        #expect(stack.counters[.forwardFragmentationNeeded] == 0, "DF is for the segments, not the super-segment")
    }

    @Test("to a link with offloads it goes whole, with the work for the link")
    func forwardedWhole() throws {
        let (stack, log) = try router(egressOffloads: true)
        superSegment().withUnsafeBytes { stack.receive(frame: $0, on: 0, now: .seconds(1)) }
        #expect(log.frames.count == 1)
        let whole = try #require(log.frames.first)
        let offload = try #require(whole.offload)
        #expect(offload.segmentSize == 1460 && offload.headerLength == 54 && offload.checksumStart == 34)
        #expect(whole.bytes.count == EthernetHeader.size + 5000)
        // What the link makes of it: four finished segments.
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { scratch.deallocate() }
        var pieces: [SentFrame] = []
        whole.bytes.withUnsafeBytes { frame in
            SoftwareOffload.wireFrames(of: frame, offload, scratch: scratch) { pieces.append(SentFrame(Array($0))!) }
        }
        #expect(pieces.count == 4 && pieces.allSatisfy { $0.checksumsValid && $0.ipv4?.timeToLive == 63 })
    }
}
