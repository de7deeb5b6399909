import TernWire

/// Where one of the host's IPv6 addresses stands in duplicate address detection (RFC 4862 §5.4).
public enum IPv6AddressState: Sendable, Equatable, CustomStringConvertible {
    /// Being checked: only solicitations for it are looked at; nothing is sent from it or
    /// accepted for it.
    case tentative
    /// In use.
    case preferred
    /// Another node on the link has it: never used.
    case duplicate

    public var description: String {
        switch self {
        case .tentative: "tentative"
        case .preferred: "preferred"
        case .duplicate: "duplicate"
        }
    }
}

/// One IPv6 address of an interface, with its prefix (on-link) and DAD state.
struct IPv6LocalAddress {
    var subnet: IPv6Subnet
    var state: IPv6AddressState
    /// DAD solicitations sent so far.
    var solicitations = 0
    /// When the next DAD step is due while tentative.
    var deadline: Instant?
    /// Taken by stateless autoconfiguration: it lives by its prefix's lifetimes. Addresses
    /// given by the operator, and the link-local one, live for ever.
    var autoconfigured = false
    /// When the preferred lifetime ends (nil: never); the address is then deprecated.
    var preferredUntil: Instant?
    /// When the valid lifetime ends (nil: never); the address is then removed.
    var validUntil: Instant?
    /// The preferred lifetime is over (RFC 4862 §5.5.4): the address still takes packets
    /// and serves the conversations that use it, but new ones start from another address
    /// when there is one.
    var deprecated = false

    var address: IPv6Address { subnet.address }

    /// The earliest lifetime event due: deprecation, then removal.
    var nextLifetimeEvent: Instant? {
        guard autoconfigured else { return nil }
        return Instant.earliest(deprecated ? nil : preferredUntil, validUntil)
    }
}

/// An interface's IPv6 side: its addresses (the link-local one first) and neighbour cache.
struct InterfaceIPv6 {
    var addresses: [IPv6LocalAddress]
    var neighbors: NeighborCache
    /// Also accept the all-routers group (a forwarding host).
    let isRouter: Bool
    /// A router's next unsolicited advertisement, once its link-local address is in use.
    var nextAdvertisement: Instant?
    /// Unsolicited advertisements still to send at the short initial interval.
    var initialAdvertisementsLeft = 3
    /// The last advertisement sent in answer to a solicitation (they are rate limited).
    var lastSolicitedAdvertisement: Instant?
    /// A host's next router solicitation, and how many it has sent.
    var nextRouterSolicitation: Instant?
    var routerSolicitationsSent = 0
    /// A host's default routers (from advertisements) and when each expires.
    var routers: [IPv6Address: Instant] = [:]
    /// Prefixes advertised as on-link, and when each stops being so.
    var advertisedPrefixes: [IPv6Subnet: Instant] = [:]

    init(mac: MACAddress, configured: [IPv6Subnet], isRouter: Bool, configuration: IPv6Configuration) {
        let linkLocal = IPv6Subnet(address: .linkLocal(fromMAC: mac), prefixLength: 64)!
        var addresses = [IPv6LocalAddress(subnet: linkLocal, state: .preferred)]
        for subnet in configured where !addresses.contains(where: { $0.address == subnet.address }) {
            addresses.append(IPv6LocalAddress(subnet: subnet, state: .preferred))
        }
        self.addresses = addresses
        self.neighbors = NeighborCache(configuration: configuration)
        self.isRouter = isRouter
    }

    /// The link-local address (from the MAC).
    var linkLocal: IPv6Address { addresses[0].address }

    /// The index of `address` among ours, whatever its state.
    @inline(__always)
    func index(of address: IPv6Address) -> Int? {
        addresses.firstIndex { $0.address == address }
    }

    /// Whether `address` is ours and in use.
    @inline(__always)
    func isAssigned(_ address: IPv6Address) -> Bool {
        for local in addresses where local.address == address { return local.state == .preferred }
        return false
    }

    /// Whether packets to the multicast `group` are for us: all-nodes, all-routers on a
    /// router, and the solicited-node group of each address, tentative ones included
    /// (RFC 4862 §5.4.2 joins it before the first DAD solicitation).
    func accepts(group: IPv6Address) -> Bool {
        if group == .allNodes || (isRouter && group == .allRouters) { return true }
        guard group.isSolicitedNodeMulticast else { return false }
        return addresses.contains { $0.state != .duplicate && $0.address.solicitedNodeMulticast == group }
    }

    /// Whether an Ethernet frame to the group MAC `mac` (33:33:…) may carry a group we accept.
    func accepts(linkGroup mac: MACAddress) -> Bool {
        if mac == IPv6Address.allNodes.ethernetMulticastAddress { return true }
        if isRouter && mac == IPv6Address.allRouters.ethernetMulticastAddress { return true }
        return addresses.contains { $0.state != .duplicate && $0.address.solicitedNodeMulticast.ethernetMulticastAddress == mac }
    }

    /// Whether `address` is on this link: link-local, or inside one of our prefixes.
    func isOnLink(_ address: IPv6Address) -> Bool {
        if address.isLinkLocal { return true }
        if addresses.contains(where: { $0.state == .preferred && $0.subnet.prefixLength < 128 && $0.subnet.contains(address) }) {
            return true
        }
        return advertisedPrefixes.keys.contains { $0.contains(address) }
    }

    /// A default router, if the link has one (the lowest address, so the choice is stable).
    var defaultRouter: IPv6Address? { routers.keys.min() }

    /// The source for a packet to `destination` out of this link (RFC 6724, in short): the
    /// link-local address for link-local and link-scoped destinations, else an address
    /// whose prefix holds the destination, else the first global address, else link-local.
    /// Nil while the link-local address is not usable and nothing else fits.
    /// Deprecated addresses come last (RFC 6724 rule 3).
    func sourceAddress(for destination: IPv6Address) -> IPv6Address? {
        let usable = addresses.lazy.filter { $0.state == .preferred }
        let linkScoped = destination.isLinkLocal
            || (destination.isMulticast && (destination.multicastScope ?? .global) <= .linkLocal)
        if !linkScoped {
            for deprecated in [false, true] {
                if let match = usable.first(where: { $0.deprecated == deprecated && !$0.address.isLinkLocal
                                                     && $0.subnet.contains(destination) }) {
                    return match.address
                }
                if let global = usable.first(where: { $0.deprecated == deprecated && !$0.address.isLinkLocal }) {
                    return global.address
                }
            }
        }
        return usable.first { $0.address.isLinkLocal }?.address
    }

    /// The earliest DAD step, router advertisement or solicitation, or end of a router's,
    /// prefix's or autoconfigured address's lifetime due.
    var nextDADDeadline: Instant? {
        var earliest = Instant.earliest(nextAdvertisement, nextRouterSolicitation)
        for expiry in routers.values { earliest = Instant.earliest(earliest, expiry) }
        for expiry in advertisedPrefixes.values { earliest = Instant.earliest(earliest, expiry) }
        for local in addresses {
            if local.state == .tentative { earliest = Instant.earliest(earliest, local.deadline) }
            if local.autoconfigured { earliest = Instant.earliest(earliest, local.nextLifetimeEvent) }
        }
        return earliest
    }
}

extension Interface {
    /// The link-local address taken from the MAC (modified EUI-64).
    public var ipv6LinkLocalAddress: IPv6Address { ipv6.linkLocal }

    /// Every IPv6 address of the link (the link-local one first) and its DAD state.
    public var ipv6AddressStates: [(address: IPv6Subnet, state: IPv6AddressState)] {
        ipv6.addresses.map { ($0.subnet, $0.state) }
    }

    /// The neighbour cache's state for `address`, if it has an entry.
    public func neighborState(of address: IPv6Address) -> NeighborState? {
        ipv6.neighbors.state(of: address)
    }

    /// The MAC the neighbour cache holds for `address`, if any.
    public func neighborMAC(of address: IPv6Address) -> MACAddress? {
        ipv6.neighbors.entries[address]?.mac
    }
}
