@testable import TernStack
import TernWire

/// IPv6 frames a scripted peer sends, and the decoding of those the stack sends.
enum IPv6Frames {
    static let hostGlobal = IPv6Address("fd00::2")!
    static let peerGlobal = IPv6Address("fd00::1")!
    static let peerLinkLocal = IPv6Address.linkLocal(fromMAC: TestHost.peerMAC)
    static let hostLinkLocal = IPv6Address.linkLocal(fromMAC: TestHost.hostMAC)

    /// A test host with fd00::2/64 on its link.
    static func host(configure: (inout StackConfiguration) -> Void = { _ in }) -> TestHost {
        TestHost { configuration in
            configuration.interfaces[0].ipv6Addresses = [IPv6Subnet("fd00::2/64")!]
            configure(&configuration)
        }
    }

    /// An IPv6 packet in an Ethernet frame; `payload` starts with the headers after the
    /// fixed one (extension headers, then the upper layer).
    static func packet(from source: IPv6Address, to destination: IPv6Address, nextHeader: IPProtocol,
                       payload: [UInt8], hopLimit: UInt8 = 64, sourceMAC: MACAddress = TestHost.peerMAC,
                       destinationMAC: MACAddress? = nil) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: IPv6Header.size + payload.count)
        bytes.withUnsafeMutableBytes { buffer in
            _ = try? IPv6Header(payloadLength: UInt16(payload.count), nextHeader: nextHeader, hopLimit: hopLimit,
                                source: source, destination: destination).write(to: buffer)
        }
        bytes.replaceSubrange(IPv6Header.size..., with: payload)
        let mac = destinationMAC ?? (destination.isMulticast ? destination.ethernetMulticastAddress : TestHost.hostMAC)
        return FrameBuilder.ethernet(mac, sourceMAC, .ipv6, bytes)
    }

    /// An ICMPv6 message with its checksum.
    static func icmp(_ header: ICMPv6Header, body: [UInt8], from source: IPv6Address,
                     to destination: IPv6Address) -> [UInt8] {
        var message = [UInt8](repeating: 0, count: ICMPv6Header.size) + body
        message.withUnsafeMutableBytes { buffer in
            _ = try? header.write(to: buffer, source: source, destination: destination)
        }
        return message
    }

    static func echoRequest(from source: IPv6Address = peerGlobal, to destination: IPv6Address = hostGlobal,
                            identifier: UInt16 = 7, sequence: UInt16 = 1, data: [UInt8] = Array(0..<56),
                            destinationMAC: MACAddress? = nil) -> [UInt8] {
        packet(from: source, to: destination, nextHeader: .icmpv6,
               payload: icmp(.echo(.echoRequest, identifier: identifier, sequence: sequence), body: data,
                             from: source, to: destination),
               destinationMAC: destinationMAC)
    }

    /// A Neighbor Discovery message, hop limit 255.
    static func ndp(_ message: NDPMessage, options: [NDPOption] = [], from source: IPv6Address,
                    to destination: IPv6Address, sourceMAC: MACAddress = TestHost.peerMAC,
                    destinationMAC: MACAddress? = nil) -> [UInt8] {
        let length = options.reduce(message.fixedLength) { $0 + $1.encodedLength }
        var body = [UInt8](repeating: 0, count: length)
        body.withUnsafeMutableBytes { buffer in
            _ = try? message.write(to: buffer, options: options, source: source, destination: destination)
        }
        return packet(from: source, to: destination, nextHeader: .icmpv6, payload: body, hopLimit: 255,
                      sourceMAC: sourceMAC, destinationMAC: destinationMAC)
    }

    /// A solicitation for `target` from the peer (to the target's solicited-node group).
    static func solicitation(for target: IPv6Address, from source: IPv6Address = peerLinkLocal,
                             sourceMAC: MACAddress = TestHost.peerMAC, withOption: Bool = true) -> [UInt8] {
        ndp(.neighborSolicitation(NDPNeighborSolicitation(target: target)),
            options: withOption && !source.isUnspecified ? [.sourceLinkLayerAddress(sourceMAC)] : [],
            from: source, to: target.solicitedNodeMulticast, sourceMAC: sourceMAC)
    }

    /// An advertisement for `target` to the host (solicited) or to all nodes.
    static func advertisement(for target: IPv6Address, mac: MACAddress? = TestHost.peerMAC,
                              flags: NDPNeighborFlags = [.solicited, .override],
                              to destination: IPv6Address = hostLinkLocal,
                              from source: IPv6Address = peerLinkLocal,
                              sourceMAC: MACAddress = TestHost.peerMAC) -> [UInt8] {
        ndp(.neighborAdvertisement(NDPNeighborAdvertisement(flags: flags, target: target)),
            options: mac.map { [.targetLinkLayerAddress($0)] } ?? [], from: source, to: destination,
            sourceMAC: sourceMAC)
    }

    /// A UDP datagram over IPv6 with its checksum.
    static func udp(sourcePort: UInt16 = 40000, destinationPort: UInt16, payload: [UInt8],
                    from source: IPv6Address = peerGlobal, to destination: IPv6Address = hostGlobal) -> [UInt8] {
        var datagram = [UInt8](repeating: 0, count: UDPHeader.size) + payload
        datagram.withUnsafeMutableBytes { buffer in
            _ = try? UDPHeader(sourcePort: sourcePort, destinationPort: destinationPort, length: UInt16(buffer.count))
                .write(to: buffer, source: source, destination: destination)
        }
        return packet(from: source, to: destination, nextHeader: .udp, payload: datagram)
    }

    /// A TCP segment over IPv6 from the peer's global address to the host's.
    static func tcp(sourcePort: UInt16 = 40000, destinationPort: UInt16, sequence: UInt32, acknowledgment: UInt32 = 0,
                    flags: TCPFlags, window: UInt16 = 65535, options: TCPOptions = TCPOptions(),
                    payload: [UInt8] = []) -> [UInt8] {
        let headerLength = TCPHeader.minimumSize + options.encodedLength
        var segment = [UInt8](repeating: 0, count: headerLength) + payload
        segment.withUnsafeMutableBytes { buffer in
            _ = try? options.write(to: UnsafeMutableRawBufferPointer(rebasing: buffer[TCPHeader.minimumSize..<headerLength]))
            let header = TCPHeader(sourcePort: sourcePort, destinationPort: destinationPort,
                                   sequenceNumber: SequenceNumber(sequence),
                                   acknowledgmentNumber: SequenceNumber(acknowledgment), headerLength: headerLength,
                                   flags: flags, window: window)
            _ = try? header.write(to: buffer, payloadLength: payload.count, source: peerGlobal, destination: hostGlobal)
        }
        return packet(from: peerGlobal, to: hostGlobal, nextHeader: .tcp, payload: segment)
    }

    /// The fragments of `upper` (an upper-layer message with next header `nextHeader`)
    /// cut at the given byte offsets (multiples of 8).
    static func fragments(of upper: [UInt8], nextHeader: IPProtocol, cuts: [Int], identification: UInt32 = 0x1234,
                          from source: IPv6Address = peerGlobal, to destination: IPv6Address = hostGlobal) -> [[UInt8]] {
        let bounds = [0] + cuts + [upper.count]
        return (0..<bounds.count - 1).map { i in
            fragment(Array(upper[bounds[i]..<bounds[i + 1]]), offset: bounds[i], more: i < bounds.count - 2,
                     nextHeader: nextHeader, identification: identification, from: source, to: destination)
        }
    }

    /// One fragment carrying `data` at byte `offset`.
    static func fragment(_ data: [UInt8], offset: Int, more: Bool, nextHeader: IPProtocol,
                         identification: UInt32 = 0x1234, from source: IPv6Address = peerGlobal,
                         to destination: IPv6Address = hostGlobal) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: IPv6FragmentHeader.size)
        header.withUnsafeMutableBytes { buffer in
            _ = try? IPv6FragmentHeader(nextHeader: nextHeader, fragmentOffset: UInt16(offset / 8), moreFragments: more,
                                        identification: identification).write(to: buffer)
        }
        return packet(from: source, to: destination, nextHeader: .fragment, payload: header + data)
    }
}

/// An IPv6 frame the stack sent, decoded.
struct SentIPv6 {
    let ethernet: EthernetHeader
    let header: IPv6Header
    /// The upper layer and its bytes.
    let upperLayer: IPProtocol
    let upper: [UInt8]
    let fragment: IPv6FragmentHeader?

    init?(_ bytes: [UInt8]) {
        let decoded: SentIPv6? = bytes.withUnsafeBytes { frame in
            guard let ethernet = try? EthernetHeader.parse(frame), ethernet.header.etherType == .ipv6,
                  let packet = try? IPv6Header.parse(ethernet.payload),
                  let chain = try? packet.headerStructure() else { return nil }
            return SentIPv6(ethernet: ethernet.header, header: packet.header, upperLayer: chain.upperLayer,
                            upper: Array(packet.payload[chain.upperLayerOffset...]), fragment: chain.fragment)
        }
        guard let decoded else { return nil }
        self = decoded
    }

    private init(ethernet: EthernetHeader, header: IPv6Header, upperLayer: IPProtocol, upper: [UInt8],
                 fragment: IPv6FragmentHeader?) {
        self.ethernet = ethernet
        self.header = header
        self.upperLayer = upperLayer
        self.upper = upper
        self.fragment = fragment
    }

    /// The ICMPv6 header, if this is an unfragmented ICMPv6 message with a valid checksum.
    var icmp: ICMPv6Header? {
        guard upperLayer == .icmpv6, fragment == nil else { return nil }
        return upper.withUnsafeBytes { bytes in
            guard let message = try? ICMPv6Header.parse(bytes),
                  message.isChecksumValid(source: header.source, destination: header.destination) else { return nil }
            return message.header
        }
    }

    /// The TCP header, options and payload, if this is a TCP segment with a valid checksum.
    var tcp: (header: TCPHeader, options: TCPOptions, payload: [UInt8])? {
        guard upperLayer == .tcp, fragment == nil else { return nil }
        return upper.withUnsafeBytes { bytes in
            var sum = InternetChecksum.pseudoHeader(source: header.source, destination: header.destination,
                                                    nextHeader: .tcp, length: bytes.count)
            sum.add(bytes)
            guard sum.value == 0, let segment = try? TCPHeader.parse(bytes),
                  let options = try? segment.parseOptions() else { return nil }
            return (segment.header, options, Array(segment.payload))
        }
    }

    /// The body after the 8-byte ICMPv6 header.
    var icmpBody: [UInt8] { Array(upper.dropFirst(ICMPv6Header.size)) }

    /// The Neighbor Discovery message and its options, if this is one.
    var ndp: (message: NDPMessage, options: NDPOptions)? {
        guard icmp != nil else { return nil }
        return upper.withUnsafeBytes { bytes in
            guard let message = try? ICMPv6Header.parse(bytes), let packet = try? NDPMessage.parse(message) else {
                return nil
            }
            return (packet.message, packet.summary)
        }
    }

    /// The target of a neighbour solicitation.
    var solicitationTarget: IPv6Address? {
        if case .neighborSolicitation(let m)? = ndp?.message { return m.target }
        return nil
    }

    /// The advertisement, if this is one.
    var advertisement: NDPNeighborAdvertisement? {
        if case .neighborAdvertisement(let m)? = ndp?.message { return m }
        return nil
    }
}

extension FrameLog {
    /// Returns and forgets the IPv6 frames sent so far (others are dropped too).
    func takeIPv6() -> [SentIPv6] {
        defer { frames.removeAll() }
        return frames.compactMap(SentIPv6.init)
    }
}
