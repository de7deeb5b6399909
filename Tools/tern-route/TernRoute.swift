import ArgumentParser
import TernToolSupport
import TernWire

/// `tern-route`: shortest paths through a JSON graph of routers.
struct TernRoute: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern-route",
        abstract: "Shortest path between two hosts through a network of routers, as OSPF computes it.",
        discussion: """
            tern-route GRAPH.json SRC DST
                Print SRC -> DST ['R1', 'R2', ...]: the routers a packet crosses, from the
                router whose subnet contains SRC to the one whose subnet contains DST.
                [] when one router serves both.
            tern-route GRAPH.json --all SRC
                Print the whole shortest-path tree from SRC's router: for every router, in
                address order, its subnet, the path to it and its cost (or "unreachable").

            GRAPH.json maps each router's address to {"netmask": "/24", "connections":
            {NEIGHBOUR: {"netmask": "/24", "interface": "en0", "ad": 70}, ...}}. "ad" is
            the link's cost (a whole number from 1), 110 when absent.

            Equal-cost paths: the one with fewer links wins; then the one whose router
            before the destination has the lower address, and so on back to the source.

            Exit status: 0 with an answer; 1 when no router serves an address or no path
            exists; 2 on bad usage or input (unreadable or malformed graph, bad address).
            """,
        version: TernVersion.number)

    @Argument(help: ArgumentHelp("The graph, a JSON file.", valueName: "graph"))
    var graphPath: String

    @Argument(help: ArgumentHelp("SRC DST: the two host addresses.", valueName: "address"))
    var addresses: [String] = []

    @Option(name: .long, help: ArgumentHelp("Print the shortest-path tree from this host's router.", valueName: "src"))
    var all: String?

    @Flag(name: .long, help: "Append the path's total cost.")
    var cost = false

    func validate() throws {
        if all != nil {
            guard addresses.isEmpty else { throw ValidationError("--all SRC takes no other addresses.") }
        } else {
            guard addresses.count == 2 else { throw ValidationError("Give the graph, SRC and DST (or --all SRC).") }
        }
    }

    func run() throws {
        try execute { print($0) }
    }

    /// Does the work of `run()`, handing each output line to `emit` (tests collect them).
    func execute(_ emit: (String) -> Void) throws(ToolFailure) {
        let graph = try RouterGraphJSON.parse(FileInput.bytes(atPath: graphPath), name: graphPath)
        let query = RouteQuery(graph: graph)
        if let all {
            for line in try query.tree(from: TernRoute.address(all)) { emit(line) }
        } else {
            emit(try query.path(from: TernRoute.address(addresses[0]), to: TernRoute.address(addresses[1]), cost: cost))
        }
    }

    private static func address(_ text: String) throws(ToolFailure) -> IPv4Address {
        guard let address = IPv4Address(text) else {
            throw ToolFailure("'\(text)' is not an IPv4 address (e.g. 10.34.98.5)")
        }
        return address
    }
}
