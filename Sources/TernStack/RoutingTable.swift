import TernWire

/// Longest-prefix-match routing over every interface's connected subnet, static routes
/// (by next hop or straight onto a link) and the default route. A route names the
/// interface it leaves by, so a lookup picks both the link and the next hop. Hosts and
/// small routers have a handful of routes, so a list sorted by prefix length (longest
/// first) is both the simplest and the fastest structure.
public struct RoutingTable: Sendable {
    /// One route: where datagrams for `destination` go.
    public struct Route: Hashable, Sendable, CustomStringConvertible {
        /// The destination subnet (normalized: host bits zero).
        public var destination: IPv4Subnet
        /// The next hop, or nil when the destination is on the link itself.
        public var gateway: IPv4Address?
        /// The index of the interface the route leaves by.
        public var interface: Int

        public init(destination: IPv4Subnet, gateway: IPv4Address?, interface: Int = 0) {
            self.destination = destination
            self.gateway = gateway
            self.interface = interface
        }

        /// The address to resolve on the link to reach `address`.
        @inline(__always)
        public func nextHop(for address: IPv4Address) -> IPv4Address { gateway ?? address }

        public var description: String {
            if let gateway { return "\(destination) via \(gateway) (interface \(interface))" }
            return "\(destination) on-link (interface \(interface))"
        }
    }

    public private(set) var routes: [Route] = []

    public init() {}

    /// Why a route cannot be added.
    public enum RouteError: Error, Equatable, CustomStringConvertible {
        /// The next hop is not on a connected subnet, so it could never be reached.
        case gatewayNotOnLink(IPv4Address)
        /// A route names an interface the host does not have.
        case unknownInterface(String)
        public var description: String {
            switch self {
            case .gatewayNotOnLink(let a): "next hop \(a) is not inside a connected subnet"
            case .unknownInterface(let name): "no interface named \(name)"
            }
        }
    }

    /// Adds the connected subnet of an interface address.
    public mutating func addConnected(_ subnet: IPv4Subnet, interface: Int = 0) {
        insert(Route(destination: subnet.normalized, gateway: nil, interface: interface))
    }

    /// Adds a route to `destination` via `gateway`, which must be on a connected subnet:
    /// that subnet's interface is the one the route leaves by.
    public mutating func add(_ destination: IPv4Subnet, via gateway: IPv4Address) throws(RouteError) {
        guard let link = routes.first(where: { $0.gateway == nil && $0.destination.contains(gateway) }) else {
            throw .gatewayNotOnLink(gateway)
        }
        insert(Route(destination: destination.normalized, gateway: gateway, interface: link.interface))
    }

    /// Adds a route that puts `destination` straight onto interface `interface`.
    public mutating func add(_ destination: IPv4Subnet, interface: Int) {
        insert(Route(destination: destination.normalized, gateway: nil, interface: interface))
    }

    /// Adds the default route (0.0.0.0/0) via `gateway`.
    public mutating func addDefault(via gateway: IPv4Address) throws(RouteError) {
        try add(.everything, via: gateway)
    }

    /// The most specific route for `destination`, or nil when none matches.
    @inline(__always)
    public func lookup(_ destination: IPv4Address) -> Route? {
        for route in routes where route.destination.contains(destination) { return route }
        return nil
    }

    /// The address to resolve with ARP to reach `destination`, or nil when unroutable.
    @inline(__always)
    public func nextHop(for destination: IPv4Address) -> IPv4Address? {
        lookup(destination)?.nextHop(for: destination)
    }

    private mutating func insert(_ route: Route) {
        routes.removeAll { $0.destination == route.destination }
        let index = routes.firstIndex { $0.destination.prefixLength < route.destination.prefixLength } ?? routes.count
        routes.insert(route, at: index)
    }
}
