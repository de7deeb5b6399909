import TernWire

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
            guard i != bytes.endIndex, let high = ASCIIHex.value(of: bytes[i]) else { return nil }
            i = bytes.index(after: i)
            guard i != bytes.endIndex, let low = ASCIIHex.value(of: bytes[i]) else { return nil }
            i = bytes.index(after: i)
            out.append(high << 4 | low)
        }
        return out
    }
}
