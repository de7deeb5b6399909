import TernWire

/// Character classes and small helpers of HTTP's grammar (RFC 9110 §5.6).
enum HTTPSyntax {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09

    /// `tchar`: the characters of a token (methods, header names, codings).
    static func isTokenCharacter(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case 0x21, 0x23...0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E:
            return true  // ! # $ % & ' * + - . ^ _ ` | ~
        default:
            return false
        }
    }

    static func isToken<C: Collection<UInt8>>(_ bytes: C) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(isTokenCharacter)
    }

    /// Bytes allowed in a field value: HTAB, SP, visible ASCII and obs-text.
    static func isFieldValueCharacter(_ b: UInt8) -> Bool {
        b == tab || (b >= 0x20 && b != 0x7F)
    }

    static func isVisible(_ b: UInt8) -> Bool {
        b >= 0x21 && b <= 0x7E
    }

    static func lowercased(_ s: String) -> String {
        String(decoding: s.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// Whether two header names are equal ignoring ASCII case, without allocating. Either
    /// side may be a String's UTF-8 view or raw bytes straight from the wire.
    static func namesMatch<A: Sequence<UInt8>, B: Sequence<UInt8>>(_ a: A, _ b: B) -> Bool {
        var i = a.makeIterator()
        var j = b.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return true
            case (let x?, let y?):
                if x != y && (x | 0x20 != y | 0x20 || !((x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A)) { return false }
            default: return false
            }
        }
    }

    static func namesMatch(_ a: String, _ b: String) -> Bool {
        namesMatch(a.utf8, b.utf8)
    }

    /// Trims spaces and tabs from both ends.
    static func trimmed<C: BidirectionalCollection<UInt8>>(_ bytes: C) -> C.SubSequence {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end && (bytes[start] == space || bytes[start] == tab) { start = bytes.index(after: start) }
        while start < end {
            let last = bytes.index(before: end)
            guard bytes[last] == space || bytes[last] == tab else { break }
            end = last
        }
        return bytes[start..<end]
    }

    /// Whether a list-valued field value has an element equal to `token`, ignoring ASCII case.
    static func listContains<C: BidirectionalCollection<UInt8>, T: Sequence<UInt8>>(_ value: C, _ token: T) -> Bool {
        var start = value.startIndex
        while start != value.endIndex {
            let end = value[start...].firstIndex(of: UInt8(ascii: ",")) ?? value.endIndex
            if namesMatch(trimmed(value[start..<end]), token) { return true }
            start = end == value.endIndex ? end : value.index(after: end)
        }
        return false
    }

    /// The comma-separated elements of a list-valued field, trimmed, empty ones skipped.
    static func listElements(_ value: String) -> [String] {
        value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true).compactMap { part in
            let t = trimmed(ArraySlice(part))
            return t.isEmpty ? nil : String(decoding: t, as: UTF8.self)
        }
    }

    /// Whether a Host field value is `uri-host [ ":" port ]` (RFC 9112 §3.2, RFC 3986 §3.2.2):
    /// a bracketed IP literal or a registered name (unreserved characters, percent-encodings
    /// and sub-delimiters; an IPv4 address is one too), then an optional decimal port. The
    /// empty value is valid: a client sends it when the target has no authority.
    static func isValidHost<C: BidirectionalCollection<UInt8>>(_ value: C) -> Bool where C.Index == Int {
        var end = value.endIndex
        let start = value.startIndex
        guard start < end else { return true }
        // The port: digits after the last colon, when that colon follows the host.
        if let colon = value.lastIndex(of: UInt8(ascii: ":")),
           value[start] != UInt8(ascii: "[") || (colon > start && value[colon - 1] == UInt8(ascii: "]")) {
            guard value[(colon + 1)...].allSatisfy(isDigit) else { return false }
            end = colon
        }
        let host = value[start..<end]
        if host.first == UInt8(ascii: "[") {
            return isValidIPLiteral(host)
        }
        var i = host.startIndex
        while i < host.endIndex {
            let b = host[i]
            if b == UInt8(ascii: "%") {
                guard host.endIndex - i >= 3, ASCIIHex.value(of: host[i + 1]) != nil,
                      ASCIIHex.value(of: host[i + 2]) != nil else { return false }
                i += 3
                continue
            }
            guard isUnreserved(b) || isSubDelimiter(b) else { return false }
            i += 1
        }
        return true
    }

    /// `"[" ( IPv6address / IPvFuture ) "]"`, checked for its characters: hex digits, colons
    /// and dots for IPv6; `v` HEXDIG+ `.` then unreserved, sub-delimiters or colons for IPvFuture.
    private static func isValidIPLiteral<C: BidirectionalCollection<UInt8>>(_ literal: C) -> Bool where C.Index == Int {
        guard literal.count >= 3, literal.last == UInt8(ascii: "]") else { return false }
        let inner = literal[(literal.startIndex + 1)..<(literal.endIndex - 1)]
        if inner.first == UInt8(ascii: "v") || inner.first == UInt8(ascii: "V") {
            guard let dot = inner.firstIndex(of: UInt8(ascii: ".")), dot > inner.startIndex + 1, dot + 1 < inner.endIndex,
                  inner[(inner.startIndex + 1)..<dot].allSatisfy({ ASCIIHex.value(of: $0) != nil })
            else { return false }
            return inner[(dot + 1)...].allSatisfy { isUnreserved($0) || isSubDelimiter($0) || $0 == UInt8(ascii: ":") }
        }
        return inner.contains(UInt8(ascii: ":"))
            && inner.allSatisfy { ASCIIHex.value(of: $0) != nil || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }
    }

    static func isDigit(_ b: UInt8) -> Bool {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
    }

    /// RFC 3986's `unreserved`: ALPHA / DIGIT / "-" / "." / "_" / "~".
    static func isUnreserved(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
             UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// RFC 3986's `sub-delims`: ! $ & ' ( ) * + , ; =
    static func isSubDelimiter(_ b: UInt8) -> Bool {
        switch b {
        case 0x21, 0x24, 0x26...0x2C, 0x3B, 0x3D: return true
        default: return false
        }
    }
}
