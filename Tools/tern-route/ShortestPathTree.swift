import HeapModule

/// Every router's least-cost path from one root router: Dijkstra's algorithm, as OSPF runs
/// it, with swift-collections' `Heap` as the priority queue, in O((V + E) log V).
///
/// Ties are broken so that the answer never depends on input order or heap internals:
/// 1. least total cost;
/// 2. among equal costs, fewest links;
/// 3. among those, the path whose router before the destination has the lowest address
///    (and so on back towards the root, since that router's own path follows the same rule).
struct ShortestPathTree: Sendable {
    /// The router the tree grows from.
    let root: Int
    /// Total cost from the root; `Int.max` for routers it cannot reach.
    let cost: [Int]
    /// Links on the chosen path from the root; `Int.max` when unreachable.
    let hops: [Int]
    /// The router before each one on its path; -1 for the root and unreachable routers.
    let parent: [Int]

    /// A heap entry: a router and the key it had when queued. Ordered by key, then by
    /// router number so that the pop order is fully determined.
    private struct Candidate: Comparable {
        var cost: Int
        var hops: Int
        var router: Int

        static func < (a: Candidate, b: Candidate) -> Bool {
            (a.cost, a.hops, a.router) < (b.cost, b.hops, b.router)
        }
    }

    /// Runs Dijkstra from `root`, which must be a router of `graph`.
    init(_ graph: RouterGraph, root: Int) {
        let n = graph.count
        var cost = [Int](repeating: .max, count: n)
        var hops = [Int](repeating: .max, count: n)
        var parent = [Int](repeating: -1, count: n)
        var done = [Bool](repeating: false, count: n)
        var queue = Heap<Candidate>()
        cost[root] = 0
        hops[root] = 0
        queue.insert(Candidate(cost: 0, hops: 0, router: root))

        while let next = queue.popMin() {
            let u = next.router
            // The heap may hold older, worse entries for a router: skip them.
            if done[u] { continue }
            done[u] = true
            for link in graph.linkStart[u]..<graph.linkStart[u + 1] {
                let v = graph.linkTarget[link]
                if done[v] { continue }
                let (sum, overflow) = cost[u].addingReportingOverflow(graph.linkCost[link])
                let newCost = overflow ? Int.max : sum
                let newHops = hops[u] + 1
                if (newCost, newHops) < (cost[v], hops[v]) {
                    cost[v] = newCost
                    hops[v] = newHops
                    parent[v] = u
                    queue.insert(Candidate(cost: newCost, hops: newHops, router: v))
                } else if (newCost, newHops) == (cost[v], hops[v]), u < parent[v] {
                    parent[v] = u
                }
            }
        }
        self.root = root
        self.cost = cost
        self.hops = hops
        self.parent = parent
    }

    /// Whether `router` can be reached from the root.
    func reaches(_ router: Int) -> Bool {
        router == root || parent[router] >= 0
    }

    /// The routers from the root to `router`, both included; nil when unreachable.
    func path(to router: Int) -> [Int]? {
        guard reaches(router) else { return nil }
        var path = [router]
        var current = router
        while current != root {
            current = parent[current]
            path.append(current)
        }
        return path.reversed()
    }
}
