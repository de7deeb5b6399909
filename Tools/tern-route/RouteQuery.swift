import TernToolSupport
import TernWire

/// Answers route questions about a graph, in `tern-route`'s output format.
struct RouteQuery {
    let graph: RouterGraph

    /// Exit status for questions that are well formed but have no answer: no router
    /// serves an address, or no path joins the two routers.
    static let noRouteStatus: Int32 = 1

    /// `SRC -> DST ['R1', 'R2', ...]`: the routers from the one serving SRC to the one serving
    /// DST; `[]` when one router serves both (they share its subnet). With `cost`, the
    /// path's total cost follows.
    func path(from source: IPv4Address, to destination: IPv4Address, cost showCost: Bool = false) throws(ToolFailure) -> String {
        let start = try router(serving: source)
        let end = try router(serving: destination)
        if start == end {
            return "\(source) -> \(destination) []" + (showCost ? "  cost 0" : "")
        }
        let tree = ShortestPathTree(graph, root: start)
        guard let routers = tree.path(to: end) else {
            throw ToolFailure("no path from \(source) (router \(graph.routers[start])) to \(destination) (router \(graph.routers[end])): "
                + "no chain of connections joins them", status: RouteQuery.noRouteStatus)
        }
        return "\(source) -> \(destination) \(RouteQuery.list(routers.map { graph.routers[$0] }))"
            + (showCost ? "  cost \(tree.cost[end])" : "")
    }

    /// The shortest-path tree from the router serving `source`: one line per router, in
    /// address order, naming its subnet, the path to it and its cost, or `unreachable`.
    func tree(from source: IPv4Address) throws(ToolFailure) -> [String] {
        let start = try router(serving: source)
        let tree = ShortestPathTree(graph, root: start)
        return (0..<graph.count).map { r in
            let subnet = graph.subnets[r]
            let head = "\(source) -> \(subnet.network)/\(subnet.prefixLength)"
            guard let routers = tree.path(to: r) else { return head + " unreachable" }
            let list = r == start ? "[]" : RouteQuery.list(routers.map { graph.routers[$0] })
            return "\(head) \(list)  cost \(tree.cost[r])"
        }
    }

    /// The router whose subnet contains `address`, or a failure saying none does.
    private func router(serving address: IPv4Address) throws(ToolFailure) -> Int {
        guard let router = graph.router(serving: address) else {
            throw ToolFailure("no router serves \(address): it is in none of the routers' subnets", status: RouteQuery.noRouteStatus)
        }
        return router
    }

    /// `['10.34.98.1', '10.34.166.1']`, the way Python prints a list of strings.
    static func list(_ routers: [IPv4Address]) -> String {
        "[" + routers.map { "'\($0)'" }.joined(separator: ", ") + "]"
    }
}
