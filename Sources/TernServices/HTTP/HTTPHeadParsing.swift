/// Turns a complete request head (request line and header lines, without the blank line that
/// ends it) into an `HTTPRequestHead`, applying RFC 9112's rules for Host and body framing.
enum HTTPHeadParsing {
    static func parse(_ head: [UInt8], maximumHeaderCount: Int) -> Result<HTTPRequestHead, HTTPRequestError> {
        // Lines end with LF, optionally preceded by CR; a CR anywhere else is an error.
        var lines: [ArraySlice<UInt8>] = []
        for var line in head.split(separator: HTTPSyntax.lf, omittingEmptySubsequences: false) {
            if line.last == HTTPSyntax.cr { line = line.dropLast() }
            if line.contains(HTTPSyntax.cr) {
                return .failure(lines.isEmpty ? .malformedRequestLine : .malformedHeader)
            }
            lines.append(line)
        }
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let requestLine = lines.first else { return .failure(.malformedRequestLine) }

        let parts = requestLine.split(separator: HTTPSyntax.space, omittingEmptySubsequences: false)
        guard parts.count == 3, HTTPSyntax.isToken(parts[0]),
              !parts[1].isEmpty, parts[1].allSatisfy(HTTPSyntax.isVisible)
        else { return .failure(.malformedRequestLine) }
        guard let version = parseVersion(parts[2]) else { return .failure(.malformedRequestLine) }
        guard version.major == 1 else { return .failure(.unsupportedVersion) }

        let fieldLines = lines.dropFirst()
        guard fieldLines.count <= maximumHeaderCount else { return .failure(.tooManyHeaders) }
        var headers: [HTTPHeaderField] = []
        headers.reserveCapacity(fieldLines.count)
        for line in fieldLines {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return .failure(.malformedHeader) }
            // A name must be a token: this also rejects whitespace before the colon and
            // obsolete line folding (a line starting with whitespace).
            let name = line[line.startIndex..<colon]
            guard HTTPSyntax.isToken(name) else { return .failure(.malformedHeader) }
            let value = HTTPSyntax.trimmed(line[(colon + 1)...])
            guard value.allSatisfy(HTTPSyntax.isFieldValueCharacter) else { return .failure(.malformedHeader) }
            headers.append(HTTPHeaderField(name: String(decoding: name, as: UTF8.self),
                                           value: String(decoding: value, as: UTF8.self)))
        }

        var head = HTTPRequestHead(method: String(decoding: parts[0], as: UTF8.self),
                                   target: String(decoding: parts[1], as: UTF8.self),
                                   version: version, headers: headers, bodyFraming: .none, keepAlive: false)

        let hosts = head.values(of: "host")
        if hosts.count > 1 { return .failure(.multipleHosts) }
        if version.minor >= 1 && hosts.isEmpty { return .failure(.missingHost) }

        switch bodyFraming(of: head) {
        case .success(let framing): head.bodyFraming = framing
        case .failure(let error): return .failure(error)
        }

        let connectionOptions = head.values(of: "connection").flatMap(HTTPSyntax.listElements).map(HTTPSyntax.lowercased)
        head.keepAlive = version.minor >= 1 && !connectionOptions.contains("close")
        return .success(head)
    }

    /// `HTTP/` DIGIT `.` DIGIT
    private static func parseVersion(_ bytes: ArraySlice<UInt8>) -> HTTPVersion? {
        let b = Array(bytes)
        guard b.count == 8, b[0..<5].elementsEqual("HTTP/".utf8), b[6] == UInt8(ascii: "."),
              (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[5]),
              (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[7])
        else { return nil }
        return HTTPVersion(major: Int(b[5] - UInt8(ascii: "0")), minor: Int(b[7] - UInt8(ascii: "0")))
    }

    /// RFC 9112 §6.1–6.3, taking the strict choices an origin server may take.
    private static func bodyFraming(of head: HTTPRequestHead) -> Result<HTTPBodyFraming, HTTPRequestError> {
        let transferEncodings = head.values(of: "transfer-encoding")
        let contentLengths = head.values(of: "content-length")
        if !transferEncodings.isEmpty {
            guard head.version.minor >= 1, contentLengths.isEmpty else { return .failure(.invalidTransferEncoding) }
            let codings = transferEncodings.flatMap(HTTPSyntax.listElements).map(HTTPSyntax.lowercased)
            // Only the framing matters to a server that discards request bodies, so inner
            // codings are tolerated; chunked must come last and only once.
            guard codings.last == "chunked", codings.filter({ $0 == "chunked" }).count == 1,
                  codings.allSatisfy({ HTTPSyntax.isToken($0.utf8) })
            else { return .failure(.invalidTransferEncoding) }
            return .success(.chunked)
        }
        guard !contentLengths.isEmpty else { return .success(.none) }
        // Several values (in one field or several) are allowed only if they are identical.
        var length: UInt64?
        for element in contentLengths.flatMap({ $0.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) }) {
            let digits = HTTPSyntax.trimmed(ArraySlice(element))
            guard let value = parseDecimal(digits) else { return .failure(.invalidContentLength) }
            if let length, length != value { return .failure(.invalidContentLength) }
            length = value
        }
        guard let length else { return .failure(.invalidContentLength) }
        return .success(length == 0 ? .none : .contentLength(length))
    }

    /// A non-empty run of decimal digits that fits in 62 bits.
    private static func parseDecimal(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value: UInt64 = 0
        for d in digits {
            guard d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(d - UInt8(ascii: "0"))
        }
        return value
    }
}
