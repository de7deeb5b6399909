/// The flags byte of a router advertisement (RFC 4861 §4.2, RFC 4191 §2.2, RFC 5175).
public struct NDPRouterFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// M: addresses are available from DHCPv6.
    public static let managedAddressConfiguration = NDPRouterFlags(rawValue: 0x80)
    /// O: other configuration (DNS servers…) is available from DHCPv6.
    public static let otherConfiguration = NDPRouterFlags(rawValue: 0x40)
    /// H: the router is a Mobile IPv6 home agent.
    public static let homeAgent = NDPRouterFlags(rawValue: 0x20)
    /// P: neighbor discovery proxy (RFC 4389).
    public static let proxy = NDPRouterFlags(rawValue: 0x04)

    /// The default router preference (RFC 4191): 1 high, 0 medium, 3 (−1) low, 2 reserved.
    public var preference: UInt8 { rawValue >> 3 & 0x3 }
}

/// The flags word of a neighbour advertisement (RFC 4861 §4.4); the 29 bits after the
/// three flags are reserved and kept as sent.
public struct NDPNeighborFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// R: the sender is a router.
    public static let router = NDPNeighborFlags(rawValue: 0x8000_0000)
    /// S: sent in answer to a solicitation.
    public static let solicited = NDPNeighborFlags(rawValue: 0x4000_0000)
    /// O: the link-layer address should replace a cached one.
    public static let override = NDPNeighborFlags(rawValue: 0x2000_0000)
}

/// A router solicitation (RFC 4861 §4.1): a host asking routers to advertise now.
public struct NDPRouterSolicitation: Hashable, Sendable {
    /// Sent as zero, kept as read.
    public var reserved: UInt32
    public init(reserved: UInt32 = 0) { self.reserved = reserved }
}

/// A router advertisement (RFC 4861 §4.2).
public struct NDPRouterAdvertisement: Hashable, Sendable {
    /// The hop limit hosts should use; 0 leaves it to them.
    public var currentHopLimit: UInt8
    public var flags: NDPRouterFlags
    /// Seconds this router may serve as default router; 0: it is not one.
    public var routerLifetime: UInt16
    /// Milliseconds a neighbour stays reachable after a confirmation; 0: unspecified.
    public var reachableTime: UInt32
    /// Milliseconds between neighbour solicitations; 0: unspecified.
    public var retransTimer: UInt32

    public init(currentHopLimit: UInt8, flags: NDPRouterFlags = [], routerLifetime: UInt16,
                reachableTime: UInt32 = 0, retransTimer: UInt32 = 0) {
        self.currentHopLimit = currentHopLimit
        self.flags = flags
        self.routerLifetime = routerLifetime
        self.reachableTime = reachableTime
        self.retransTimer = retransTimer
    }
}

/// A neighbour solicitation (RFC 4861 §4.3): address resolution, unreachability detection,
/// or (from `::`) duplicate address detection.
public struct NDPNeighborSolicitation: Hashable, Sendable {
    public var reserved: UInt32
    public var target: IPv6Address
    public init(target: IPv6Address, reserved: UInt32 = 0) {
        self.target = target
        self.reserved = reserved
    }
}

/// A neighbour advertisement (RFC 4861 §4.4).
public struct NDPNeighborAdvertisement: Hashable, Sendable {
    public var flags: NDPNeighborFlags
    public var target: IPv6Address
    public init(flags: NDPNeighborFlags, target: IPv6Address) {
        self.flags = flags
        self.target = target
    }
}

/// A redirect (RFC 4861 §4.5): a better first hop (`target`) for `destination`.
public struct NDPRedirect: Hashable, Sendable {
    public var reserved: UInt32
    public var target: IPv6Address
    public var destination: IPv6Address
    public init(target: IPv6Address, destination: IPv6Address, reserved: UInt32 = 0) {
        self.target = target
        self.destination = destination
        self.reserved = reserved
    }
}

/// One of the five Neighbor Discovery messages, without its options.
public enum NDPMessage: Hashable, Sendable {
    case routerSolicitation(NDPRouterSolicitation)
    case routerAdvertisement(NDPRouterAdvertisement)
    case neighborSolicitation(NDPNeighborSolicitation)
    case neighborAdvertisement(NDPNeighborAdvertisement)
    case redirect(NDPRedirect)

    public var type: ICMPv6Type {
        switch self {
        case .routerSolicitation: .routerSolicitation
        case .routerAdvertisement: .routerAdvertisement
        case .neighborSolicitation: .neighborSolicitation
        case .neighborAdvertisement: .neighborAdvertisement
        case .redirect: .redirect
        }
    }

    /// Bytes before the options, the ICMPv6 header included: the shortest valid message.
    public var fixedLength: Int { NDPMessage.fixedLength(of: type) ?? ICMPv6Header.size }

    /// The fixed length of a Neighbor Discovery type; nil for other types.
    public static func fixedLength(of type: ICMPv6Type) -> Int? {
        switch type {
        case .routerSolicitation: 8
        case .routerAdvertisement: 16
        case .neighborSolicitation, .neighborAdvertisement: 24
        case .redirect: 40
        default: nil
        }
    }

    /// The ICMPv6 header the message begins with (code 0, the checksum still to compute).
    public var icmpHeader: ICMPv6Header {
        switch self {
        case .routerSolicitation(let m):
            ICMPv6Header(type: type, code: 0, restOfHeader: m.reserved)
        case .routerAdvertisement(let m):
            ICMPv6Header(type: type, code: 0, restOfHeader: UInt32(m.currentHopLimit) << 24
                         | UInt32(m.flags.rawValue) << 16 | UInt32(m.routerLifetime))
        case .neighborSolicitation(let m):
            ICMPv6Header(type: type, code: 0, restOfHeader: m.reserved)
        case .neighborAdvertisement(let m):
            ICMPv6Header(type: type, code: 0, restOfHeader: m.flags.rawValue)
        case .redirect(let m):
            ICMPv6Header(type: type, code: 0, restOfHeader: m.reserved)
        }
    }

    /// Parses the Neighbor Discovery message in `icmp`. Checks what the message alone can
    /// show (RFC 4861 §6.1, §7.1, §8.1): code 0, the fixed part present, every option's
    /// length valid. The checks that need the IPv6 header are `NDPPacket.isValid(in:)`.
    /// A type that is not Neighbor Discovery is `unsupported`.
    public static func parse(_ icmp: ICMPv6Message) throws(WireError) -> NDPPacket {
        let h = icmp.header
        guard let fixed = fixedLength(of: h.type) else { throw .unsupported }
        guard h.code == 0 else { throw .malformed }
        let bytes = icmp.bytes
        guard bytes.count >= fixed else { throw .truncated }
        let rest = h.restOfHeader
        let message: NDPMessage
        switch h.type {
        case .routerSolicitation:
            message = .routerSolicitation(NDPRouterSolicitation(reserved: rest))
        case .routerAdvertisement:
            message = .routerAdvertisement(NDPRouterAdvertisement(
                currentHopLimit: UInt8(truncatingIfNeeded: rest >> 24),
                flags: NDPRouterFlags(rawValue: UInt8(truncatingIfNeeded: rest >> 16)),
                routerLifetime: UInt16(truncatingIfNeeded: rest), reachableTime: bytes.u32(8), retransTimer: bytes.u32(12)))
        case .neighborSolicitation:
            message = .neighborSolicitation(NDPNeighborSolicitation(target: IPv6Address(loadingFrom: bytes, at: 8), reserved: rest))
        case .neighborAdvertisement:
            message = .neighborAdvertisement(NDPNeighborAdvertisement(flags: NDPNeighborFlags(rawValue: rest),
                                                                      target: IPv6Address(loadingFrom: bytes, at: 8)))
        default:
            message = .redirect(NDPRedirect(target: IPv6Address(loadingFrom: bytes, at: 8),
                                            destination: IPv6Address(loadingFrom: bytes, at: 24), reserved: rest))
        }
        let options = bytes.view(fixed..<bytes.count)
        return NDPPacket(message: message, options: options, summary: try NDPOptions.parse(options))
    }

    /// Writes the message at the start of `buffer`: fixed part, `options` in order, and the
    /// checksum over the pseudo-header. Returns the message's length.
    @discardableResult
    public func write(to buffer: UnsafeMutableRawBufferPointer, options: [NDPOption] = [],
                      source: IPv6Address, destination: IPv6Address) throws(WireError) -> Int {
        let fixed = fixedLength
        let total = options.reduce(fixed) { $0 + $1.encodedLength }
        guard buffer.count >= total else { throw .bufferTooSmall }
        let message = buffer.view(0..<total)
        switch self {
        case .routerAdvertisement(let m):
            message.setU32(8, m.reachableTime)
            message.setU32(12, m.retransTimer)
        case .neighborSolicitation(let m):
            m.target.store(to: message, at: 8)
        case .neighborAdvertisement(let m):
            m.target.store(to: message, at: 8)
        case .redirect(let m):
            m.target.store(to: message, at: 8)
            m.destination.store(to: message, at: 24)
        case .routerSolicitation:
            break
        }
        var offset = fixed
        for option in options { offset = try option.write(to: message, at: offset) }
        try icmpHeader.write(to: message, source: source, destination: destination)
        return total
    }
}

/// A parsed Neighbor Discovery message: the message, a view of its options area and what
/// the options say.
public struct NDPPacket {
    public var message: NDPMessage
    public var options: UnsafeRawBufferPointer
    public var summary: NDPOptions

    /// The checks of RFC 4861 that need the IPv6 header (§6.1.1, §6.1.2, §7.1.1, §7.1.2,
    /// §8.1): hop limit 255 (so the message came from this link); a router advertisement
    /// or redirect from a link-local address; no source link-layer address option from `::`;
    /// a neighbour solicitation from `::` only to a solicited-node group; targets not
    /// multicast; a neighbour advertisement to a multicast group not marked solicited.
    public func isValid(in ip: IPv6Header) -> Bool {
        guard ip.hopLimit == 255 else { return false }
        let fromUnspecified = ip.source.isUnspecified
        switch message {
        case .routerSolicitation:
            return !(fromUnspecified && summary.sourceLinkLayerAddress != nil)
        case .routerAdvertisement:
            return ip.source.isLinkLocal
        case .neighborSolicitation(let m):
            guard !m.target.isMulticast else { return false }
            if fromUnspecified {
                return ip.destination.isSolicitedNodeMulticast && summary.sourceLinkLayerAddress == nil
            }
            return true
        case .neighborAdvertisement(let m):
            guard !m.target.isMulticast else { return false }
            return !(ip.destination.isMulticast && m.flags.contains(.solicited))
        case .redirect(let m):
            return ip.source.isLinkLocal && !m.destination.isMulticast
        }
    }

    /// Every option in order, decoded (for tools and tests; the stack iterates instead).
    public func decodedOptions() throws(WireError) -> [NDPOption] {
        var iterator = NDPOptionIterator(options)
        var result: [NDPOption] = []
        while let option = try iterator.next() { result.append(option.decoded) }
        return result
    }
}
