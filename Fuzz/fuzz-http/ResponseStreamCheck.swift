import FuzzSupport
import TernServices

/// Reads what the server sent as a stream of HTTP/1.1 responses, independently of the
/// server's own code, and checks it against the access log.
enum ResponseStreamCheck {
    private static let reasons: [Int: String] = [
        100: "Continue", 200: "OK", 206: "Partial Content", 301: "Moved Permanently", 304: "Not Modified",
        400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
        412: "Precondition Failed", 414: "URI Too Long", 416: "Range Not Satisfiable",
        431: "Request Header Fields Too Large", 500: "Internal Server Error", 501: "Not Implemented",
        505: "HTTP Version Not Supported",
    ]

    static func check(_ output: [UInt8], log: [HTTPAccessLogEntry], dated: Bool, served: [[UInt8]]) {
        require(!contains(output, WebRootFixture.secret), "the secret beside the web root was served")
        var position = 0
        var index = 0
        var interimPending = false
        while position < output.count {
            require(index < log.count, "a response at byte \(position) with no access-log entry (\(log.count) entries)")
            let entry = log[index]
            let isLast = index == log.count - 1
            guard let head = readHead(output, from: &position) else {
                // Only the last response may be cut short, and only if the log says so.
                require(isLast && !entry.completed, "an unterminated response head at the end, log: \(entry)")
                return
            }
            if head.status == 100 {
                // An interim answer to `Expect: 100-continue`: bare, once, before its response.
                require(head.fields.isEmpty && !interimPending, "a 100 Continue with fields, or two in a row")
                interimPending = true
                continue
            }
            interimPending = false
            index += 1
            require(head.status == entry.status, "status \(head.status) sent, \(entry.status) logged")
            require(head.field("Server") != nil, "no Server header")
            require((head.field("Content-Type") != nil) == (head.status != 304), "Content-Type presence wrong for \(head.status)")
            require((head.field("Date") != nil) == dated, "Date header presence wrong")
            if head.status == 301 { require(head.field("Location") != nil, "301 without Location") }
            if head.status == 405 { require(head.field("Allow") == "GET, HEAD", "405 without Allow: GET, HEAD") }
            if head.status == 200 || head.status == 206 || head.status == 304 {
                require(head.field("ETag") != nil && head.field("Last-Modified") != nil, "a file response without validators")
            }
            if head.status == 416 {
                let range = head.field("Content-Range") ?? ""
                require(range.hasPrefix("bytes */") && served.contains { "bytes */\($0.count)" == range },
                        "416 with Content-Range \(range)")
            }
            let lengthText = head.status == 304 ? (head.field("Content-Length") == nil ? "0" : nil) : head.field("Content-Length")
            guard let lengthText, let length = Int(lengthText), length >= 0 else {
                fatalError("invariant violated: a response without a valid Content-Length (or a 304 with one)")
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
            if head.status == 206 {
                checkPartial(head, body: body, served: served)
            }
            if connection == "close" {
                require(position == output.count, "\(output.count - position) bytes after a Connection: close response")
            }
        }
        // Responses logged but not on the wire: only a last, incomplete one (cut before any byte).
        require(index == log.count || (index == log.count - 1 && !log[index].completed),
                "\(log.count - index) logged responses missing from the output")
    }

    /// A 206 body is one range of a served file (`Content-Range` says which), or a
    /// multipart/byteranges body whose every part is.
    private static func checkPartial(_ head: Head, body: [UInt8], served: [[UInt8]]) {
        let type = head.field("Content-Type") ?? ""
        let prefix = "multipart/byteranges; boundary="
        guard type.hasPrefix(prefix) else {
            require(slice(head.field("Content-Range") ?? "", body: body, served: served), "a 206 body that is not its range")
            return
        }
        let delimiter = Array(("\r\n--" + type.dropFirst(prefix.count)).utf8)
        var rest = body[...]
        var parts = 0
        while true {
            require(rest.starts(with: delimiter), "a multipart body without its delimiter")
            rest = rest.dropFirst(delimiter.count)
            if rest.elementsEqual("--\r\n".utf8) { break }
            require(rest.starts(with: "\r\n".utf8), "a malformed multipart delimiter line")
            guard let end = rest.firstRange(of: Array("\r\n\r\n".utf8)) else { fatalError("invariant violated: a part without a head") }
            let lines = String(decoding: rest[rest.startIndex..<end.lowerBound], as: UTF8.self)
            guard let rangeLine = lines.split(separator: "\r\n").first(where: { $0.hasPrefix("Content-Range: ") }) else {
                fatalError("invariant violated: a part without Content-Range")
            }
            let range = String(rangeLine.dropFirst("Content-Range: ".count))
            rest = rest[end.upperBound...]
            guard let next = rest.firstRange(of: delimiter) else { fatalError("invariant violated: a part without an end") }
            require(slice(range, body: Array(rest[rest.startIndex..<next.lowerBound]), served: served), "a part that is not its range")
            rest = rest[next.lowerBound...]
            parts += 1
        }
        require(parts >= 2, "a multipart 206 with \(parts) parts")
    }

    /// Whether `body` is bytes first…last of a served file of the length `bytes first-last/length` names.
    private static func slice(_ contentRange: String, body: [UInt8], served: [[UInt8]]) -> Bool {
        guard contentRange.hasPrefix("bytes ") else { return false }
        let spec = contentRange.dropFirst(6).split(separator: "/")
        let bounds = spec.first?.split(separator: "-") ?? []
        guard spec.count == 2, bounds.count == 2, let first = Int(bounds[0]), let last = Int(bounds[1]),
              let length = Int(spec[1]), first <= last, last < length, body.count == last - first + 1
        else { return false }
        return served.contains { $0.count == length && Array($0[first...last]) == body }
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
