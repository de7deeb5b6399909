/// A frame parsed through every layer Tern understands: Ethernet, then ARP or IPv4, then
/// ICMP, UDP or TCP with its options. Used where the whole picture is wanted at once
/// (tools, traces, fuzzing); the stack itself parses layer by layer as it demultiplexes.
public struct ParsedFrame: Sendable {
    public var ethernet: EthernetHeader
    public var network: Network

    /// What the Ethernet frame carries.
    public enum Network: Sendable {
        case arp(ARPPacket)
        case ipv4(IPv4Header, headerChecksumValid: Bool, transport: Transport)
        /// An EtherType this stack does not speak (IPv6, VLAN tags…).
        case other(EtherType)
    }

    /// What the IPv4 datagram carries.
    public enum Transport: Sendable {
        case icmp(ICMPHeader, checksumValid: Bool, payloadLength: Int)
        case udp(UDPHeader, checksumValid: Bool, payloadLength: Int)
        case tcp(TCPHeader, TCPOptions, checksumValid: Bool, payloadLength: Int)
        /// A fragment other than the first: its transport header is elsewhere.
        case laterFragment(payloadLength: Int)
        /// A first fragment: the transport header is here but the checksum covers data
        /// still to come, so it is not checked.
        case firstFragment(IPProtocol, payloadLength: Int)
        case other(IPProtocol, payloadLength: Int)
    }

    /// Parses `frame` through every layer; throws at the first malformed one.
    public static func parse(_ frame: UnsafeRawBufferPointer) throws(WireError) -> ParsedFrame {
        let ethernet = try EthernetHeader.parse(frame)
        switch ethernet.header.etherType {
        case .arp:
            return ParsedFrame(ethernet: ethernet.header, network: .arp(try ARPPacket.parse(ethernet.payload)))
        case .ipv4:
            let ip = try IPv4Header.parse(ethernet.payload)
            let transport = try parseTransport(ip)
            return ParsedFrame(ethernet: ethernet.header,
                               network: .ipv4(ip.header, headerChecksumValid: ip.isChecksumValid, transport: transport))
        default:
            return ParsedFrame(ethernet: ethernet.header, network: .other(ethernet.header.etherType))
        }
    }

    /// Parses `frame` (a byte array) through every layer.
    public static func parse(_ frame: [UInt8]) throws(WireError) -> ParsedFrame {
        let result: Result<ParsedFrame, WireError> = frame.withUnsafeBytes { bytes in
            do throws(WireError) { return .success(try parse(bytes)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private static func parseTransport(_ ip: IPv4Packet) throws(WireError) -> Transport {
        let h = ip.header
        let length = ip.payload.count
        if h.fragmentOffset != 0 { return .laterFragment(payloadLength: length) }
        if h.flags.contains(.moreFragments) { return .firstFragment(h.protocol, payloadLength: length) }
        switch h.protocol {
        case .icmp:
            let m = try ICMPHeader.parse(ip.payload)
            return .icmp(m.header, checksumValid: m.isChecksumValid, payloadLength: m.payload.count)
        case .udp:
            let d = try UDPHeader.parse(ip.payload)
            return .udp(d.header, checksumValid: d.isChecksumValid(source: h.source, destination: h.destination),
                        payloadLength: d.payload.count)
        case .tcp:
            let s = try TCPHeader.parse(ip.payload)
            let options = try s.parseOptions()
            return .tcp(s.header, options, checksumValid: s.isChecksumValid(source: h.source, destination: h.destination),
                        payloadLength: s.payload.count)
        default:
            return .other(h.protocol, payloadLength: length)
        }
    }
}

extension ParsedFrame: CustomStringConvertible {
    /// A one-line summary in the spirit of `tcpdump -n`.
    public var description: String {
        switch network {
        case .arp(let arp):
            switch arp.operation {
            case .request: return "ARP, Request who-has \(arp.targetIP) tell \(arp.senderIP)"
            case .reply: return "ARP, Reply \(arp.senderIP) is-at \(arp.senderMAC)"
            default: return "ARP, opcode \(arp.operation.rawValue)"
            }
        case .other(let type):
            return "\(ethernet.source) > \(ethernet.destination), ethertype \(type)"
        case .ipv4(let ip, let headerOK, let transport):
            let bad = headerOK ? "" : " [bad IP checksum]"
            switch transport {
            case .icmp(let icmp, let ok, let n):
                var s = "IP \(ip.source) > \(ip.destination): ICMP \(icmp.type)"
                if icmp.type == .echoRequest || icmp.type == .echoReply {
                    s += ", id \(icmp.identifier), seq \(icmp.sequence)"
                }
                return s + ", length \(n)" + (ok ? "" : " [bad ICMP checksum]") + bad
            case .udp(let udp, let ok, let n):
                return "IP \(ip.source).\(udp.sourcePort) > \(ip.destination).\(udp.destinationPort): UDP, length \(n)"
                    + (ok ? "" : " [bad UDP checksum]") + bad
            case .tcp(let tcp, let options, let ok, let n):
                var s = "IP \(ip.source).\(tcp.sourcePort) > \(ip.destination).\(tcp.destinationPort): "
                s += "Flags [\(tcp.flags)], seq \(tcp.sequenceNumber)"
                if tcp.flags.contains(.ack) { s += ", ack \(tcp.acknowledgmentNumber)" }
                s += ", win \(tcp.window)"
                var opts: [String] = []
                if let mss = options.maximumSegmentSize { opts.append("mss \(mss)") }
                if options.sackPermitted { opts.append("sackOK") }
                if let ts = options.timestamps { opts.append("TS val \(ts.value) ecr \(ts.echoReply)") }
                if let ws = options.windowScale { opts.append("wscale \(ws)") }
                if !options.sackBlocks.isEmpty {
                    opts.append("sack " + options.sackBlocks.map { "{\($0.left):\($0.right)}" }.joined())
                }
                if !opts.isEmpty { s += ", options [" + opts.joined(separator: ",") + "]" }
                return s + ", length \(n)" + (ok ? "" : " [bad TCP checksum]") + bad
            case .laterFragment(let n):
                return "IP \(ip.source) > \(ip.destination): \(ip.protocol) fragment id \(ip.identification) offset \(ip.fragmentByteOffset), length \(n)" + bad
            case .firstFragment(let proto, let n):
                return "IP \(ip.source) > \(ip.destination): \(proto) fragment id \(ip.identification) offset 0+, length \(n)" + bad
            case .other(let proto, let n):
                return "IP \(ip.source) > \(ip.destination): \(proto), length \(n)" + bad
            }
        }
    }
}
