import FuzzSupport
import TernStack
import TernWire

extension OutputChecker {
    /// An IPv6 packet the engine sent: from one of our addresses (or `::` for duplicate
    /// address detection) unless forwarded by a router with the hop limit lowered; to the
    /// group MAC of a multicast destination, else to a unicast MAC; Neighbor Discovery with
    /// hop limit 255; valid checksums on what it originates.
    func checkIPv6(_ header: IPv6Header, transport: ParsedFrame.Transport, ethernet: EthernetHeader, ourMAC: MACAddress,
                   description: ParsedFrame) {
        if header.destination.isMulticast {
            require(ethernet.destination == header.destination.ethernetMulticastAddress,
                    "IPv6 group \(header.destination) sent to MAC \(ethernet.destination)")
        } else {
            require(!ethernet.destination.isMulticast, "unicast IPv6 to MAC \(ethernet.destination): \(description)")
        }
        guard header.source.isUnspecified || StackCast.isOurIPv6(header.source) else {
            require(forwarding, "an IPv6 packet went out from \(header.source)")
            require(header.hopLimit < 255, "a forwarded IPv6 packet kept hop limit \(header.hopLimit)")
            return
        }
        switch transport {
        case .icmpv6(let icmp, let ndp, let valid, _):
            require(valid, "ICMPv6 checksum wrong: \(description)")
            if ndp != nil { require(header.hopLimit == 255, "Neighbor Discovery with hop limit \(header.hopLimit)") }
            if header.source.isUnspecified {
                require(icmp.type == .neighborSolicitation, "\(icmp.type) from ::")
            }
        case .udp(_, let valid, _), .tcp(_, _, let valid, _):
            require(valid, "transport checksum wrong: \(description)")
            require(!header.source.isUnspecified, "a datagram from ::")
        case .firstFragment, .laterFragment:
            require(!header.source.isUnspecified, "a fragment from ::")
        case .icmp, .other:
            fatalError("invariant violated: IPv6 carrying \(description)")
        }
    }
}
