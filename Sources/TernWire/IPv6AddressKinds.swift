/// The scope field of a multicast address (RFC 4291 §2.7, RFC 7346): how far a packet to
/// the group may travel.
public struct IPv6MulticastScope: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The four scope bits, 0…15.
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x0F }

    public static let interfaceLocal = IPv6MulticastScope(rawValue: 1)
    public static let linkLocal = IPv6MulticastScope(rawValue: 2)
    public static let realmLocal = IPv6MulticastScope(rawValue: 3)
    public static let adminLocal = IPv6MulticastScope(rawValue: 4)
    public static let siteLocal = IPv6MulticastScope(rawValue: 5)
    public static let organizationLocal = IPv6MulticastScope(rawValue: 8)
    public static let global = IPv6MulticastScope(rawValue: 0xE)

    public var description: String {
        switch self {
        case .interfaceLocal: "interface-local"
        case .linkLocal: "link-local"
        case .realmLocal: "realm-local"
        case .adminLocal: "admin-local"
        case .siteLocal: "site-local"
        case .organizationLocal: "organization-local"
        case .global: "global"
        default: "scope \(rawValue)"
        }
    }

    public static func < (a: IPv6MulticastScope, b: IPv6MulticastScope) -> Bool { a.rawValue < b.rawValue }
}

/// What kind of address an IPv6 address is, by its prefix (RFC 4291 §2.4, RFC 4193).
public enum IPv6AddressKind: Hashable, Sendable, CustomStringConvertible {
    /// `::`.
    case unspecified
    /// `::1`.
    case loopback
    /// `ff00::/8`, with its scope.
    case multicast(IPv6MulticastScope)
    /// `fe80::/10`: valid on one link only; every interface has one.
    case linkLocal
    /// `fc00::/7` (RFC 4193): private addresses, routed within a site but not on the Internet.
    case uniqueLocal
    /// `::ffff:0:0/96`: an IPv4 address written as IPv6 (sockets use these; the wire does not).
    case ipv4Mapped
    /// Everything else: addresses routed on the Internet (`2000::/3` today).
    case globalUnicast

    public var description: String {
        switch self {
        case .unspecified: "unspecified"
        case .loopback: "loopback"
        case .multicast(let scope): "multicast, \(scope) scope"
        case .linkLocal: "link-local unicast"
        case .uniqueLocal: "unique local unicast"
        case .ipv4Mapped: "IPv4-mapped"
        case .globalUnicast: "global unicast"
        }
    }
}

extension IPv6Address {
    /// `ff02::1`, every node on the link.
    public static let allNodes = IPv6Address(0xFF02, 0, 0, 0, 0, 0, 0, 1)
    /// `ff02::2`, every router on the link.
    public static let allRouters = IPv6Address(0xFF02, 0, 0, 0, 0, 0, 0, 2)
    /// `fe80::`, the link-local prefix (with a /64 length in practice).
    public static let linkLocalPrefix = IPv6Address(0xFE80, 0, 0, 0, 0, 0, 0, 0)

    public var isUnspecified: Bool { high == 0 && low == 0 }
    public var isLoopback: Bool { high == 0 && low == 1 }
    /// `ff00::/8`.
    public var isMulticast: Bool { high >> 56 == 0xFF }
    /// `fe80::/10`.
    public var isLinkLocal: Bool { high >> 54 == 0xFE80 >> 6 }
    /// `fc00::/7`.
    public var isUniqueLocal: Bool { high >> 57 == 0xFC >> 1 }
    /// `::ffff:0:0/96`.
    public var isIPv4Mapped: Bool { high == 0 && low >> 32 == 0xFFFF }
    /// A unicast address outside the special blocks above.
    public var isGlobalUnicast: Bool { kind == .globalUnicast }
    /// `ff02::1:ff00:0/104`: a solicited-node group (RFC 4291 §2.7.1).
    public var isSolicitedNodeMulticast: Bool {
        high == 0xFF02_0000_0000_0000 && low >> 24 == 0x0000_0001_FF
    }

    /// The scope of a multicast address; nil for unicast.
    public var multicastScope: IPv6MulticastScope? {
        isMulticast ? IPv6MulticastScope(rawValue: UInt8(truncatingIfNeeded: high >> 48)) : nil
    }

    /// The IPv4 address inside an IPv4-mapped address.
    public var ipv4Mapped: IPv4Address? {
        isIPv4Mapped ? IPv4Address(rawValue: UInt32(truncatingIfNeeded: low)) : nil
    }

    /// `::ffff:a.b.c.d` for `address`.
    public init(ipv4Mapped address: IPv4Address) {
        self.init(high: 0, low: 0xFFFF_0000_0000 | UInt64(address.rawValue))
    }

    public var kind: IPv6AddressKind {
        if isUnspecified { return .unspecified }
        if isLoopback { return .loopback }
        if let scope = multicastScope { return .multicast(scope) }
        if isLinkLocal { return .linkLocal }
        if isUniqueLocal { return .uniqueLocal }
        if isIPv4Mapped { return .ipv4Mapped }
        return .globalUnicast
    }

    /// The solicited-node multicast group of this address, `ff02::1:ffXX:XXXX` with its low
    /// 24 bits: where neighbour solicitations for it are sent (RFC 4291 §2.7.1).
    public var solicitedNodeMulticast: IPv6Address {
        IPv6Address(high: 0xFF02_0000_0000_0000, low: 0x0000_0001_FF00_0000 | low & 0xFF_FFFF)
    }

    /// The Ethernet group address that carries packets to this multicast address:
    /// `33:33` and the address's low 32 bits (RFC 2464 §7). Meaningful only for multicast
    /// addresses.
    public var ethernetMulticastAddress: MACAddress {
        MACAddress(rawValue: 0x3333_0000_0000 | low & 0xFFFF_FFFF)
    }

    /// The modified EUI-64 interface identifier made from a MAC (RFC 4291 appendix A):
    /// `ff:fe` inserted in the middle and the universal/local bit inverted, so
    /// 02:54:45:52:4e:01 gives `0054:45ff:fe52:4e01`.
    public static func interfaceIdentifier(fromMAC mac: MACAddress) -> UInt64 {
        let oui = mac.rawValue >> 24 ^ 0x02_0000
        return oui << 40 | 0xFF_FE00_0000 | mac.rawValue & 0xFF_FFFF
    }

    /// The link-local address an interface with this MAC takes: `fe80::` and the modified
    /// EUI-64 interface identifier.
    public static func linkLocal(fromMAC mac: MACAddress) -> IPv6Address {
        IPv6Address(high: linkLocalPrefix.high, low: interfaceIdentifier(fromMAC: mac))
    }

    /// The upper 64 bits of `prefix` with `interfaceIdentifier` below (stateless address
    /// autoconfiguration, RFC 4862 §5.5.3).
    public init(prefix: IPv6Address, interfaceIdentifier: UInt64) {
        self.init(high: prefix.high, low: interfaceIdentifier)
    }
}
