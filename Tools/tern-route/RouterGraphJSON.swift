import TernServices
import TernToolSupport
import TernWire

/// Reads a graph in the JSON form `tern-route` takes:
///
/// ```json
/// {
///   "10.34.98.1": {
///     "netmask": "/24",
///     "connections": {
///       "10.34.166.1": {"netmask": "/24", "interface": "en0", "ad": 70}
///     }
///   }
/// }
/// ```
///
/// Keys are router addresses; `netmask` is `/n`, `n` or dotted; `ad` is the link's cost,
/// 110 when absent. The graph may also sit under a top-level `"routers"` key, with other
/// keys beside it ignored. The JSON is read with the project's own strict parser
/// (`JSONParser`), so the tool needs no Foundation.
enum RouterGraphJSON {
    /// Parses `data` (the file's bytes); `name` is used in messages.
    static func parse(_ data: [UInt8], name: String) throws(ToolFailure) -> RouterGraph {
        let document: JSONValue
        do {
            document = try JSONParser.parse(data)
        } catch {
            throw ToolFailure("\(name): not valid JSON: \(describe(error, in: data))")
        }
        let routers: [RouterGraph.RouterSpec]
        do {
            routers = try readRouters(document)
        } catch {
            throw ToolFailure("\(name): \(error.message)")
        }
        do {
            return try RouterGraph(routers)
        } catch {
            throw ToolFailure("\(name): \(error.message)")
        }
    }

    /// The routers of the document: its top-level object, or the one under `"routers"`.
    private static func readRouters(_ document: JSONValue) throws(ToolFailure) -> [RouterGraph.RouterSpec] {
        var path: [String] = []
        var top = try object(document, at: path)
        if let wrapped = top["routers"] {
            path = ["routers"]
            top = try object(wrapped, at: path)
        }
        var routers: [RouterGraph.RouterSpec] = []
        routers.reserveCapacity(top.count)
        for member in top.members {
            let here = path + [member.key]
            let entry = try object(member.value, at: here)
            let routerAddress = try address(member.key, at: here)
            let netmask = try string(try required(entry, "netmask", at: here), at: here + ["netmask"])
            let prefix = try prefixLength(netmask, at: here + ["netmask"])
            let connections = try object(try required(entry, "connections", at: here), at: here + ["connections"])
            var links: [(neighbour: IPv4Address, cost: Int)] = []
            links.reserveCapacity(connections.count)
            for connection in connections.members {
                let linkPath = here + ["connections", connection.key]
                let neighbour = try address(connection.key, at: linkPath)
                links.append((neighbour, try cost(of: connection.value, at: linkPath)))
            }
            routers.append(RouterGraph.RouterSpec(address: routerAddress, prefixLength: prefix, links: links))
        }
        return routers
    }

    /// One connection's cost (`ad`, 110 when absent); `netmask` and `interface` are checked
    /// when present, as they would be by a router reading the same file.
    private static func cost(of value: JSONValue, at path: [String]) throws(ToolFailure) -> Int {
        let connection = try object(value, at: path)
        if let netmask = connection["netmask"] {
            _ = try prefixLength(try string(netmask, at: path + ["netmask"]), at: path + ["netmask"])
        }
        if let interface = connection["interface"] {
            _ = try string(interface, at: path + ["interface"])
        }
        guard let ad = connection["ad"] else { return RouterGraph.defaultCost }
        guard case .number(let number) = ad else {
            throw ToolFailure("at \(location(path + ["ad"])): expected \(ad == .null ? "a value, not null" : "a number")")
        }
        // Out-of-range whole numbers reach RouterGraph, which names the allowed range.
        guard let whole = Int(exactly: number) else {
            throw ToolFailure("at \(location(path + ["ad"])): \(number) is not a whole number from 1 to \(RouterGraph.costRange.upperBound)")
        }
        return whole
    }

    private static func required(_ object: JSONObject, _ key: String, at path: [String]) throws(ToolFailure) -> JSONValue {
        guard let value = object[key] else { throw ToolFailure("at \(location(path)): \"\(key)\" is missing") }
        return value
    }

    private static func object(_ value: JSONValue, at path: [String]) throws(ToolFailure) -> JSONObject {
        guard let object = value.objectValue else { throw ToolFailure("at \(location(path)): expected an object") }
        return object
    }

    private static func string(_ value: JSONValue, at path: [String]) throws(ToolFailure) -> String {
        guard let text = value.stringValue else { throw ToolFailure("at \(location(path)): expected a string") }
        return text
    }

    private static func address(_ text: String, at path: [String]) throws(ToolFailure) -> IPv4Address {
        guard let address = IPv4Address(text) else {
            throw ToolFailure("at \(location(path)): '\(text)' is not an IPv4 address")
        }
        return address
    }

    private static func prefixLength(_ text: String, at path: [String]) throws(ToolFailure) -> Int {
        guard let length = IPv4Subnet.parsePrefixLength(text) else {
            throw ToolFailure("at \(location(path)): '\(text)' is not a netmask (use /0 to /32 or a dotted mask)")
        }
        return length
    }

    /// `10.0.0.1 > connections > 10.0.0.2 > ad`, or `the top level`.
    private static func location(_ path: [String]) -> String {
        path.isEmpty ? "the top level" : path.joined(separator: " > ")
    }

    /// The parser's complaint with its byte offset turned into a line and a column (both
    /// counted from 1, the column in bytes).
    private static func describe(_ error: JSONParseError, in data: [UInt8]) -> String {
        let offset = min(max(error.offset, 0), data.count)
        let before = data[..<offset]
        let line = before.count(where: { $0 == UInt8(ascii: "\n") }) + 1
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let what = error.description.split(separator: " at byte ").first.map(String.init) ?? error.description
        return "\(what) at line \(line), column \(offset - lineStart + 1)"
    }
}
