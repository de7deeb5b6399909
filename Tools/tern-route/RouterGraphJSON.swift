import Foundation
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
/// keys beside it ignored.
enum RouterGraphJSON {
    /// Parses `data` (the file's bytes); `name` is used in messages.
    static func parse(_ data: [UInt8], name: String) throws(ToolFailure) -> RouterGraph {
        let file: GraphFile
        do {
            file = try JSONDecoder().decode(GraphFile.self, from: Data(data))
        } catch let error as DecodingError {
            throw ToolFailure("\(name): \(describe(error, data: data))")
        } catch let failure as ToolFailure {
            throw ToolFailure("\(name): \(failure.message)")
        } catch {
            throw ToolFailure("\(name): not a router graph: \(error.localizedDescription)")
        }
        do {
            return try RouterGraph(file.routers)
        } catch {
            throw ToolFailure("\(name): \(error.message)")
        }
    }

    /// The whole file: routers by address.
    private struct GraphFile: Decodable {
        var routers: [RouterGraph.RouterSpec]

        init(from decoder: any Decoder) throws {
            let top = try decoder.container(keyedBy: NameKey.self)
            let container = top.contains(NameKey("routers"))
                ? try top.nestedContainer(keyedBy: NameKey.self, forKey: NameKey("routers"))
                : top
            routers = try container.allKeys.map { key in
                let entry = try container.decode(RouterEntry.self, forKey: key)
                return RouterGraph.RouterSpec(address: try address(key.stringValue, at: container.codingPath + [key]),
                                              prefixLength: entry.prefixLength, links: entry.links)
            }
        }
    }

    /// One router's value: its netmask and its connections.
    private struct RouterEntry: Decodable {
        var prefixLength: Int
        var links: [(neighbour: IPv4Address, cost: Int)]

        enum CodingKeys: String, CodingKey { case netmask, connections }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let netmask = try container.decode(String.self, forKey: .netmask)
            prefixLength = try RouterGraphJSON.prefixLength(netmask, at: container.codingPath + [CodingKeys.netmask])
            let connections = try container.nestedContainer(keyedBy: NameKey.self, forKey: .connections)
            links = try connections.allKeys.map { key in
                let link = try connections.decode(Connection.self, forKey: key)
                return (try address(key.stringValue, at: connections.codingPath + [key]), link.ad ?? RouterGraph.defaultCost)
            }
        }
    }

    /// One connection: only `ad` matters to the path; `netmask` is checked if present.
    private struct Connection: Decodable {
        var ad: Int?

        enum CodingKeys: String, CodingKey { case netmask, interface, ad }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            // Read as a number of any kind, so that 1.5 gets a clear message rather than the
            // decoder's "not valid JSON".
            if let value = try container.decodeIfPresent(Double.self, forKey: .ad) {
                guard let whole = Int(exactly: value) else {
                    throw ToolFailure("at \(location(container.codingPath + [CodingKeys.ad])): \(value) is not a whole number from 1 to \(RouterGraph.costRange.upperBound)")
                }
                ad = whole
            }
            if let netmask = try container.decodeIfPresent(String.self, forKey: .netmask) {
                _ = try RouterGraphJSON.prefixLength(netmask, at: container.codingPath + [CodingKeys.netmask])
            }
            _ = try container.decodeIfPresent(String.self, forKey: .interface)
        }
    }

    /// A key that is any string (router addresses).
    private struct NameKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static func address(_ text: String, at path: [any CodingKey]) throws(ToolFailure) -> IPv4Address {
        guard let address = IPv4Address(text) else {
            throw ToolFailure("at \(location(path)): '\(text)' is not an IPv4 address")
        }
        return address
    }

    private static func prefixLength(_ text: String, at path: [any CodingKey]) throws(ToolFailure) -> Int {
        guard let length = IPv4Subnet.parsePrefixLength(text) else {
            throw ToolFailure("at \(location(path)): '\(text)' is not a netmask (use /0 to /32 or a dotted mask)")
        }
        return length
    }

    /// Where the JSON syntax goes wrong, as `: invalid value at line 3, column 7`, or "".
    /// JSONDecoder does not say; JSONSerialization does, by byte offset.
    private static func syntaxProblem(_ data: [UInt8]) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(data))
            return ""
        } catch {
            guard var text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String else { return "" }
            if text.hasSuffix(".") { text.removeLast() }
            if let range = text.range(of: " around character "), let offset = Int(text[range.upperBound...]),
               offset >= 0, offset <= data.count {
                let before = data.prefix(offset)
                let line = before.count(where: { $0 == UInt8(ascii: "\n") }) + 1
                let column = offset - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
                text = String(text[..<range.lowerBound]) + " at line \(line), column \(column)"
            }
            return ": " + text.prefix(1).lowercased() + text.dropFirst()
        }
    }

    /// `10.0.0.1 > connections > 10.0.0.2 > ad`, or `the top level`.
    private static func location(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "the top level" : path.map(\.stringValue).joined(separator: " > ")
    }

    private static func describe(_ error: DecodingError, data: [UInt8]) -> String {
        switch error {
        case .typeMismatch(let type, let context):
            let expected = type == Double.self ? "a number" : type == String.self ? "a string" : "an object"
            return "at \(location(context.codingPath)): expected \(expected)"
        case .valueNotFound(_, let context):
            return "at \(location(context.codingPath)): a value is missing (null)"
        case .keyNotFound(let key, let context):
            return "at \(location(context.codingPath)): \"\(key.stringValue)\" is missing"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not valid JSON" + syntaxProblem(data) }
            return "at \(location(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "not a router graph"
        }
    }
}
