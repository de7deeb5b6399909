import Testing
@testable import TernServices

/// A parsed response from the server's output.
struct HTTPTestResponse {
    var statusLine: String
    var headers: [(String, String)]
    var body: [UInt8]

    var status: Int { Int(statusLine.split(separator: " ")[1]) ?? 0 }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// Splits a stream into responses, using Content-Length (bodies omitted for HEAD, as told).
    static func parseAll(_ stream: [UInt8], headRequests: Set<Int> = []) -> [HTTPTestResponse] {
        var responses: [HTTPTestResponse] = []
        var rest = stream[...]
        while !rest.isEmpty {
            guard let end = rest.firstRange(of: [13, 10, 13, 10]) else {
                Issue.record("incomplete head in \(String(decoding: rest, as: UTF8.self).debugDescription)")
                break
            }
            let lines = String(decoding: rest[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
            let headers = lines.dropFirst().map { line -> (String, String) in
                let parts = line.split(separator: ":", maxSplits: 1)
                return (String(parts[0]), parts.count > 1 ? String(parts[1].dropFirst()) : "")
            }
            var response = HTTPTestResponse(statusLine: lines[0], headers: headers, body: [])
            rest = rest[end.upperBound...]
            let length = headRequests.contains(responses.count) ? 0 : Int(response.header("Content-Length") ?? "0") ?? 0
            response.body = Array(rest.prefix(length))
            rest = rest.dropFirst(length)
            responses.append(response)
        }
        return responses
    }
}

extension String {
    func components(separatedBy separator: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var remaining = self[...]
        while let range = remaining.firstRange(of: separator) {
            current = String(remaining[..<range.lowerBound])
            parts.append(current)
            remaining = remaining[range.upperBound...]
        }
        parts.append(String(remaining))
        return parts
    }
}

/// A web root with a few files and a connection to drive.
final class HTTPServerFixture {
    let directory: TemporaryDirectory
    let server: HTTPFileServer

    init(configuration: HTTPServerConfiguration = HTTPServerConfiguration()) throws {
        directory = try TemporaryDirectory()
        try directory.makeDirectory("www")
        try directory.write("www/index.html", "<p>hi</p>\n")
        try directory.write("www/hello.txt", "hello\n")
        try directory.write("www/empty.txt", "")
        try directory.makeDirectory("www/docs")
        try directory.write("www/docs/index.html", "docs")
        server = HTTPFileServer(webRoot: try WebRoot(path: directory.url("www")), configuration: configuration)
    }
}

/// Feeds a request stream in the given chunks, then drains all output through a socket that
/// takes up to `window` bytes per call.
func exchange(_ connection: HTTPConnection, _ chunks: [[UInt8]], window: Int = .max) -> [UInt8] {
    var out: [UInt8] = []
    let send = { (bytes: UnsafeRawBufferPointer) -> Int in
        let n = min(bytes.count, window)
        out += bytes[..<n]
        return n
    }
    for chunk in chunks {
        var offset = 0
        while offset < chunk.count {
            let taken = chunk.withUnsafeBytes { connection.receive(UnsafeRawBufferPointer(rebasing: $0[offset...]), now: 1) }
            offset += taken
            var guardCount = 0
            while connection.sendOutput(send) > 0 && guardCount < 1_000_000 { guardCount += 1 }
            if taken == 0 && !connection.hasPendingOutput { break }
        }
    }
    var guardCount = 0
    while connection.hasPendingOutput && guardCount < 10_000_000 {
        _ = connection.sendOutput(send)
        guardCount += 1
    }
    return out
}

func exchange(_ connection: HTTPConnection, _ text: String) -> [HTTPTestResponse] {
    HTTPTestResponse.parseAll(exchange(connection, [[UInt8](text)]))
}
