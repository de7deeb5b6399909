import Testing
@testable import TernStack
import TernWire

/// TCP over IPv6 with the links' offloads: super-segments for a link that cuts them, cut in
/// software for one that cannot, and forwarded super-segments from a TAP.
@Suite("IPv6 offloads")
struct IPv6OffloadTests {
    typealias F = IPv6Frames

    /// The wire frames a link makes of what was sent (the work done in software).
    static func wireFrames(_ frames: [(bytes: [UInt8], offload: FrameOffload?)]) -> [SentIPv6] {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { scratch.deallocate() }
        var out: [SentIPv6] = []
        for frame in frames {
            guard let offload = frame.offload else {
                if let sent = SentIPv6(frame.bytes) { out.append(sent) }
                continue
            }
            frame.bytes.withUnsafeBytes { bytes in
                SoftwareOffload.wireFrames(of: bytes, offload, scratch: scratch) { piece in
                    if let sent = SentIPv6(Array(piece)) { out.append(sent) }
                }
            }
        }
        return out
    }

    /// A host on fd00::2/64 whose link has offloads when `offloads`, with a connection from
    /// the peer fd00::1 accepted (the peer's MSS 1440, window scale 7, timestamps off).
    func connected(offloads: Bool, secondLinkOffloads: Bool = false)
        throws -> (NetworkStack, OffloadLog, TCPConnection, UInt32) {
        let log = OffloadLog()
        var configuration = StackConfiguration(mac: TestHost.hostMAC, address: IPv4Subnet("10.0.0.2/24")!,
                                               randomSeed: 1)
        configuration.interfaces[0].ipv6Addresses = [IPv6Subnet("fd00::2/64")!]
        configuration.interfaces[0].capabilities = offloads ? .tapOffloads : .none
        var transmitters: [any FrameTransmitter] = [log]
        if secondLinkOffloads {
            // Another link that takes super-segments, so the engine builds them at all.
            configuration.interfaces.append(InterfaceConfiguration(name: "other", mac: MACAddress(2, 0, 0, 0, 9, 9),
                                                                   address: IPv4Subnet("10.9.0.2/24")!,
                                                                   capabilities: .tapOffloads))
            transmitters.append(FrameLog())
        }
        let stack = try NetworkStack(configuration: configuration, transmitters: transmitters, now: .seconds(1))
        func deliver(_ frame: [UInt8]) {
            frame.withUnsafeBytes { stack.receive(frame: $0, now: .seconds(1)) }
            stack.poll(now: .seconds(1))
        }
        deliver(F.solicitation(for: F.hostGlobal, from: F.peerGlobal))
        let recorder = TCPRecorder()
        try stack.listenTCP(port: 80).delegate = recorder
        deliver(F.tcp(destinationPort: 80, sequence: 100, flags: .syn,
                      options: TCPOptions(maximumSegmentSize: 1440, windowScale: 7, sackPermitted: true)))
        let synACK = try #require(Self.wireFrames(log.frames).last?.tcp)
        #expect(log.frames.last?.offload == nil, "only super-segments leave work to the link")
        let iss = synACK.header.sequenceNumber.rawValue
        deliver(F.tcp(destinationPort: 80, sequence: 101, acknowledgment: iss &+ 1, flags: .ack))
        let connection = try #require(recorder.accepted.first)
        log.frames.removeAll()
        return (stack, log, connection, iss &+ 1)
    }

    @Test("bulk data leaves as TCPv6 super-segments the link cuts into 1440-byte frames with valid checksums")
    func superSegments() throws {
        let (stack, log, connection, _) = try connected(offloads: true)
        let data = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        _ = data.withUnsafeBytes { connection.send($0) }
        stack.poll(now: .seconds(1))
        // The initial window of ten segments, as two super-segments (half the window each).
        #expect(log.frames.count == 2)
        let first = try #require(log.frames.first)
        let offload = try #require(first.offload)
        #expect(offload.isIPv6 && offload.isSegmentation)
        #expect(offload.segmentSize == 1440)
        #expect(offload.checksumStart == 54 && offload.checksumOffset == 16)
        #expect(offload.headerLength == 54 + 20)
        #expect(first.bytes.count == 74 + 5 * 1440)
        let packet = try #require(SentIPv6(first.bytes))
        #expect(Int(packet.header.payloadLength) == 20 + 5 * 1440, "the IPv6 header covers the whole super-segment")
        let pieces = Self.wireFrames(log.frames)
        #expect(pieces.count == 10)
        #expect(pieces.allSatisfy { $0.tcp?.payload.count == 1440 }, "every piece's checksum verifies")
        #expect(pieces.flatMap { $0.tcp?.payload ?? [] } == Array(data[0..<14_400]), "the bytes in order (not shown)")
    }

    @Test("with offloads on another link only, the super-segment is cut here into valid frames")
    func cutInSoftware() throws {
        let (stack, log, connection, _) = try connected(offloads: false, secondLinkOffloads: true)
        let data = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 17) }
        _ = data.withUnsafeBytes { connection.send($0) }
        stack.poll(now: .seconds(1))
        #expect(log.frames.count == 10, "ten frames of one MSS, not fragments")
        #expect(log.frames.allSatisfy { $0.offload == nil && $0.bytes.count == 14 + 40 + 20 + 1440 })
        let pieces = log.frames.compactMap { SentIPv6($0.bytes) }
        #expect(pieces.allSatisfy { $0.fragment == nil && $0.tcp?.payload.count == 1440 })
        #expect(pieces.flatMap { $0.tcp?.payload ?? [] } == Array(data[0..<14_400]), "the bytes in order (not shown)")
    }

    @Test("a super-segment waiting for Neighbor Discovery is queued as the frames it stands for")
    func queuedWhileResolving() throws {
        let (stack, log, connection, _) = try connected(offloads: true)
        // The peer's entry forgotten: the next data waits for resolution.
        stack.interfaces[0].ipv6.neighbors = NeighborCache(configuration: stack.configuration.ipv6)
        let data = [UInt8](repeating: 0x42, count: 5000)
        _ = data.withUnsafeBytes { connection.send($0) }
        stack.poll(now: .seconds(1))
        let solicitation = log.frames.compactMap { SentIPv6($0.bytes) }.first { $0.solicitationTarget == F.peerGlobal }
        #expect(solicitation != nil)
        log.frames.removeAll()
        F.advertisement(for: F.peerGlobal).withUnsafeBytes { stack.receive(frame: $0, now: .seconds(1)) }
        stack.poll(now: .seconds(1))
        let sent = log.frames.compactMap { SentIPv6($0.bytes) }.compactMap(\.tcp)
        #expect(log.frames.allSatisfy { $0.offload == nil })
        #expect(sent.map(\.payload.count) == [1440, 1440, 1440, 680])
    }
}

/// A router between two IPv6 links: TCP super-segments that come in from a TAP with
/// offloads go on whole to a link that cuts them, and are cut here for one that cannot.
@Suite("Forwarding IPv6 super-segments")
struct IPv6SuperSegmentForwardingTests {
    typealias F = IPv6Frames
    static let hostA = IPv6Address("fd00:1::5")!
    static let hostB = IPv6Address("fd00:2::5")!
    static let macA = MACAddress(0x02, 0, 1, 0, 0, 1)
    static let macB = MACAddress(0x02, 0, 2, 0, 0, 1)
    static let routerA = MACAddress(0x02, 0, 1, 0, 0, 0xFE)

    func router(egressOffloads: Bool) throws -> (NetworkStack, OffloadLog) {
        var configuration = StackConfiguration(interfaces: [
            InterfaceConfiguration(name: "a", mac: Self.routerA, address: IPv4Subnet("10.1.0.254/24")!,
                                   capabilities: .tapOffloads, ipv6Addresses: [IPv6Subnet("fd00:1::1/64")!]),
            InterfaceConfiguration(name: "b", mac: MACAddress(0x02, 0, 2, 0, 0, 0xFE), address: IPv4Subnet("10.2.0.254/24")!,
                                   capabilities: egressOffloads ? .tapOffloads : .none,
                                   ipv6Addresses: [IPv6Subnet("fd00:2::1/64")!]),
        ], randomSeed: 7)
        configuration.forwarding = true
        let log = OffloadLog()
        let stack = try NetworkStack(configuration: configuration, transmitters: [FrameLog(), log], now: .seconds(1))
        F.solicitation(for: IPv6Address("fd00:2::1")!, from: Self.hostB, sourceMAC: Self.macB)
            .withUnsafeBytes { stack.receive(frame: $0, on: 1, now: .seconds(1)) }
        stack.poll(now: .seconds(1))
        log.frames.removeAll()
        return (stack, log)
    }

    /// A 5000-byte TCP segment from A to B, checksum complete, as a TAP hands over what the
    /// kernel's segmentation offload made.
    func superSegment() -> [UInt8] {
        let payload = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        var segment = [UInt8](repeating: 0, count: 20) + payload
        segment.withUnsafeMutableBytes { buffer in
            _ = try? TCPHeader(sourcePort: 40000, destinationPort: 5001, sequenceNumber: SequenceNumber(1000),
                               acknowledgmentNumber: SequenceNumber(1), flags: [.ack, .psh], window: 500)
                .write(to: buffer, payloadLength: payload.count, source: Self.hostA, destination: Self.hostB)
        }
        return F.packet(from: Self.hostA, to: Self.hostB, nextHeader: .tcp, payload: segment, sourceMAC: Self.macA,
                        destinationMAC: Self.routerA)
    }

    @Test("to a link without offloads it is cut into 1440-byte segments with valid checksums, no packet too big")
    func cut() throws {
        let (stack, log) = try router(egressOffloads: false)
        superSegment().withUnsafeBytes { stack.receive(frame: $0, on: 0, now: .seconds(1)) }
        let frames = log.frames.compactMap { SentIPv6($0.bytes) }
        #expect(frames.count == 4)
        var sequence: UInt32 = 1000
        for frame in frames {
            #expect(frame.header.hopLimit == 63 && frame.ethernet.destination == Self.macB)
            let tcp = try #require(frame.tcp, "a valid checksum")
            #expect(tcp.header.sequenceNumber.rawValue == sequence)
            #expect(tcp.payload.count <= 1440)
            sequence &+= UInt32(tcp.payload.count)
        }
        #expect(sequence == 1000 + 5000)
        #expect(stack.counters[.forwardFragmentationNeeded] == 0)
    }

    @Test("to a link with offloads it goes whole, with TCPv6 work for the link")
    func whole() throws {
        let (stack, log) = try router(egressOffloads: true)
        superSegment().withUnsafeBytes { stack.receive(frame: $0, on: 0, now: .seconds(1)) }
        #expect(log.frames.count == 1)
        let offload = try #require(log.frames.first?.offload)
        #expect(offload.isIPv6 && offload.segmentSize == 1440 && offload.checksumStart == 54 && offload.headerLength == 74)
        let pieces = IPv6OffloadTests.wireFrames(log.frames)
        #expect(pieces.count == 4 && pieces.allSatisfy { $0.tcp != nil && $0.header.hopLimit == 63 })
        #expect(stack.counters[.datagramsForwarded] == 1)
    }

    @Test("a super-segment whose TCP header does not parse is dropped and counted, not cut")
    func malformed() throws {
        let (stack, log) = try router(egressOffloads: false)
        var frame = superSegment()
        frame[14 + 40 + 12] = 0x20  // a data offset of 2 words: shorter than any TCP header
        frame.withUnsafeBytes { stack.receive(frame: $0, on: 0, now: .seconds(1)) }
        #expect(log.frames.isEmpty)
        #expect(stack.counters[.ipv6Malformed] == 1)
        #expect(stack.counters[.datagramsForwarded] == 0)
    }

    @Test("a packet larger than the next link that is not a super-segment still gets packet too big")
    func notASuperSegment() throws {
        let (stack, log) = try router(egressOffloads: false)
        var frame = superSegment()
        frame[14 + 6] = IPProtocol.udp.rawValue
        frame.withUnsafeBytes { stack.receive(frame: $0, on: 0, now: .seconds(1)) }
        #expect(log.frames.isEmpty)
        #expect(stack.counters[.forwardFragmentationNeeded] == 1)
    }
}
