import TernWire

/// Reads an IPv6 frame with TernWire's parsers into the tshark fields of the IPv6 captures,
/// in the order tshark meets them: the packet, its extension headers and their options, the
/// upper layer, and, inside an ICMPv6 error, the quoted packet the same way. Comparing the
/// lists field by field with tshark's then checks every occurrence, quoted ones included.
struct IPv6FieldReader {
    /// Field name → values in dissection order: integers in decimal, addresses as text,
    /// checksum verdicts as tshark writes them (1 good, 0 bad, 2 not verified).
    private(set) var fields: [String: [String]] = [:]
    /// What went wrong reading the frame, if anything.
    private(set) var problems: [String] = []

    init(frame: [UInt8]) {
        do {
            try withBytes(frame) { raw throws(WireError) in
                let ethernet = try EthernetHeader.parse(raw)
                add("frame.len", raw.count)
                add("eth.dst", text: ethernet.header.destination.description)
                add("eth.src", text: ethernet.header.source.description)
                add("eth.type", ethernet.header.etherType.rawValue)
                let packet = try IPv6Header.parse(ethernet.payload)
                let chain: IPv6HeaderChain
                do throws(IPv6ChainError) { chain = try packet.headerStructure() } catch { throw error.error }
                read(packet.header, chain: chain, payload: packet.payload, complete: true)
            }
        } catch {
            problems.append("the frame does not parse: \(error)")
        }
    }

    private mutating func add(_ name: String, _ value: some BinaryInteger) {
        fields[name, default: []].append(String(value))
    }

    private mutating func add(_ name: String, text: String) {
        fields[name, default: []].append(text)
    }

    private mutating func add(_ name: String, flag: Bool) {
        add(name, flag ? 1 : 0)
    }

    /// A checksum verdict: nil when not verified.
    private mutating func add(status name: String, _ valid: Bool?) {
        add(name, valid.map { $0 ? 1 : 0 } ?? 2)
    }

    /// One packet from its fixed header on. `payload` is what is present of it; `complete`
    /// says whether that is all of it (a quote may stop short).
    private mutating func read(_ ip: IPv6Header, chain: IPv6HeaderChain, payload: UnsafeRawBufferPointer,
                               complete: Bool) {
        add("ipv6.version", 6)
        add("ipv6.tclass", ip.trafficClass)
        add("ipv6.flow", ip.flowLabel)
        add("ipv6.plen", ip.payloadLength)
        add("ipv6.nxt", ip.nextHeader.rawValue)
        add("ipv6.hlim", ip.hopLimit)
        add("ipv6.src", text: ip.source.description)
        add("ipv6.dst", text: ip.destination.description)
        for (i, entry) in chain.headers.enumerated() {
            let end = i + 1 < chain.headers.count ? chain.headers[i + 1].offset : chain.upperLayerOffset
            readExtensionHeader(entry.type, payload.view(entry.offset..<end))
        }
        let upper = payload.view(chain.upperLayerOffset..<payload.count)
        if chain.isLaterFragment { return }
        // The checksum of a first fragment covers data still to come.
        let verifiable = complete && chain.fragment?.isFragment != true
        let destination = chain.pseudoHeaderDestination(ip)
        switch chain.upperLayer {
        case .icmpv6:
            readICMPv6(upper, source: ip.source, destination: destination, verifiable: verifiable)
        case .udp:
            guard let d = try? UDPHeader.parse(upper) else {
                problems.append("UDP does not parse")
                return
            }
            add("udp.srcport", d.header.sourcePort)
            add("udp.dstport", d.header.destinationPort)
            add("udp.length", d.header.length)
            add("udp.checksum", d.header.checksum)
            add(status: "udp.checksum.status",
                verifiable ? d.isChecksumValid(source: ip.source, destination: destination) : nil)
        case .tcp:
            readTCP(upper, source: ip.source, destination: destination, verifiable: verifiable)
        default:
            break
        }
    }

    private mutating func readExtensionHeader(_ type: IPProtocol, _ header: UnsafeRawBufferPointer) {
        switch type {
        case .hopByHopOptions, .destinationOptions:
            let prefix = type == .hopByHopOptions ? "ipv6.hopopts" : "ipv6.dstopts"
            add(prefix + ".nxt", header.first ?? 0)
            add(prefix + ".len", header.count / 8 - 1)
            var options = IPv6OptionIterator(header: header)
            while let option = try? options.next() {
                add("ipv6.opt.type", option.type)
                if option.type != IPv6OptionType.pad1 { add("ipv6.opt.length", option.data.count) }
                if option.type == IPv6OptionType.routerAlert, option.data.count == 2 {
                    add("ipv6.opt.router_alert", UInt16(option.data[0]) << 8 | UInt16(option.data[1]))
                }
            }
        case .routing:
            guard let (routing, _) = try? IPv6RoutingHeader.parse(header) else {
                problems.append("routing header does not parse")
                return
            }
            add("ipv6.routing.nxt", routing.nextHeader.rawValue)
            add("ipv6.routing.len", routing.length / 8 - 1)
            add("ipv6.routing.type", routing.routingType)
            add("ipv6.routing.segleft", routing.segmentsLeft)
        case .fragment:
            guard let fragment = try? IPv6FragmentHeader.parse(header) else {
                problems.append("fragment header does not parse")
                return
            }
            add("ipv6.fraghdr.nxt", fragment.nextHeader.rawValue)
            add("ipv6.fraghdr.reserved_octet", fragment.reserved)
            add("ipv6.fraghdr.offset", fragment.fragmentOffset)
            add("ipv6.fraghdr.reserved_bits", fragment.reservedBits)
            add("ipv6.fraghdr.more", flag: fragment.moreFragments)
            add("ipv6.fraghdr.ident", fragment.identification)
        default:
            problems.append("an extension header of type \(type)")
        }
    }

    private mutating func readICMPv6(_ bytes: UnsafeRawBufferPointer, source: IPv6Address, destination: IPv6Address,
                                     verifiable: Bool) {
        guard let m = try? ICMPv6Header.parse(bytes) else {
            problems.append("ICMPv6 does not parse")
            return
        }
        let h = m.header
        add("icmpv6.type", h.type.rawValue)
        add("icmpv6.code", h.code)
        add("icmpv6.checksum", h.checksum)
        add(status: "icmpv6.checksum.status", verifiable ? m.isChecksumValid(source: source, destination: destination) : nil)
        switch h.type {
        case .echoRequest, .echoReply:
            add("icmpv6.echo.identifier", h.identifier)
            add("icmpv6.echo.sequence_number", h.sequence)
        case .packetTooBig:
            add("icmpv6.mtu", h.mtu)
        case .parameterProblem:
            add("icmpv6.pointer", h.pointer)
        default:
            break
        }
        if h.type.isError {
            guard let quoted = m.quotedPacket else {
                problems.append("the quoted packet does not parse")
                return
            }
            guard let chain = try? quoted.headerChain() else {
                problems.append("the quoted packet's header chain does not parse")
                return
            }
            read(quoted.header, chain: chain, payload: quoted.leadingPayload, complete: quoted.isComplete)
        }
        if h.type.isNeighborDiscovery {
            readNDP(m)
        }
    }

    private mutating func readNDP(_ m: ICMPv6Message) {
        let packet: NDPPacket
        do { packet = try NDPMessage.parse(m) } catch {
            problems.append("Neighbor Discovery message does not parse: \(error)")
            return
        }
        switch packet.message {
        case .routerAdvertisement(let ra):
            add("icmpv6.nd.ra.cur_hop_limit", ra.currentHopLimit)
            add("icmpv6.nd.ra.flag", ra.flags.rawValue)
            add("icmpv6.nd.ra.router_lifetime", ra.routerLifetime)
            add("icmpv6.nd.ra.reachable_time", ra.reachableTime)
            add("icmpv6.nd.ra.retrans_timer", ra.retransTimer)
        case .neighborSolicitation(let ns):
            add("icmpv6.nd.ns.target_address", text: ns.target.description)
        case .neighborAdvertisement(let na):
            add("icmpv6.nd.na.flag", na.flags.rawValue)
            add("icmpv6.nd.na.target_address", text: na.target.description)
        case .routerSolicitation, .redirect:
            break
        }
        var options = NDPOptionIterator(packet.options)
        while true {
            let option: NDPRawOption?
            do { option = try options.next() } catch {
                problems.append("Neighbor Discovery options do not parse: \(error)")
                return
            }
            guard let option else { break }
            add("icmpv6.opt.type", option.type)
            add("icmpv6.opt.length", option.bytes.count / 8)
            if let mac = option.linkLayerAddress { add("icmpv6.opt.linkaddr", text: mac.description) }
            if let mtu = option.mtu { add("icmpv6.opt.mtu", mtu) }
            if let prefix = option.prefixInformation {
                add("icmpv6.opt.prefix.length", prefix.prefixLength)
                add("icmpv6.opt.prefix.flag", prefix.flags)
                add("icmpv6.opt.prefix.valid_lifetime", prefix.validLifetime)
                add("icmpv6.opt.prefix.preferred_lifetime", prefix.preferredLifetime)
                add("icmpv6.opt.prefix", text: prefix.prefix.description)
            }
        }
    }

    private mutating func readTCP(_ bytes: UnsafeRawBufferPointer, source: IPv6Address, destination: IPv6Address,
                                  verifiable: Bool) {
        guard let s = try? TCPHeader.parse(bytes) else {
            // A header cut short (in a first fragment, or quoted): tshark reads the ports.
            if bytes.count >= 4 {
                add("tcp.srcport", bytes.u16be(0))
                add("tcp.dstport", bytes.u16be(2))
            }
            return
        }
        let h = s.header
        add("tcp.srcport", h.sourcePort)
        add("tcp.dstport", h.destinationPort)
        add("tcp.seq_raw", h.sequenceNumber.rawValue)
        add("tcp.ack_raw", h.acknowledgmentNumber.rawValue)
        add("tcp.hdr_len", h.headerLength)
        add("tcp.flags", h.flags.rawValue)
        add("tcp.window_size_value", h.window)
        add("tcp.checksum", h.checksum)
        add(status: "tcp.checksum.status", verifiable ? s.isChecksumValid(source: source, destination: destination) : nil)
        add("tcp.urgent_pointer", h.urgentPointer)
        add("tcp.len", s.payload.count)
        guard let list = try? TCPOptionIterator.all(s.options), let options = try? s.parseOptions() else {
            problems.append("TCP options do not parse")
            return
        }
        for option in list { add("tcp.option_kind", option.kind) }
        if let mss = options.maximumSegmentSize { add("tcp.options.mss_val", mss) }
        if let shift = options.windowScale { add("tcp.options.wscale.shift", shift) }
        if let ts = options.timestamps {
            add("tcp.options.timestamp.tsval", ts.value)
            add("tcp.options.timestamp.tsecr", ts.echoReply)
        }
        for block in options.sackBlocks {
            add("tcp.options.sack_le", block.left.rawValue)
            add("tcp.options.sack_re", block.right.rawValue)
        }
    }
}

extension UnsafeRawBufferPointer {
    /// A big-endian 16-bit value at `offset` (bounds checked by the caller).
    func u16be(_ offset: Int) -> UInt16 { UInt16(self[offset]) << 8 | UInt16(self[offset + 1]) }

    /// The bytes in `range`, as a view.
    func view(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: self[range]) }
}
