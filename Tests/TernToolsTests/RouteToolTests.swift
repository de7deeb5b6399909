import ArgumentParser
import Foundation
import Testing
import TernToolSupport
import TernWire
@testable import tern_route

/// One command of Tools/tern-route/examples/expected.txt and what it must print.
private struct TranscriptEntry: CustomTestStringConvertible {
    var arguments: [String]
    var output: [String]
    var status: Int32

    var testDescription: String { arguments.joined(separator: " ") }

    static func all() throws -> [TranscriptEntry] {
        let text = try String(contentsOfFile: Fixtures.routeExamples + "/expected.txt", encoding: .utf8)
        var entries: [TranscriptEntry] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
            if line.hasPrefix("$ tern-route ") {
                let words = line.dropFirst("$ tern-route ".count).split(separator: " ").map(String.init)
                entries.append(TranscriptEntry(arguments: words, output: [], status: 0))
            } else if line.hasPrefix("[exit "), let status = Int32(line.dropFirst(6).dropLast()) {
                entries[entries.count - 1].status = status
            } else {
                entries[entries.count - 1].output.append(String(line))
            }
        }
        return entries
    }
}

@Suite("tern-route: example graphs")
struct RouteExampleTests {
    @Test("every command in examples/expected.txt prints what it says", arguments: try TranscriptEntry.all())
    fileprivate func transcript(_ entry: TranscriptEntry) throws {
        var arguments = entry.arguments
        arguments[0] = Fixtures.routeExamples + "/" + arguments[0]
        let command = try TernRoute.parse(arguments)
        var lines: [String] = []
        var status: Int32 = 0
        do {
            try command.execute { lines.append($0) }
        } catch {
            lines.append("tern-route: \(error.message)")
            status = error.status
        }
        #expect(lines == entry.output)
        #expect(status == entry.status)
    }

    @Test("the transcript covers every example graph, the tree, ties and both failures")
    func coverage() throws {
        let entries = try TranscriptEntry.all()
        #expect(Set(entries.map { $0.arguments[0] }) == ["campus.json", "ties.json", "islands.json"])
        #expect(entries.contains { $0.arguments.contains("--all") })
        #expect(entries.contains { $0.output.first?.hasSuffix(" []") == true })
        #expect(entries.contains { $0.output.first?.contains("no path") == true })
        #expect(entries.contains { $0.output.first?.contains("no router serves") == true })
    }
}

@Suite("tern-route: graph input")
struct RouteGraphInputTests {
    static func parse(_ json: String) throws -> RouterGraph {
        try RouterGraphJSON.parse(Array(json.utf8), name: "g.json")
    }

    static func failure(_ json: String) -> String? {
        do {
            _ = try parse(json)
            return nil
        } catch {
            return (error as? ToolFailure)?.message
        }
    }

    @Test("a missing ad costs 110; netmasks may be /n, n or dotted")
    func defaults() throws {
        let graph = try Self.parse("""
            {"10.0.1.1": {"netmask": "/24", "connections": {"10.0.2.1": {"netmask": "/24", "interface": "en0"}}},
             "10.0.2.1": {"netmask": "255.255.0.0", "connections": {"10.0.1.1": {"ad": 7}}},
             "10.9.0.1": {"netmask": "8", "connections": {}}}
            """)
        #expect(graph.routers == [IPv4Address(10, 0, 1, 1), IPv4Address(10, 0, 2, 1), IPv4Address(10, 9, 0, 1)])
        #expect(graph.subnets.map(\.prefixLength) == [24, 16, 8])
        #expect(graph.linkCost == [110, 7])
    }

    @Test("a graph under a top-level \"routers\" key is accepted, other keys ignored")
    func wrapped() throws {
        let graph = try Self.parse("""
            {"routers": {"10.0.1.1": {"netmask": "/24", "connections": {}}}, "src-dest": [["10.0.1.2", "10.0.1.3"]]}
            """)
        #expect(graph.count == 1)
    }

    @Test("malformed graphs are explained", arguments: [
        ("[1, 2]", "g.json: at the top level: expected an object"),
        ("{\"10.0.0.1\": {\"netmask\": \"/24\", \"connections\": {}", "g.json: not valid JSON: unexpected end of input at line 1, column 50"),
        ("{\"router\": {\"netmask\": \"/24\", \"connections\": {}}}", "g.json: at router: 'router' is not an IPv4 address"),
        ("{\"10.0.0.1\": {\"connections\": {}}}", "g.json: at 10.0.0.1: \"netmask\" is missing"),
        ("{\"10.0.0.1\": {\"netmask\": \"/24\"}}", "g.json: at 10.0.0.1: \"connections\" is missing"),
        ("{\"10.0.0.1\": {\"netmask\": \"/33\", \"connections\": {}}}",
         "g.json: at 10.0.0.1 > netmask: '/33' is not a netmask (use /0 to /32 or a dotted mask)"),
        ("{\"10.0.0.1\": {\"netmask\": 24, \"connections\": {}}}", "g.json: at 10.0.0.1 > netmask: expected a string"),
        ("{\"10.0.0.1\": {\"netmask\": \"/24\", \"connections\": {\"10.0.0.2\": {\"ad\": 5}}}}",
         "g.json: router 10.0.0.1 has a connection to 10.0.0.2, which is not a router in the graph"),
        ("{\"10.0.0.1\": {\"netmask\": \"/24\", \"connections\": {\"10.0.0.1\": {\"ad\": 0}}}}",
         "g.json: router 10.0.0.1: the connection to 10.0.0.1 has ad 0; it must be a whole number from 1 to 4294967295"),
        ("{\"10.0.0.1\": {\"netmask\": \"/24\", \"connections\": {\"10.0.0.1\": {\"ad\": -3}}}}",
         "g.json: router 10.0.0.1: the connection to 10.0.0.1 has ad -3; it must be a whole number from 1 to 4294967295"),
        ("{\"10.0.0.1\": {\"netmask\": \"/24\", \"connections\": {\"10.0.0.1\": {\"ad\": \"70\"}}}}",
         "g.json: at 10.0.0.1 > connections > 10.0.0.1 > ad: expected a number"),
        ("{\"10.0.0.1\": {\"netmask\": \"/24\", \"connections\": {\"10.0.0.1\": {\"ad\": 1.5}}}}",
         "g.json: at 10.0.0.1 > connections > 10.0.0.1 > ad: 1.5 is not a whole number from 1 to 4294967295"),
        ("{\"10.0.0.1\": {\"netmask\": \"/24\", \"connections\": {\"10.0.0.1\": {\"ad\": 1e30}}}}",
         "g.json: at 10.0.0.1 > connections > 10.0.0.1 > ad: 1e+30 is not a whole number from 1 to 4294967295"),
        ("{\n  \"10.0.0.1\": {\n    \"netmask\" \"/24\"}}", "g.json: not valid JSON: unexpected character at line 3, column 15"),
        ("{\"10.0.0.1\": {\"netmask\": \"/24\", \"connections\": {\"10.0.0.1\": {\"netmask\": \"x\"}}}}",
         "g.json: at 10.0.0.1 > connections > 10.0.0.1 > netmask: 'x' is not a netmask (use /0 to /32 or a dotted mask)"),
        ("{\"10.0.0.1\": {\"netmask\": \"/24\", \"connections\": {}}, \"010.0.0.1\": {\"netmask\": \"/24\", \"connections\": {}}}",
         "g.json: at 010.0.0.1: '010.0.0.1' is not an IPv4 address"),
    ])
    func malformed(_ json: String, _ message: String) {
        let got = Self.failure(json)
        #expect(got?.hasPrefix(message) == true, "got \(got ?? "no failure")")
    }

    @Test("the router serving an address: its own, else the longest prefix, else the lowest address")
    func serving() throws {
        let graph = try RouterGraph([
            .init(address: IPv4Address(10, 0, 0, 1), prefixLength: 8, links: []),
            .init(address: IPv4Address(10, 1, 0, 9), prefixLength: 16, links: []),
            .init(address: IPv4Address(10, 1, 0, 2), prefixLength: 16, links: []),
            .init(address: IPv4Address(10, 1, 2, 1), prefixLength: 24, links: []),
        ])
        func served(_ a: IPv4Address) -> IPv4Address? { graph.router(serving: a).map { graph.routers[$0] } }
        #expect(served(IPv4Address(10, 200, 0, 5)) == IPv4Address(10, 0, 0, 1))
        #expect(served(IPv4Address(10, 1, 2, 77)) == IPv4Address(10, 1, 2, 1))
        #expect(served(IPv4Address(10, 1, 9, 9)) == IPv4Address(10, 1, 0, 2))      // two /16s: the lower address
        #expect(served(IPv4Address(10, 1, 0, 9)) == IPv4Address(10, 1, 0, 9))      // a router's own address
        #expect(served(IPv4Address(11, 0, 0, 1)) == nil)
    }

    @Test("bad addresses on the command line are status 2, unserved ones status 1")
    func commandLineAddresses() throws {
        let graph = Fixtures.routeExamples + "/campus.json"
        #expect(throws: ToolFailure("'10.10.1' is not an IPv4 address (e.g. 10.34.98.5)")) {
            try TernRoute.parse([graph, "10.10.1", "10.10.2.1"]).execute { _ in }
        }
        #expect(throws: ToolFailure("no router serves 8.8.8.8: it is in none of the routers' subnets", status: 1)) {
            try TernRoute.parse([graph, "--all", "8.8.8.8"]).execute { _ in }
        }
        #expect(throws: ToolFailure("/nonexistent.json: no such file")) {
            try TernRoute.parse(["/nonexistent.json", "10.10.1.1", "10.10.2.1"]).execute { _ in }
        }
        #expect(throws: (any Error).self) { _ = try TernRoute.parse([graph, "10.10.1.1"]) }
        #expect(throws: (any Error).self) { _ = try TernRoute.parse([graph, "10.10.1.1", "10.10.2.1", "--all", "10.10.1.1"]) }
    }
}

@Suite("tern-route: shortest paths")
struct ShortestPathTests {
    /// A random connected graph: a random spanning tree plus `extra` random links, costs
    /// 1…`maximumCost` (small costs make many equal-cost paths, which is what the tie rule
    /// is about), links in both directions, sometimes with different costs each way.
    static func randomGraph(routers n: Int, extra: Int, maximumCost: Int, seed: UInt64) throws -> RouterGraph {
        var rng = SplitMix64(seed: seed)
        var links = [[(neighbour: IPv4Address, cost: Int)]](repeating: [], count: n)
        var seen = Set<Int>()
        // Addresses in shuffled order, so router numbers do not follow creation order.
        var addresses = (0..<n).map { IPv4Address(10, UInt8($0 >> 8), UInt8($0 & 0xFF), 1) }
        addresses.shuffle(using: &rng)
        func link(_ a: Int, _ b: Int) {
            guard a != b, seen.insert(a * n + b).inserted, seen.insert(b * n + a).inserted else { return }
            let cost = 1 + Int(rng.next() % UInt64(maximumCost))
            let back = rng.next() % 4 == 0 ? 1 + Int(rng.next() % UInt64(maximumCost)) : cost
            links[a].append((addresses[b], cost))
            links[b].append((addresses[a], back))
        }
        for i in 1..<n { link(i, Int(rng.next() % UInt64(i))) }
        for _ in 0..<extra { link(Int(rng.next() % UInt64(n)), Int(rng.next() % UInt64(n))) }
        return try RouterGraph((0..<n).map { .init(address: addresses[$0], prefixLength: 24, links: links[$0]) })
    }

    /// The reference: Dijkstra in O(V²) with plain arrays and a linear scan for the next
    /// router, on the key (cost, links); then each router's parent chosen straight from the
    /// rule's definition: the lowest-numbered neighbour whose key plus the link gives its key.
    static func reference(_ graph: RouterGraph, root: Int) -> (cost: [Int], hops: [Int], parent: [Int]) {
        let n = graph.count
        var cost = [Int](repeating: .max, count: n), hops = [Int](repeating: .max, count: n)
        var done = [Bool](repeating: false, count: n)
        cost[root] = 0
        hops[root] = 0
        for _ in 0..<n {
            var u = -1
            for v in 0..<n where !done[v] && cost[v] != .max {
                if u < 0 || (cost[v], hops[v]) < (cost[u], hops[u]) { u = v }
            }
            if u < 0 { break }
            done[u] = true
            for e in graph.linkStart[u]..<graph.linkStart[u + 1] {
                let v = graph.linkTarget[e]
                let candidate = (cost[u] + graph.linkCost[e], hops[u] + 1)
                if candidate < (cost[v], hops[v]) { (cost[v], hops[v]) = candidate }
            }
        }
        var parent = [Int](repeating: -1, count: n)
        for u in 0..<n where cost[u] != .max {
            for e in graph.linkStart[u]..<graph.linkStart[u + 1] {
                let v = graph.linkTarget[e]
                if v != root, (cost[u] + graph.linkCost[e], hops[u] + 1) == (cost[v], hops[v]), parent[v] < 0 || u < parent[v] {
                    parent[v] = u
                }
            }
        }
        return (cost, hops, parent)
    }

    @Test("10,000 random routers: the heap's tree equals the O(V²) reference exactly")
    func tenThousandRouters() throws {
        let graph = try Self.randomGraph(routers: 10_000, extra: 15_000, maximumCost: 20, seed: 2024)
        #expect(graph.count == 10_000)
        #expect(graph.linkCount >= 2 * 9_999 && graph.linkCount % 2 == 0)
        let root = graph.router(serving: IPv4Address(10, 0, 7, 9))!
        let tree = ShortestPathTree(graph, root: root)
        let want = Self.reference(graph, root: root)
        #expect(tree.cost == want.cost)
        #expect(tree.hops == want.hops)
        #expect(tree.parent == want.parent)
        #expect(tree.cost.allSatisfy { $0 != .max })   // connected by construction
        // Every path's links add up to its cost.
        for target in stride(from: 0, to: graph.count, by: 97) {
            let path = try #require(tree.path(to: target))
            #expect(path.first == root && path.last == target && path.count == tree.hops[target] + 1)
            var total = 0
            for (u, v) in zip(path, path.dropFirst()) {
                let e = try #require((graph.linkStart[u]..<graph.linkStart[u + 1]).first { graph.linkTarget[$0] == v })
                total += graph.linkCost[e]
            }
            #expect(total == tree.cost[target])
        }
    }

    @Test("many small graphs full of ties, from every root", arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func smallGraphs(_ seed: Int) throws {
        let graph = try Self.randomGraph(routers: 60, extra: 90, maximumCost: 2, seed: UInt64(seed))
        for root in 0..<graph.count {
            let tree = ShortestPathTree(graph, root: root)
            let want = Self.reference(graph, root: root)
            #expect(tree.cost == want.cost && tree.hops == want.hops && tree.parent == want.parent, "root \(root)")
        }
    }

    @Test("the answer does not depend on the order routers and links are listed in")
    func orderIndependence() throws {
        let graph = try Self.randomGraph(routers: 300, extra: 600, maximumCost: 3, seed: 99)
        var specs = (0..<graph.count).map { r in
            RouterGraph.RouterSpec(address: graph.routers[r], prefixLength: 24,
                                   links: (graph.linkStart[r]..<graph.linkStart[r + 1]).map { (graph.routers[graph.linkTarget[$0]], graph.linkCost[$0]) })
        }
        var rng = SplitMix64(seed: 5)
        specs.shuffle(using: &rng)
        for i in specs.indices { specs[i].links.shuffle(using: &rng) }
        let shuffled = try RouterGraph(specs)
        for root in [0, 17, 299] {
            #expect(ShortestPathTree(graph, root: root).parent == ShortestPathTree(shuffled, root: root).parent)
        }
    }

    @Test("unreachable routers have no path; the root's path is itself")
    func unreachable() throws {
        let graph = try RouterGraph([
            .init(address: IPv4Address(10, 0, 0, 1), prefixLength: 24, links: [(IPv4Address(10, 0, 1, 1), 5)]),
            .init(address: IPv4Address(10, 0, 1, 1), prefixLength: 24, links: []),   // one-way link
            .init(address: IPv4Address(10, 0, 2, 1), prefixLength: 24, links: []),
        ])
        let tree = ShortestPathTree(graph, root: 0)
        #expect(tree.path(to: 0) == [0])
        #expect(tree.path(to: 1) == [0, 1])
        #expect(tree.path(to: 2) == nil)
        #expect(ShortestPathTree(graph, root: 1).path(to: 0) == nil)
        #expect(RouteQuery.list([]) == "[]")
        #expect(RouteQuery.list([IPv4Address(10, 0, 0, 1), IPv4Address(10, 0, 1, 1)]) == "['10.0.0.1', '10.0.1.1']")
    }
}
