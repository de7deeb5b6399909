/// Entity tags (RFC 9110 §8.8.3) of served files, and the lists of them that `If-Match` and
/// `If-None-Match` carry.
///
/// A file's tag is made, as nginx makes it, from its modification time and size in hex:
/// `"5f5e1000-1a2b"`. It changes when either does; a change within the same second that
/// keeps the size escapes it, as it escapes `Last-Modified`.
public enum EntityTag {
    /// The strong tag of a file, quotes included.
    public static func of(modificationTime: Int64, size: Int64) -> String {
        "\"" + String(UInt64(bitPattern: modificationTime), radix: 16) + "-" + String(UInt64(bitPattern: size), radix: 16) + "\""
    }

    /// How two tags are compared (RFC 9110 §8.8.3.2).
    enum Comparison {
        /// Both strong and equal: `If-Match`, `If-Range`.
        case strong
        /// Equal whether weak or not: `If-None-Match`.
        case weak
    }

    /// Whether the list in a field value (`*` or `1#entity-tag`) holds a tag matching
    /// `current` (a strong tag, quotes included) under `comparison`. `*` matches any current
    /// representation. Nil when the value is not such a list; callers decide what that means.
    static func listMatches(_ value: String, current: String, comparison: Comparison) -> Bool? {
        var value = value
        var currentCopy = current
        return value.withUTF8 { list in
            currentCopy.withUTF8 { tag in listMatches(UnsafeRawBufferPointer(list), current: UnsafeRawBufferPointer(tag),
                                                      comparison: comparison) }
        }
    }

    private static func listMatches(_ list: UnsafeRawBufferPointer, current: UnsafeRawBufferPointer,
                                    comparison: Comparison) -> Bool? {
        let trimmed = HTTPSyntax.trimmed(list[...])
        if trimmed.count == 1 && trimmed.first == UInt8(ascii: "*") { return true }
        var matched = false
        var sawTag = false
        var i = trimmed.startIndex
        let end = trimmed.endIndex
        while i < end {
            // Empty list elements and the whitespace around commas are allowed (RFC 9110 §5.6.1.2).
            let b = list[i]
            if b == UInt8(ascii: ",") || b == HTTPSyntax.space || b == HTTPSyntax.tab {
                i += 1
                continue
            }
            guard let (tagRange, isWeak) = parseTag(list, from: i, end: end) else { return nil }
            sawTag = true
            if !(comparison == .strong && isWeak) && list[tagRange].elementsEqual(current) { matched = true }
            i = tagRange.upperBound
            // Next: whitespace, then a comma or the end.
            while i < end && (list[i] == HTTPSyntax.space || list[i] == HTTPSyntax.tab) { i += 1 }
            guard i == end || list[i] == UInt8(ascii: ",") else { return nil }
        }
        return sawTag ? matched : nil
    }

    /// One `[ W/ ] DQUOTE *etagc DQUOTE` at `start`: the range of the quoted part and whether
    /// it was weak.
    private static func parseTag(_ bytes: UnsafeRawBufferPointer, from start: Int, end: Int) -> (Range<Int>, Bool)? {
        var i = start
        var isWeak = false
        if end - i >= 2 && bytes[i] == UInt8(ascii: "W") && bytes[i + 1] == UInt8(ascii: "/") {
            isWeak = true
            i += 2
        }
        guard i < end, bytes[i] == UInt8(ascii: "\"") else { return nil }
        let open = i
        i += 1
        while i < end && bytes[i] != UInt8(ascii: "\"") {
            // etagc: %x21 / %x23-7E / obs-text
            guard bytes[i] == 0x21 || (bytes[i] >= 0x23 && bytes[i] != 0x7F) else { return nil }
            i += 1
        }
        guard i < end else { return nil }
        return (open..<(i + 1), isWeak)
    }

    /// Whether an `If-Range` value that is an entity tag (it starts with `"` or `W/`) names
    /// the current one: a strong match only, so a weak tag never does.
    static func isEntityTagForm(_ value: String) -> Bool {
        value.utf8.first == UInt8(ascii: "\"") || value.utf8.starts(with: "W/".utf8)
    }
}
