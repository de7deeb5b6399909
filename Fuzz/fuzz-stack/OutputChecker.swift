import FuzzSupport
import TernStack
import TernWire

/// A TCP segment the engine sent, as the scripts need it.
struct SentSegment {
    var header: TCPHeader
    var payloadLength: Int
    var remote: IPv4Address
    var remotePort: UInt16
    var localPort: UInt16
    var end: UInt32
    var acknowledgment: UInt32?
    var timestamp: UInt32?
    var datagramPrefix: [UInt8]
}

/// Checks every frame the engine transmits: it parses through every layer, comes from us,
/// fits the MTU, carries valid checksums and sane TCP flags; fragments of one datagram go
/// out together and reassemble into a datagram whose checksum is valid. A router's
/// forwarded datagrams (another host's source) need a valid header, a TTL below 255, and
/// a unicast next hop; what they carry is the sender's business.
final class OutputChecker {
    private let mtu: Int
    private let mss: Int
    let forwarding: Bool
    private var fragments: [FragmentedDatagram] = []

    init(configuration: StackConfiguration) {
        mtu = configuration.mtu
        mss = configuration.mtu - IPv4Header.minimumSize - TCPHeader.minimumSize
        forwarding = configuration.forwarding
    }

    /// True when `frame` is an IPv4 datagram this router forwarded (not from one of its own
    /// addresses), after checking what forwarding does to it; false for anything else.
    private func checkForwardedWithUnparsableTransport(_ frame: [UInt8], ourMAC: MACAddress) -> Bool {
        frame.withUnsafeBytes { bytes -> Bool in
            guard let ethernet = try? EthernetHeader.parse(bytes), ethernet.header.etherType == .ipv4,
                  let packet = try? IPv4Header.parse(ethernet.payload) else { return false }
            let header = packet.header
            guard header.source != StackCast.hostIP, header.source != StackCast.farSubnet.address else { return false }
            require(ethernet.header.source == ourMAC, "a forwarded datagram went out from MAC \(ethernet.header.source)")
            require(packet.isChecksumValid, "a forwarded datagram's header checksum is wrong")
            require(header.timeToLive < 255, "a forwarded datagram kept TTL \(header.timeToLive)")
            require(Int(header.totalLength) <= mtu, "a forwarded \(header.totalLength)-byte datagram exceeds the MTU")
            return true
        }
    }

    /// Checks one frame sent on link `link` (0, or 1 for a router's second link); returns
    /// what a TCP segment tells the scripts.
    func check(_ frame: [UInt8], link: Int = 0) -> SentSegment? {
        let ourMAC = link == 0 ? StackCast.hostMAC : StackCast.farMAC
        let ourIP = link == 0 ? StackCast.hostIP : StackCast.farSubnet.address
        require(frame.count >= 60, "a \(frame.count)-byte frame went out unpadded")
        require(frame.count <= EthernetHeader.size + mtu, "a \(frame.count)-byte frame exceeds the MTU of \(mtu)")
        let parsed: ParsedFrame
        do {
            parsed = try ParsedFrame.parse(frame)
        } catch {
            // A router passes on what it was given: a forwarded datagram's transport may be
            // as malformed as it arrived (Linux forwards a truncated TCP header too). Its IP
            // header is the router's work, and is checked.
            if forwarding, checkForwardedWithUnparsableTransport(frame, ourMAC: ourMAC) { return nil }
            fatalError("invariant violated: a transmitted frame does not parse (\(error)): \(hex(frame))")
        }
        let ethernet = parsed.ethernet
        require(ethernet.source == ourMAC, "a frame went out on link \(link) from MAC \(ethernet.source)")
        switch parsed.network {
        case .arp(let arp):
            require(arp.senderMAC == ourMAC, "ARP with sender MAC \(arp.senderMAC)")
            require(arp.senderIP == ourIP || arp.senderIP == .any, "ARP with sender address \(arp.senderIP)")
            return nil
        case .ipv4(let header, let headerValid, let transport):
            require(headerValid, "IPv4 header checksum wrong: \(parsed)")
            let ours = header.source == StackCast.hostIP || (forwarding && header.source == StackCast.farSubnet.address)
            if !ours {
                require(forwarding, "a datagram went out from \(header.source)")
                require(header.timeToLive < 255, "a forwarded datagram kept TTL \(header.timeToLive)")
                require(Int(header.totalLength) <= mtu, "a forwarded \(header.totalLength)-byte datagram exceeds the MTU")
                require(!ethernet.destination.isMulticast, "a datagram forwarded to MAC \(ethernet.destination)")
                require(!header.source.isMulticast && !header.source.isLoopback && header.source[0] != 0,
                        "a datagram from \(header.source) was forwarded")
                return nil
            }
            require(header.destination != StackCast.hostIP, "a datagram went out to ourselves")
            require(Int(header.totalLength) <= mtu, "a \(header.totalLength)-byte datagram exceeds the MTU")
            let broadcastDestination = header.destination.isLimitedBroadcast
                || StackCast.subnet.isDirectedBroadcast(header.destination)
            require(ethernet.destination.isBroadcast == broadcastDestination,
                    "link destination \(ethernet.destination) for IP destination \(header.destination)")
            require(!ethernet.destination.isMulticast || ethernet.destination.isBroadcast,
                    "a datagram went to multicast MAC \(ethernet.destination)")
            return checkTransport(transport, header: header, frame: frame, description: parsed)
        case .ipv6(let header, _, let transport):
            checkIPv6(header, transport: transport, ethernet: ethernet, ourMAC: ourMAC, description: parsed)
            return nil
        case .other(let type):
            fatalError("invariant violated: a frame went out with EtherType \(type)")
        }
    }

    private func checkTransport(_ transport: ParsedFrame.Transport, header: IPv4Header, frame: [UInt8],
                                description: ParsedFrame) -> SentSegment? {
        switch transport {
        case .tcp(let tcp, let options, let valid, let payloadLength):
            require(valid, "TCP checksum wrong: \(description)")
            require(header.flags.contains(.dontFragment), "a TCP segment went out without DF")
            require(!header.destination.isLimitedBroadcast && !StackCast.subnet.isDirectedBroadcast(header.destination),
                    "a TCP segment went to a broadcast address")
            let flags = tcp.flags
            require(!(flags.contains(.syn) && (flags.contains(.rst) || flags.contains(.fin))), "TCP flags \(flags)")
            require(flags.contains(.ack) || flags.contains(.syn) || flags.contains(.rst), "a TCP segment without ACK: \(flags)")
            require(payloadLength <= mss, "a \(payloadLength)-byte TCP payload exceeds the MSS \(mss)")
            require(!flags.contains(.syn) || payloadLength == 0, "data on a SYN")
            var end = tcp.sequenceNumber.rawValue &+ UInt32(payloadLength)
            if flags.contains(.syn) { end &+= 1 }
            if flags.contains(.fin) { end &+= 1 }
            let datagramStart = EthernetHeader.size
            let prefixEnd = min(frame.count, datagramStart + header.headerLength + 28)
            return SentSegment(header: tcp, payloadLength: payloadLength, remote: header.destination, remotePort: tcp.destinationPort, localPort: tcp.sourcePort,
                               end: end, acknowledgment: flags.contains(.ack) ? tcp.acknowledgmentNumber.rawValue : nil,
                               timestamp: options.timestamps?.value,
                               datagramPrefix: Array(frame[datagramStart..<prefixEnd]))
        case .udp(_, let valid, _):
            require(valid, "UDP checksum wrong: \(description)")
        case .icmp(_, let valid, _):
            require(valid, "ICMP checksum wrong: \(description)")
        case .icmpv6:
            fatalError("invariant violated: ICMPv6 inside IPv4: \(description)")
        case .firstFragment, .laterFragment:
            collectFragment(header: header, frame: frame)
        case .other(let proto, _):
            fatalError("invariant violated: a datagram went out with protocol \(proto)")
        }
        return nil
    }

    // MARK: - Fragments

    private struct FragmentedDatagram {
        var identification: UInt16
        var proto: IPProtocol
        var destination: IPv4Address
        var payload: [UInt8] = []
        var received = 0
        var totalLength: Int?
    }

    private func collectFragment(header: IPv4Header, frame: [UInt8]) {
        let start = EthernetHeader.size + header.headerLength
        let end = EthernetHeader.size + Int(header.totalLength)
        require(end <= frame.count && start <= end, "fragment length fields disagree with the frame")
        let bytes = frame[start..<end]
        let offset = header.fragmentByteOffset
        let index: Int
        if let i = fragments.firstIndex(where: {
            $0.identification == header.identification && $0.proto == header.protocol && $0.destination == header.destination
        }) {
            index = i
        } else {
            require(offset == 0, "fragment at offset \(offset) with no first fragment before it")
            fragments.append(FragmentedDatagram(identification: header.identification, proto: header.protocol,
                                                destination: header.destination))
            index = fragments.count - 1
        }
        require(offset == fragments[index].received, "fragment at \(offset) where \(fragments[index].received) was expected")
        require(header.flags.contains(.moreFragments) == false || bytes.count % 8 == 0,
                "a fragment other than the last carries \(bytes.count) bytes, not a multiple of 8")
        fragments[index].payload += bytes
        fragments[index].received += bytes.count
        guard !header.flags.contains(.moreFragments) else { return }
        let datagram = fragments.remove(at: index)
        verifyReassembled(datagram)
    }

    private func verifyReassembled(_ datagram: FragmentedDatagram) {
        let payload = datagram.payload
        switch datagram.proto {
        case .udp:
            require(payload.count >= UDPHeader.size, "a fragmented UDP datagram shorter than its header")
            let length = Int(payload[4]) << 8 | Int(payload[5])
            require(length == payload.count, "UDP length \(length) in a reassembled datagram of \(payload.count)")
            var sum = InternetChecksum.pseudoHeader(source: StackCast.hostIP, destination: datagram.destination,
                                                    protocol: .udp, length: payload.count)
            payload.withUnsafeBytes { sum.add($0) }
            require(sum.value == 0 || (payload[6] == 0 && payload[7] == 0), "UDP checksum of a reassembled datagram")
        case .icmp:
            require(InternetChecksum.compute(payload) == 0, "ICMP checksum of a reassembled datagram")
        default:
            fatalError("invariant violated: a fragmented datagram of protocol \(datagram.proto)")
        }
    }

    /// Every datagram is fragmented in one go: none may be left incomplete after a step.
    func finishStep() {
        require(fragments.isEmpty, "\(fragments.count) fragmented datagrams went out incomplete")
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.prefix(96).map { String($0, radix: 16) }.joined(separator: " ")
    }
}
