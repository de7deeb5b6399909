import TernWire

/// A frame taken apart with TernWire's per-layer parsers, kept as values and byte ranges
/// (rather than views) so tests can use them outside `withUnsafeBytes`.
struct FrameLayers {
    struct IPv4 {
        var header: IPv4Header
        var checksumValid: Bool
        /// Ranges in the frame.
        var headerRange: Range<Int>
        var options: Range<Int>
        var payload: Range<Int>
    }

    struct TCP {
        var header: TCPHeader
        /// Ranges in the frame.
        var segment: Range<Int>
        var options: Range<Int>
        var payload: Range<Int>
        var checksumValid: Bool
    }

    struct UDP {
        var header: UDPHeader
        var datagram: Range<Int>
        var payload: Range<Int>
        var checksumValid: Bool
    }

    struct ICMP {
        var header: ICMPHeader
        var message: Range<Int>
        var payload: Range<Int>
        var checksumValid: Bool
    }

    struct IPv6 {
        var header: IPv6Header
        var chain: IPv6HeaderChain
        /// Ranges in the frame: the fixed header, the payload, each extension header in
        /// order, and what follows them.
        var headerRange: Range<Int>
        var payload: Range<Int>
        var extensionHeaders: [Range<Int>]
        var upperLayer: Range<Int>
        /// The destination the upper-layer checksum covers.
        var pseudoHeaderDestination: IPv6Address
    }

    struct ICMPv6 {
        var header: ICMPv6Header
        var message: Range<Int>
        var payload: Range<Int>
        var checksumValid: Bool
        /// For Neighbor Discovery messages: the message, its options decoded, and where
        /// the options area is in the frame.
        var ndp: NDPMessage?
        var ndpOptions: [NDPOption]
        var ndpOptionsRange: Range<Int>?
    }

    var ethernet: EthernetHeader
    var arp: ARPPacket?
    var ipv4: IPv4?
    var ipv6: IPv6?
    /// Set for unfragmented datagrams of these protocols (over IPv4 or IPv6).
    var tcp: TCP?
    var udp: UDP?
    var icmp: ICMP?
    var icmpv6: ICMPv6?

    init(_ bytes: [UInt8]) throws(WireError) {
        self = try withBytes(bytes) { raw throws(WireError) in try FrameLayers(raw) }
    }

    private init(_ raw: UnsafeRawBufferPointer) throws(WireError) {
        func range(_ view: UnsafeRawBufferPointer) -> Range<Int> {
            guard let base = raw.baseAddress, let start = view.baseAddress else { return 0..<0 }
            let offset = base.distance(to: start)
            return offset..<offset + view.count
        }
        let frame = try EthernetHeader.parse(raw)
        ethernet = frame.header
        switch frame.header.etherType {
        case .arp:
            arp = try ARPPacket.parse(frame.payload)
        case .ipv4:
            let packet = try IPv4Header.parse(frame.payload)
            let h = packet.header
            ipv4 = IPv4(header: h, checksumValid: packet.isChecksumValid, headerRange: range(packet.headerBytes),
                        options: range(packet.options), payload: range(packet.payload))
            guard !h.isFragment else { return }
            switch h.protocol {
            case .tcp:
                let s = try TCPHeader.parse(packet.payload)
                tcp = TCP(header: s.header, segment: range(s.bytes), options: range(s.options),
                          payload: range(s.payload),
                          checksumValid: s.isChecksumValid(source: h.source, destination: h.destination))
            case .udp:
                let d = try UDPHeader.parse(packet.payload)
                udp = UDP(header: d.header, datagram: range(d.bytes), payload: range(d.payload),
                          checksumValid: d.isChecksumValid(source: h.source, destination: h.destination))
            case .icmp:
                let m = try ICMPHeader.parse(packet.payload)
                icmp = ICMP(header: m.header, message: range(m.bytes), payload: range(m.payload),
                            checksumValid: m.isChecksumValid)
            default:
                break
            }
        case .ipv6:
            let packet = try IPv6Header.parse(frame.payload)
            let h = packet.header
            let chain: IPv6HeaderChain
            do { chain = try packet.headerStructure() } catch { throw error.error }
            let payload = range(packet.payload)
            var extensionHeaders: [Range<Int>] = []
            for (i, entry) in chain.headers.enumerated() {
                let end = i + 1 < chain.headers.count ? chain.headers[i + 1].offset : chain.upperLayerOffset
                extensionHeaders.append(payload.lowerBound + entry.offset..<payload.lowerBound + end)
            }
            let upperBytes = packet.payload.view(chain.upperLayerOffset..<packet.payload.count)
            let destination = chain.pseudoHeaderDestination(h)
            ipv6 = IPv6(header: h, chain: chain, headerRange: range(packet.headerBytes), payload: payload,
                        extensionHeaders: extensionHeaders, upperLayer: range(upperBytes),
                        pseudoHeaderDestination: destination)
            if chain.fragment?.isFragment == true { return }
            switch chain.upperLayer {
            case .tcp:
                let s = try TCPHeader.parse(upperBytes)
                tcp = TCP(header: s.header, segment: range(s.bytes), options: range(s.options),
                          payload: range(s.payload),
                          checksumValid: s.isChecksumValid(source: h.source, destination: destination))
            case .udp:
                let d = try UDPHeader.parse(upperBytes)
                udp = UDP(header: d.header, datagram: range(d.bytes), payload: range(d.payload),
                          checksumValid: d.isChecksumValid(source: h.source, destination: destination))
            case .icmpv6:
                let m = try ICMPv6Header.parse(upperBytes)
                var message = ICMPv6(header: m.header, message: range(m.bytes), payload: range(m.payload),
                                     checksumValid: m.isChecksumValid(source: h.source, destination: destination),
                                     ndp: nil, ndpOptions: [], ndpOptionsRange: nil)
                if m.header.type.isNeighborDiscovery {
                    let ndp = try NDPMessage.parse(m)
                    message.ndp = ndp.message
                    message.ndpOptions = try ndp.decodedOptions()
                    message.ndpOptionsRange = range(ndp.options)
                }
                icmpv6 = message
            default:
                break
            }
        default:
            break
        }
    }
}
