/// Turns a complete request head (request line and header lines, without the blank line that
/// ends it) into an `HTTPRequestHead`, applying RFC 9112's rules for Host and body framing.
enum HTTPHeadParsing {
    /// Parses `head` in place: no copy of it and no array of its lines, since this runs for
    /// every request a keep-alive client sends.
    static func parse(_ head: UnsafeRawBufferPointer, maximumHeaderCount: Int) -> Result<HTTPRequestHead, HTTPRequestError> {
        // Lines end with LF, optionally preceded by CR; a CR anywhere else is an error. All
        // lines are checked before any is interpreted, so that error wins over the others.
        var lineCount = 0
        var lines = HeadLines(head)
        while let line = lines.next() {
            if head[line].contains(HTTPSyntax.cr) {
                return .failure(lineCount == 0 ? .malformedRequestLine : .malformedHeader)
            }
            lineCount += 1
        }
        lines = HeadLines(head)
        guard let requestLine = lines.next() else { return .failure(.malformedRequestLine) }
        guard let (method, target, version) = parseRequestLine(head[requestLine]) else {
            return .failure(.malformedRequestLine)
        }
        guard version.major == 1 else { return .failure(.unsupportedVersion) }
        guard lineCount - 1 <= maximumHeaderCount else { return .failure(.tooManyHeaders) }

        var headers: [HTTPHeaderField] = []
        headers.reserveCapacity(lineCount - 1)
        // The fields that matter here are noted in passing, picked out by the length of their
        // names first, so most requests (a Host field and nothing that frames a body or sets
        // a condition) need no second look at the headers.
        var hosts = 0
        var framesBody = false
        var hasConnection = false
        var expectsContinue = false
        var conditions = HTTPConditionalFields()
        while let range = lines.next() {
            let line = head[range]
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return .failure(.malformedHeader) }
            // A name must be a token: this also rejects whitespace before the colon and
            // obsolete line folding (a line starting with whitespace).
            let name = line[line.startIndex..<colon]
            guard HTTPSyntax.isToken(name) else { return .failure(.malformedHeader) }
            let value = HTTPSyntax.trimmed(line[(colon + 1)...])
            guard value.allSatisfy(HTTPSyntax.isFieldValueCharacter) else { return .failure(.malformedHeader) }
            let text = String(decoding: value, as: UTF8.self)
            switch name.count {
            case 4 where HTTPSyntax.namesMatch(name, "host".utf8):
                hosts += 1
                guard HTTPSyntax.isValidHost(value) else { return .failure(.invalidHost) }
            case 5 where HTTPSyntax.namesMatch(name, "range".utf8):
                noteOnce(&conditions.range, text)
            case 6 where HTTPSyntax.namesMatch(name, "expect".utf8):
                if HTTPSyntax.listContains(value, "100-continue".utf8) { expectsContinue = true }
            case 8 where HTTPSyntax.namesMatch(name, "if-match".utf8):
                join(&conditions.ifMatch, text)
            case 8 where HTTPSyntax.namesMatch(name, "if-range".utf8):
                noteOnce(&conditions.ifRange, text)
            case 10 where HTTPSyntax.namesMatch(name, "connection".utf8):
                hasConnection = true
            case 13 where HTTPSyntax.namesMatch(name, "if-none-match".utf8):
                join(&conditions.ifNoneMatch, text)
            case 14 where HTTPSyntax.namesMatch(name, "content-length".utf8):
                framesBody = true
            case 17 where HTTPSyntax.namesMatch(name, "transfer-encoding".utf8):
                framesBody = true
            case 17 where HTTPSyntax.namesMatch(name, "if-modified-since".utf8):
                noteOnce(&conditions.ifModifiedSince, text)
            case 19 where HTTPSyntax.namesMatch(name, "if-unmodified-since".utf8):
                noteOnce(&conditions.ifUnmodifiedSince, text)
            default:
                break
            }
            headers.append(HTTPHeaderField(name: String(decoding: name, as: UTF8.self), value: text))
        }

        var head = HTTPRequestHead(method: method, target: target, version: version, headers: headers,
                                   bodyFraming: .none, keepAlive: false, conditions: conditions)

        if hosts > 1 { return .failure(.multipleHosts) }
        if version.minor >= 1 && hosts == 0 { return .failure(.missingHost) }

        if framesBody {
            switch bodyFraming(of: head) {
            case .success(let framing): head.bodyFraming = framing
            case .failure(let error): return .failure(error)
            }
        }

        if version.minor >= 1 {
            head.keepAlive = !(hasConnection && head.hasConnectionOption("close"))
            // RFC 9110 §10.1.1: ignored in HTTP/1.0, and pointless without a body.
            head.expectsContinue = expectsContinue && head.bodyFraming != .none
        } else {
            head.keepAlive = hasConnection && head.hasConnectionOption("keep-alive") && !head.hasConnectionOption("close")
        }
        return .success(head)
    }

    /// Records a field that may appear once; a second one makes the value "" (invalid).
    private static func noteOnce(_ slot: inout String?, _ value: String) {
        slot = slot == nil ? value : ""
    }

    /// Appends to a list-valued field (RFC 9110 §5.3: lines of one list may be joined with commas).
    private static func join(_ slot: inout String?, _ value: String) {
        if let existing = slot { slot = existing + ", " + value } else { slot = value }
    }

    /// The lines of a head, as ranges without their line ends. The piece after the last LF
    /// is a line only when it is not empty.
    private struct HeadLines {
        let bytes: UnsafeRawBufferPointer
        var position = 0
        var finished = false

        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func next() -> Range<Int>? {
            guard !finished else { return nil }
            var end = position
            while end < bytes.count && bytes[end] != HTTPSyntax.lf { end += 1 }
            var line = position..<end
            if end < bytes.count {
                position = end + 1
            } else {
                finished = true
            }
            if !line.isEmpty && bytes[line.upperBound - 1] == HTTPSyntax.cr { line = line.lowerBound..<(line.upperBound - 1) }
            if finished && line.isEmpty { return nil }
            return line
        }
    }

    /// `method SP request-target SP HTTP-version`, exactly one space apart.
    private static func parseRequestLine(_ line: Slice<UnsafeRawBufferPointer>)
        -> (method: String, target: String, version: HTTPVersion)? {
        guard let firstSpace = line.firstIndex(of: HTTPSyntax.space) else { return nil }
        let afterMethod = line[(firstSpace + 1)...]
        guard let secondSpace = afterMethod.firstIndex(of: HTTPSyntax.space) else { return nil }
        let method = line[line.startIndex..<firstSpace]
        let target = line[(firstSpace + 1)..<secondSpace]
        let versionBytes = line[(secondSpace + 1)...]
        guard HTTPSyntax.isToken(method), !target.isEmpty,
              target.allSatisfy({ HTTPSyntax.isVisible($0) || $0 >= 0x80 }),
              !versionBytes.contains(HTTPSyntax.space),
              let version = parseVersion(versionBytes)
        else { return nil }
        return (String(decoding: method, as: UTF8.self), targetString(target), version)
    }

    /// The target as text. Bytes above 0x7F (raw UTF-8 that some clients send unencoded, as
    /// nginx accepts) are percent-encoded, so the target is the one a careful client would
    /// have sent: the same file is served and the log shows only ASCII.
    private static func targetString(_ target: Slice<UnsafeRawBufferPointer>) -> String {
        guard target.contains(where: { $0 >= 0x80 }) else { return String(decoding: target, as: UTF8.self) }
        var encoded: [UInt8] = []
        encoded.reserveCapacity(target.count * 3)
        let hex = Array("0123456789ABCDEF".utf8)
        for b in target {
            if b >= 0x80 {
                encoded.append(UInt8(ascii: "%"))
                encoded.append(hex[Int(b >> 4)])
                encoded.append(hex[Int(b & 0x0F)])
            } else {
                encoded.append(b)
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// `HTTP/` DIGIT `.` DIGIT
    private static func parseVersion(_ bytes: Slice<UnsafeRawBufferPointer>) -> HTTPVersion? {
        guard bytes.count == 8 else { return nil }
        let s = bytes.startIndex
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        guard bytes[s] == UInt8(ascii: "H"), bytes[s + 1] == UInt8(ascii: "T"), bytes[s + 2] == UInt8(ascii: "T"),
              bytes[s + 3] == UInt8(ascii: "P"), bytes[s + 4] == UInt8(ascii: "/"), bytes[s + 6] == UInt8(ascii: "."),
              digits.contains(bytes[s + 5]), digits.contains(bytes[s + 7])
        else { return nil }
        return HTTPVersion(major: Int(bytes[s + 5] - UInt8(ascii: "0")), minor: Int(bytes[s + 7] - UInt8(ascii: "0")))
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
