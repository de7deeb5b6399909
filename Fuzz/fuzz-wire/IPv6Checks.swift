import TernWire

/// The fuzzer's checks of an IPv6 packet: the header and every extension header rebuild to
/// the same bytes, the receiver's walk is the structural walk plus its own checks, every
/// verdict points inside the packet, and what follows the chain parses consistently
/// (checksums against the RFC 1071 reference, Neighbor Discovery rewritten and reread).
enum IPv6Checks {
    private typealias F = WireFuzzTarget

    static func run(_ packet: IPv6Packet) {
        let header = packet.header
        F.requireRoundTrip(packet.headerBytes) { try header.write(to: $0) }

        let structure = try? packet.headerStructure()
        let received = try? packet.headerChain()
        if let received {
            F.require(structure == received, "a chain the receiver accepts has the same structure")
        }
        let disposition = packet.receiverDisposition(knowsUpperLayer: { $0 == .tcp || $0 == .udp || $0 == .icmpv6 })
        F.require((disposition.chain != nil) == (received != nil), "the receiver's verdict walks as the receiver does")
        if case .discardAndReport(_, let pointer) = disposition.disposition {
            F.require(pointer >= 0 && pointer < IPv6Header.size + packet.payload.count, "a parameter problem points into the packet")
        }
        do {
            _ = try packet.headerChain()
        } catch {
            F.require(error.pointer >= 0 && error.pointer < IPv6Header.size + max(packet.payload.count, 1),
                      "a chain error points into the packet")
        }
        guard let chain = structure else { return }
        checkChain(chain, payload: packet.payload)
        if chain.fragment?.isFragment == true { return }

        let upper = UnsafeRawBufferPointer(rebasing: packet.payload[chain.upperLayerOffset...])
        let destination = chain.pseudoHeaderDestination(header)
        switch chain.upperLayer {
        case .icmpv6:
            checkICMPv6(upper, source: header.source, destination: destination)
        case .udp:
            guard let datagram = try? UDPHeader.parse(upper) else { return }
            let valid = datagram.isChecksumValid(source: header.source, destination: destination)
            F.require(valid == (datagram.header.checksum != 0
                                && referenceSum(datagram.bytes, header.source, destination, .udp) == 0),
                      "UDP over IPv6 checksum")
        case .tcp:
            guard let segment = try? TCPHeader.parse(upper) else { return }
            F.checkTCPOptions(segment.options)
            F.require(segment.isChecksumValid(source: header.source, destination: destination)
                      == (referenceSum(segment.bytes, header.source, destination, .tcp) == 0), "TCP over IPv6 checksum")
            var copy = Array(segment.bytes)
            let written: Int? = copy.withUnsafeMutableBytes {
                try? segment.header.write(to: $0, payloadLength: segment.payload.count, source: header.source, destination: destination)
            }
            F.require(written == segment.bytes.count, "TCP over IPv6 header rebuild")
            F.require(copy.withUnsafeBytes { F.bytesEqual($0, segment.bytes, ignoring: 16..<18) }, "TCP over IPv6 round trip")
        default:
            break
        }
    }

    /// Headers in order within the payload, each rebuilt from what was read.
    private static func checkChain(_ chain: IPv6HeaderChain, payload: UnsafeRawBufferPointer) {
        F.require(chain.headers.count <= IPv6ExtensionHeaderList.capacity, "at most eight extension headers")
        F.require(chain.upperLayerOffset <= payload.count, "the upper layer starts within the payload")
        for (i, entry) in chain.headers.enumerated() {
            let end = i + 1 < chain.headers.count ? chain.headers[i + 1].offset : chain.upperLayerOffset
            F.require(entry.offset < end && end <= payload.count, "extension headers in order within the payload")
            let bytes = UnsafeRawBufferPointer(rebasing: payload[entry.offset..<end])
            switch entry.type {
            case .hopByHopOptions, .destinationOptions:
                var iterator = IPv6OptionIterator(header: bytes)
                var options: [IPv6OptionTLV] = []
                while true {
                    let next: IPv6Option?
                    do { next = try iterator.next() } catch { fatalError("invariant violated: options the walk accepted do not read") }
                    guard let option = next else { break }
                    F.require(option.offset + option.encodedLength <= bytes.count, "an option within its header")
                    options.append(IPv6OptionTLV(type: option.type, data: Array(option.data)))
                }
                let next = IPProtocol(rawValue: bytes[0])
                F.requireRoundTrip(bytes) { try IPv6OptionsHeader.write(nextHeader: next, options: options, to: $0) }
                _ = try? IPv6OptionIterator.disposition(header: bytes, headerPointer: 40 + entry.offset,
                                                        destinationIsMulticast: false, recognizes: { _ in false })
            case .routing:
                guard let (header, data) = try? IPv6RoutingHeader.parse(bytes) else {
                    fatalError("invariant violated: a routing header the walk accepted does not parse")
                }
                F.require(header == chain.routing, "the chain's routing header")
                F.requireRoundTrip(bytes) { try header.write(to: $0, data: data) }
            case .fragment:
                guard let header = try? IPv6FragmentHeader.parse(bytes) else {
                    fatalError("invariant violated: a fragment header the walk accepted does not parse")
                }
                F.require(header == chain.fragment && bytes.count == 8, "the chain's fragment header")
                F.requireRoundTrip(bytes) { try header.write(to: $0) }
            default:
                fatalError("invariant violated: the walk listed a header it does not walk")
            }
        }
    }

    private static func checkICMPv6(_ bytes: UnsafeRawBufferPointer, source: IPv6Address, destination: IPv6Address) {
        guard let message = try? ICMPv6Header.parse(bytes) else { return }
        F.require(message.isChecksumValid(source: source, destination: destination)
                  == (referenceSum(message.bytes, source, destination, .icmpv6) == 0), "ICMPv6 checksum")
        if let quoted = message.quotedPacket {
            F.require(quoted.leadingPayload.count <= message.payload.count - IPv6Header.size, "the quote within the message")
            if let chain = try? quoted.headerChain() {
                F.require(chain.upperLayerOffset <= quoted.leadingPayload.count, "the quoted chain within the quote")
            }
        }
        guard message.header.type.isNeighborDiscovery, let ndp = try? NDPMessage.parse(message) else { return }
        guard let options = try? ndp.decodedOptions() else {
            fatalError("invariant violated: options NDPMessage.parse accepted do not decode")
        }
        var summary = NDPOptions()
        for option in options {
            switch option {
            case .sourceLinkLayerAddress(let mac): summary.sourceLinkLayerAddress = mac
            case .targetLinkLayerAddress(let mac): summary.targetLinkLayerAddress = mac
            case .mtu(let mtu, _): summary.mtu = mtu
            case .prefixInformation: summary.prefixInformationCount += 1
            case .redirectedHeader, .unknown: break
            }
        }
        F.require(summary == ndp.summary, "the options summary agrees with the decoded options")
        // Written again, the message reads the same (reserved bytes aside).
        var buffer = [UInt8](repeating: 0, count: message.bytes.count + 8)
        let written: Int? = buffer.withUnsafeMutableBytes {
            try? ndp.message.write(to: $0, options: options, source: source, destination: destination)
        }
        guard let written else { fatalError("invariant violated: a Neighbor Discovery message that was read cannot be written") }
        F.require(written == message.bytes.count, "a Neighbor Discovery message rewrites to its length")
        let again: (NDPMessage, [NDPOption], Bool)? = buffer.withUnsafeBytes { raw in
            guard let m = try? ICMPv6Header.parse(UnsafeRawBufferPointer(rebasing: raw[0..<written])),
                  let p = try? NDPMessage.parse(m), let o = try? p.decodedOptions() else { return nil }
            return (p.message, o, m.isChecksumValid(source: source, destination: destination))
        }
        F.require(again?.0 == ndp.message && again?.1 == options && again?.2 == true, "Neighbor Discovery reads back as written")
        F.sink(ndp.isValid(in: IPv6Header(payloadLength: 0, nextHeader: .icmpv6, hopLimit: 255, source: source,
                                          destination: destination)) ? 1 : 0)
    }

    /// The RFC 1071 sum of the IPv6 pseudo-header and `bytes`, 0 when a checksum in them verifies.
    private static func referenceSum(_ bytes: UnsafeRawBufferPointer, _ source: IPv6Address, _ destination: IPv6Address,
                                     _ next: IPProtocol) -> UInt16 {
        let all = InternetChecksum.pseudoHeaderBytes(source: source, destination: destination, nextHeader: next, length: bytes.count)
            + Array(bytes)
        return all.withUnsafeBytes { F.reference($0) }
    }
}
