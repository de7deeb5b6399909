import TernToolSupport
import TernWire

/// A network of routers as a link-state protocol sees it: every router with its subnet,
/// and every link a router advertises, with its cost.
///
/// Routers are numbered 0..<count in ascending order of address, so "lower number" and
/// "lower address" mean the same thing (the tie-break rule relies on it). Links are kept in
/// compressed adjacency form: the links of router r are `linkTarget[linkStart[r]..<linkStart[r + 1]]`.
struct RouterGraph: Sendable {
    /// One router as described by the input, before validation.
    struct RouterSpec: Sendable {
        var address: IPv4Address
        var prefixLength: Int
        /// Neighbour address and the cost of the link to it (the `ad` field).
        var links: [(neighbour: IPv4Address, cost: Int)]

        init(address: IPv4Address, prefixLength: Int, links: [(neighbour: IPv4Address, cost: Int)]) {
            self.address = address
            self.prefixLength = prefixLength
            self.links = links
        }
    }

    /// The cost a link gets when it has no `ad` (OSPF's administrative distance).
    static let defaultCost = 110
    /// Link costs allowed: positive, so every path is longer than its prefixes (Dijkstra's
    /// premise, and what makes the tie-break rule well defined).
    static let costRange = 1...Int(UInt32.max)

    /// Router addresses, ascending.
    let routers: [IPv4Address]
    /// Each router's subnet: its address with its netmask.
    let subnets: [IPv4Subnet]
    /// Where each router's links start in `linkTarget` / `linkCost`; `count + 1` entries.
    let linkStart: [Int]
    let linkTarget: [Int]
    let linkCost: [Int]

    var count: Int { routers.count }
    var linkCount: Int { linkTarget.count }

    /// Builds and validates the graph: addresses unique, prefix lengths 0…32, costs in
    /// `costRange`, and every neighbour a router of the graph.
    init(_ specs: [RouterSpec]) throws(ToolFailure) {
        let sorted = specs.sorted { $0.address < $1.address }
        var subnets: [IPv4Subnet] = []
        subnets.reserveCapacity(sorted.count)
        for (i, spec) in sorted.enumerated() {
            if i > 0, sorted[i - 1].address == spec.address {
                throw ToolFailure("router \(spec.address) is listed twice")
            }
            guard let subnet = IPv4Subnet(address: spec.address, prefixLength: spec.prefixLength) else {
                throw ToolFailure("router \(spec.address): prefix length \(spec.prefixLength) is not between 0 and 32")
            }
            subnets.append(subnet)
        }
        let routers = sorted.map(\.address)
        var start = [0], target: [Int] = [], cost: [Int] = []
        start.reserveCapacity(sorted.count + 1)
        for spec in sorted {
            // Sorting each router's links makes the graph, and so every answer, independent
            // of the order the input listed them in.
            for link in spec.links.sorted(by: { $0.neighbour < $1.neighbour }) {
                guard let neighbour = RouterGraph.index(of: link.neighbour, in: routers) else {
                    throw ToolFailure("router \(spec.address) has a connection to \(link.neighbour), which is not a router in the graph")
                }
                guard RouterGraph.costRange.contains(link.cost) else {
                    throw ToolFailure("router \(spec.address): the connection to \(link.neighbour) has ad \(link.cost); it must be a whole number from 1 to \(RouterGraph.costRange.upperBound)")
                }
                target.append(neighbour)
                cost.append(link.cost)
            }
            start.append(target.count)
        }
        self.routers = routers
        self.subnets = subnets
        self.linkStart = start
        self.linkTarget = target
        self.linkCost = cost
    }

    /// The number of the router with exactly this address.
    func index(of address: IPv4Address) -> Int? {
        RouterGraph.index(of: address, in: routers)
    }

    /// The router whose subnet contains `address`: the router with that very address if
    /// there is one, else the one with the longest matching prefix, and among equally long
    /// prefixes (routers sharing a subnet) the lowest address.
    func router(serving address: IPv4Address) -> Int? {
        if let exact = index(of: address) { return exact }
        var best: Int?
        for (i, subnet) in subnets.enumerated() where subnet.contains(address) {
            if best.map({ subnet.prefixLength > subnets[$0].prefixLength }) ?? true { best = i }
        }
        return best
    }

    /// Binary search in the sorted address list.
    private static func index(of address: IPv4Address, in routers: [IPv4Address]) -> Int? {
        var low = 0, high = routers.count
        while low < high {
            let middle = low + (high - low) / 2
            if routers[middle] < address { low = middle + 1 } else { high = middle }
        }
        return low < routers.count && routers[low] == address ? low : nil
    }
}
