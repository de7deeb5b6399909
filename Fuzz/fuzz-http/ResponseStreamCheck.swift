import FuzzSupport
import TernServices

/// Reads what the server sent as a stream of HTTP/1.1 responses, independently of the
/// server's own code, and checks it against the access log.
enum ResponseStreamCheck {
    private static let reasons: [Int: String] = [
        200: "OK", 301: "Moved Permanently", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
        408: "Request Timeout", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
        501: "Not Implemented", 505: "HTTP Version Not Supported",
    ]

    static func check(_ output: [UInt8], log: [HTTPAccessLogEntry], dated: Bool, served: [[UInt8]]) {
        require(!contains(output, WebRootFixture.secret), "the secret beside the web root was served")
        var position = 0
        var index = 0
        while position < output.count {
            require(index < log.count, "a response at byte \(position) with no access-log entry (\(log.count) entries)")
            let entry = log[index]
            let isLast = index == log.count - 1
            index += 1
            guard let head = readHead(output, from: &position) else {
                // Only the last response may be cut short, and only if the log says so.
                require(isLast && !entry.completed, "an unterminated response head at the end, log: \(entry)")
                return
            }
            require(head.status == entry.status, "status \(head.status) sent, \(entry.status) logged")
            require(head.field("Server") != nil, "no Server header")
            require(head.field("Content-Type") != nil, "no Content-Type header")
            require((head.field("Date") != nil) == dated, "Date header presence wrong")
            if head.status == 301 { require(head.field("Location") != nil, "301 without Location") }
            if head.status == 405 { require(head.field("Allow") == "GET, HEAD", "405 without Allow: GET, HEAD") }
            guard let lengthText = head.field("Content-Length"), let length = Int(lengthText), length >= 0 else {
                fatalError("invariant violated: a response without a valid Content-Length")
            }
            let connection = head.field("Connection")
            require(connection == "close" || connection == "keep-alive", "Connection header \(connection ?? "missing")")
            let bodyLength = entry.method == "HEAD" ? 0 : length
            let available = min(bodyLength, output.count - position)
            let body = Array(output[position..<position + available])
            position += available
            if available < bodyLength {
                require(isLast && !entry.completed, "a body cut short (\(available) of \(bodyLength)) but logged complete")
                return
            }
            if entry.completed {
                require(entry.bodyBytesSent == Int64(bodyLength), "logged \(entry.bodyBytesSent) body bytes, sent \(bodyLength)")
            }
            if head.status == 200 && entry.method == "GET" {
                require(served.contains(body), "a 200 body that is no file of the web root (\(body.count) bytes)")
            }
            if connection == "close" {
                require(position == output.count, "\(output.count - position) bytes after a Connection: close response")
            }
        }
        // Responses logged but not on the wire: only a last, incomplete one (cut before any byte).
        require(index == log.count || (index == log.count - 1 && !log[index].completed),
                "\(log.count - index) logged responses missing from the output")
    }

    private struct Head {
        var status: Int
        var fields: [(name: String, value: String)]

        /// The value of the one field named `name`; fails if it appears twice.
        func field(_ name: String) -> String? {
            let values = fields.filter { $0.name == name }
            require(values.count <= 1, "header \(name) appears \(values.count) times")
            return values.first?.value
        }
    }

    /// Reads a status line and header fields up to the blank line; nil if the output ends first.
    private static func readHead(_ output: [UInt8], from position: inout Int) -> Head? {
        var lines: [[UInt8]] = []
        var cursor = position
        while true {
            guard let end = firstCRLF(output, from: cursor) else { return nil }
            let line = Array(output[cursor..<end])
            cursor = end + 2
            if line.isEmpty { break }
            lines.append(line)
            require(lines.count <= 32, "a response head of more than 32 lines")
        }
        position = cursor
        guard let statusLine = lines.first else { fatalError("invariant violated: an empty response head") }
        let text = String(decoding: statusLine, as: UTF8.self)
        require(text.hasPrefix("HTTP/1.1 ") && statusLine.count > 13 && statusLine[12] == UInt8(ascii: " "),
                "malformed status line \(text)")
        guard let status = Int(String(decoding: statusLine[9..<12], as: UTF8.self)), let reason = reasons[status] else {
            fatalError("invariant violated: unexpected status line \(text)")
        }
        require(String(decoding: statusLine[13...], as: UTF8.self) == reason, "status line \(text)")
        var fields: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon + 1 < line.count, line[colon + 1] == UInt8(ascii: " ")
            else { fatalError("invariant violated: malformed header line \(String(decoding: line, as: UTF8.self))") }
            require(!line.contains(13) && !line.contains(10), "CR or LF inside a header line")
            let name = line[..<colon]
            require(!name.isEmpty && name.allSatisfy { $0 > 32 && $0 < 127 }, "a header name with a bad byte")
            fields.append((String(decoding: name, as: UTF8.self), String(decoding: line[(colon + 2)...], as: UTF8.self)))
        }
        return Head(status: status, fields: fields)
    }

    private static func firstCRLF(_ bytes: [UInt8], from start: Int) -> Int? {
        var i = start
        while i + 1 < bytes.count {
            if bytes[i] == 13 && bytes[i + 1] == 10 { return i }
            i += 1
        }
        return nil
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<start + needle.count].elementsEqual(needle) { return true }
        }
        return false
    }
}
