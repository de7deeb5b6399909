/// Percent-decoding of URI path segments (RFC 3986 §2.1).
enum PercentDecoding {
    /// The decoded bytes, or nil if a `%` is not followed by two hex digits.
    static func decode<C: Collection<UInt8>>(_ bytes: C) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let b = bytes[i]
            i = bytes.index(after: i)
            guard b == UInt8(ascii: "%") else {
                out.append(b)
                continue
            }
            guard i != bytes.endIndex, let high = hexValue(bytes[i]) else { return nil }
            i = bytes.index(after: i)
            guard i != bytes.endIndex, let low = hexValue(bytes[i]) else { return nil }
            i = bytes.index(after: i)
            out.append(high << 4 | low)
        }
        return out
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
