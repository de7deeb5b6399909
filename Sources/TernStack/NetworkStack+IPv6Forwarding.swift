import TernWire

extension StackCore {
    /// Routes a packet for another node between the links (RFC 8200 §3, RFC 4443 §3): never
    /// a group, a link-local address or a packet that came in a link-layer group frame; the
    /// hop limit decremented, or time exceeded when it runs out; destination unreachable
    /// (no route) for a destination on none of the links' prefixes, (beyond scope) for a
    /// link-local source; packet too big with the next link's MTU, as routers never fragment.
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
        guard length <= egress.mtu else {
            counters.drop(.forwardFragmentationNeeded)
            sendICMPv6Error(.packetTooBig(mtu: UInt32(egress.mtu)), about: about)
            return
        }
        let datagram = txBuffer.view(EthernetHeader.size..<EthernetHeader.size + length)
        datagram.copyMemory(from: whole)
        datagram[7] = header.hopLimit - 1
        counters.count(.datagramsForwarded)
        ingress.counters.datagramsForwardedIn &+= 1
        egress.counters.datagramsForwardedOut &+= 1
        _ = sendIPv6Datagram(length: length, to: nextHop, on: egress)
    }
}
