/// A frame parsed through every layer Tern understands: Ethernet, then ARP, IPv4 or IPv6
/// (with its extension headers), then ICMP, ICMPv6 (with Neighbor Discovery), UDP or TCP
/// with its options. Used where the whole picture is wanted at once
/// (tools, traces, fuzzing); the stack itself parses layer by layer as it demultiplexes.
public struct ParsedFrame: Sendable {
    public var ethernet: EthernetHeader
    public var network: Network

    /// What the Ethernet frame carries.
    public enum Network: Sendable {
        case arp(ARPPacket)
        case ipv4(IPv4Header, headerChecksumValid: Bool, transport: Transport)
        /// An IPv6 packet (which has no header checksum), its extension headers, and what
        /// follows them.
        case ipv6(IPv6Header, IPv6HeaderChain, transport: Transport)
        /// An EtherType this stack does not speak (VLAN tags…).
        case other(EtherType)
    }

    /// A Neighbor Discovery message and what its options say.
    public struct NeighborDiscovery: Hashable, Sendable {
        public var message: NDPMessage
        public var options: NDPOptions
    }

    /// What the IP datagram carries.
    public enum Transport: Sendable {
        case icmp(ICMPHeader, checksumValid: Bool, payloadLength: Int)
        /// ICMPv6; Neighbor Discovery messages are parsed further (and must be well formed).
        case icmpv6(ICMPv6Header, ndp: NeighborDiscovery?, checksumValid: Bool, payloadLength: Int)
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
        case .ipv6:
            let ip = try IPv6Header.parse(ethernet.payload)
            let chain: IPv6HeaderChain
            // The structure only: a fragment the receiver would refuse is still shown.
            do { chain = try ip.headerStructure() } catch { throw error.error }
            let transport = try parseTransport(ip, chain)
            return ParsedFrame(ethernet: ethernet.header, network: .ipv6(ip.header, chain, transport: transport))
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

    private static func parseTransport(_ ip: IPv6Packet, _ chain: IPv6HeaderChain) throws(WireError) -> Transport {
        let source = ip.header.source
        let destination = chain.pseudoHeaderDestination(ip.header)
        let upper = ip.payload.view(chain.upperLayerOffset..<ip.payload.count)
        if chain.isLaterFragment { return .laterFragment(payloadLength: upper.count) }
        if let fragment = chain.fragment, fragment.moreFragments {
            return .firstFragment(chain.upperLayer, payloadLength: upper.count)
        }
        switch chain.upperLayer {
        case .icmpv6:
            let m = try ICMPv6Header.parse(upper)
            var ndp: NeighborDiscovery?
            if m.header.type.isNeighborDiscovery {
                let packet = try NDPMessage.parse(m)
                ndp = NeighborDiscovery(message: packet.message, options: packet.summary)
            }
            return .icmpv6(m.header, ndp: ndp, checksumValid: m.isChecksumValid(source: source, destination: destination),
                           payloadLength: m.payload.count)
        case .udp:
            let d = try UDPHeader.parse(upper)
            return .udp(d.header, checksumValid: d.isChecksumValid(source: source, destination: destination),
                        payloadLength: d.payload.count)
        case .tcp:
            let s = try TCPHeader.parse(upper)
            let options = try s.parseOptions()
            return .tcp(s.header, options, checksumValid: s.isChecksumValid(source: source, destination: destination),
                        payloadLength: s.payload.count)
        default:
            return .other(chain.upperLayer, payloadLength: upper.count)
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
            let source = "\(ip.source)", destination = "\(ip.destination)"
            switch transport {
            case .laterFragment(let n):
                return "IP \(source) > \(destination): \(ip.protocol) fragment id \(ip.identification) offset \(ip.fragmentByteOffset), length \(n)" + bad
            case .firstFragment(let proto, let n):
                return "IP \(source) > \(destination): \(proto) fragment id \(ip.identification) offset 0+, length \(n)" + bad
            default:
                return "IP " + ParsedFrame.describe(transport, source: source, destination: destination) + bad
            }
        case .ipv6(let ip, let chain, let transport):
            let source = "\(ip.source)", destination = "\(ip.destination)"
            // tcpdump names the extension headers before the upper layer: "HBH", "DSTOPT",
            // "srcrt (type 0, segleft 1)", "frag (offset|length)".
            var headers = ""
            for entry in chain.headers {
                switch entry.type {
                case .hopByHopOptions: headers += "HBH "
                case .destinationOptions: headers += "DSTOPT "
                case .routing:
                    if let r = chain.routing { headers += "srcrt (type \(r.routingType), segleft \(r.segmentsLeft)) " }
                case .fragment:
                    if let f = chain.fragment {
                        let length = Int(ip.payloadLength) - entry.offset - IPv6FragmentHeader.size
                        headers += "frag (\(f.fragmentByteOffset)|\(length)) "
                    }
                default: break
                }
            }
            switch transport {
            case .laterFragment:
                return "IP6 \(source) > \(destination): " + headers.dropLast()
            case .firstFragment(let proto, _):
                return "IP6 \(source) > \(destination): " + headers + "\(proto)"
            default:
                return "IP6 " + ParsedFrame.describe(transport, source: source, destination: destination, prefix: headers)
            }
        }
    }

    /// `A > B: …` for an unfragmented transport message; `prefix` goes after the colon.
    private static func describe(_ transport: Transport, source: String, destination: String, prefix: String = "") -> String {
        switch transport {
        case .icmp(let icmp, let ok, let n):
            var s = "\(source) > \(destination): \(prefix)ICMP \(icmp.type)"
            if icmp.type == .echoRequest || icmp.type == .echoReply {
                s += ", id \(icmp.identifier), seq \(icmp.sequence)"
            }
            return s + ", length \(n)" + (ok ? "" : " [bad ICMP checksum]")
        case .icmpv6(let icmp, let ndp, let ok, let n):
            var s = "\(source) > \(destination): \(prefix)ICMP6, \(icmp.type)"
            switch icmp.type {
            case .echoRequest, .echoReply:
                s += ", id \(icmp.identifier), seq \(icmp.sequence)"
            case .packetTooBig:
                s += ", mtu \(icmp.mtu)"
            case .parameterProblem:
                let code = ICMPv6ParameterProblemCode(rawValue: icmp.code).map { "\($0)" } ?? "code \(icmp.code)"
                s += ", \(code), pointer \(icmp.pointer)"
            case .destinationUnreachable:
                s += ", " + (ICMPv6UnreachableCode(rawValue: icmp.code).map { "\($0)" } ?? "code \(icmp.code)")
            default:
                break
            }
            switch ndp?.message {
            case .neighborSolicitation(let m)?: s += ", who has \(m.target)"
            case .neighborAdvertisement(let m)?:
                s += ", tgt is \(m.target)"
                var flags = ""
                if m.flags.contains(.router) { flags += "R" }
                if m.flags.contains(.solicited) { flags += "S" }
                if m.flags.contains(.override) { flags += "O" }
                if !flags.isEmpty { s += " [\(flags)]" }
            case .routerAdvertisement(let m)?:
                s += ", hop limit \(m.currentHopLimit), lifetime \(m.routerLifetime)s"
                if m.flags.contains(.managedAddressConfiguration) { s += ", managed" }
                if m.flags.contains(.otherConfiguration) { s += ", other stateful" }
            case .redirect(let m)?: s += ", \(m.destination) to \(m.target)"
            case .routerSolicitation?, nil: break
            }
            if let options = ndp?.options {
                if let mac = options.sourceLinkLayerAddress { s += ", source link-address \(mac)" }
                if let mac = options.targetLinkLayerAddress { s += ", target link-address \(mac)" }
                if let mtu = options.mtu { s += ", mtu \(mtu)" }
                if options.prefixInformationCount > 0 { s += ", \(options.prefixInformationCount) prefix info" }
            }
            return s + ", length \(n + ICMPv6Header.size)" + (ok ? "" : " [bad ICMP6 checksum]")
        case .udp(let udp, let ok, let n):
            return "\(source).\(udp.sourcePort) > \(destination).\(udp.destinationPort): \(prefix)UDP, length \(n)"
                + (ok ? "" : " [bad UDP checksum]")
        case .tcp(let tcp, let options, let ok, let n):
            var s = "\(source).\(tcp.sourcePort) > \(destination).\(tcp.destinationPort): \(prefix)"
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
            return s + ", length \(n)" + (ok ? "" : " [bad TCP checksum]")
        case .other(let proto, let n):
            return "\(source) > \(destination): \(prefix)\(proto), length \(n)"
        case .laterFragment(let n), .firstFragment(_, let n):
            // Handled by the callers, which know the fragment fields.
            return "\(source) > \(destination): \(prefix)fragment, length \(n)"
        }
    }
}
