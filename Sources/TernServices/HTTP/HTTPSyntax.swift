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

    /// The comma-separated elements of a list-valued field, trimmed, empty ones skipped.
    static func listElements(_ value: String) -> [String] {
        value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true).compactMap { part in
            let t = trimmed(ArraySlice(part))
            return t.isEmpty ? nil : String(decoding: t, as: UTF8.self)
        }
    }
}
