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

    var ethernet: EthernetHeader
    var arp: ARPPacket?
    var ipv4: IPv4?
    /// Set for unfragmented datagrams of these protocols.
    var tcp: TCP?
    var udp: UDP?
    var icmp: ICMP?

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
        default:
            break
        }
    }
}
