import TernWire

extension StackCore {
    /// Routes a packet for another node between the links (RFC 8200 §3, RFC 4443 §3): never
    /// a group, a link-local address or a packet that came in a link-layer group frame; the
    /// hop limit decremented, or time exceeded when it runs out; destination unreachable
    /// (no route) for a destination on none of the links' prefixes, (beyond scope) for a
    /// link-local source; packet too big with the next link's MTU, as routers never fragment
    /// (a TCP super-segment from a link with offloads is cut for the next link instead).
    func forwardIPv6(_ packet: IPv6Packet, linkMulticast: Bool, from ingress: Interface) {
        let header = packet.header
        let source = header.source, destination = header.destination
        guard !linkMulticast else {
            counters.drop(.forwardLinkBroadcast)
            return
        }
        guard !source.isUnspecified, !source.isMulticast, !source.isLoopback else {
            counters.drop(.forwardBadSource)
            return
        }
        guard !destination.isMulticast, !destination.isLinkLocal, !destination.isLoopback,
              !destination.isUnspecified else {
            counters.drop(.forwardBadDestination)
            return
        }
        let length = IPv6Header.size + packet.payload.count
        let whole = UnsafeRawBufferPointer(start: packet.headerBytes.baseAddress, count: length)
        var about = ReceivedIPv6(header: header, packet: whole, upperLayer: .noNextHeader, upperLayerOffset: 0,
                                 payload: UnsafeRawBufferPointer(start: nil, count: 0), isMulticast: false,
                                 linkSource: ingress.mac, wasFragmented: false, interface: ingress.index)
        if let structure = try? packet.headerStructure(), structure.upperLayerOffset <= packet.payload.count {
            about.upperLayer = structure.upperLayer
            about.upperLayerOffset = IPv6Header.size + structure.upperLayerOffset
            about.payload = packet.payload.view(structure.upperLayerOffset..<packet.payload.count)
        }
        guard header.hopLimit > 1 else {
            counters.drop(.forwardTTLExceeded)
            sendICMPv6Error(.timeExceeded(.hopLimitExceeded), about: about)
            return
        }
        guard let (egress, nextHop) = ipv6Route(to: destination, from: nil, on: nil) else {
            counters.drop(.ipNoRoute)
            sendICMPv6Error(.destinationUnreachable(.noRoute), about: about)
            return
        }
        if source.isLinkLocal && egress !== ingress {
            counters.drop(.forwardBadSource)
            sendICMPv6Error(.destinationUnreachable(.beyondScopeOfSource), about: about)
            return
        }
        // A packet longer than the link it came from can only be a TCP super-segment the
        // kernel handed a TAP with offloads: it is cut for the next link, not refused.
        let superSegment = length > ingress.mtu && header.nextHeader == .tcp
            && ingress.capabilities.segmentationOffload
        guard length <= egress.mtu || superSegment else {
            counters.drop(.forwardFragmentationNeeded)
            sendICMPv6Error(.packetTooBig(mtu: UInt32(egress.mtu)), about: about)
            return
        }
        let datagram = txBuffer.view(EthernetHeader.size..<EthernetHeader.size + length)
        datagram.copyMemory(from: whole)
        datagram[7] = header.hopLimit - 1
        var offload: FrameOffload?
        if superSegment && length > egress.mtu {
            offload = superSegmentWorkIPv6(datagram, source: source, destination: destination, egress: egress)
            guard offload != nil else {
                counters.drop(.ipv6Malformed)
                return
            }
        }
        counters.count(.datagramsForwarded)
        ingress.counters.datagramsForwardedIn &+= 1
        egress.counters.datagramsForwardedOut &+= 1
        _ = sendIPv6Datagram(length: length, to: nextHop, on: egress, offload: offload)
    }

    /// The work that cuts the TCP super-segment in `datagram` (TCP straight after the fixed
    /// header) into segments that fit `egress`: its checksum field is set to the
    /// pseudo-header sum the work starts from. Nil when the segment does not parse.
    private func superSegmentWorkIPv6(_ datagram: UnsafeMutableRawBufferPointer, source: IPv6Address,
                                      destination: IPv6Address, egress: Interface) -> FrameOffload? {
        let tcp = datagram.view(IPv6Header.size..<datagram.count)
        guard tcp.count >= TCPHeader.minimumSize else { return nil }
        let tcpHeaderLength = Int(tcp[12] >> 4) * 4
        guard tcpHeaderLength >= TCPHeader.minimumSize, tcpHeaderLength <= tcp.count else { return nil }
        let segmentSize = egress.mtu - IPv6Header.size - tcpHeaderLength
        guard segmentSize > 0 else { return nil }
        let pseudo = InternetChecksum.pseudoHeader(source: source, destination: destination, nextHeader: .tcp,
                                                   length: tcp.count).value
        // `value` is the complemented sum; the link wants the sum itself.
        let partial = ~pseudo
        tcp[16] = UInt8(partial >> 8)
        tcp[17] = UInt8(partial & 0xFF)
        let start = EthernetHeader.size + IPv6Header.size
        return FrameOffload(checksumStart: start, checksumOffset: 16, segmentSize: segmentSize,
                            headerLength: start + tcpHeaderLength, isIPv6: true)
    }
}
