/// IPv6 addresses as text: any form RFC 4291 §2.2 allows is read; the one canonical form of
/// RFC 5952 is written.
extension IPv6Address: CustomStringConvertible {
    /// Parses `x:x:x:x:x:x:x:x` with one to four hex digits per group (either case), with
    /// at most one `::` standing for one or more groups of zeros, and optionally a dotted
    /// quad in place of the last two groups (`::ffff:192.0.2.1`). Nothing else is accepted:
    /// no zone (`%eth0`), no brackets, no prefix length, no spaces.
    public init?(_ text: some StringProtocol) {
        var groups = IPv6Groups()
        let utf8 = text.utf8
        var i = utf8.startIndex
        let end = utf8.endIndex
        // The group count at the `::`, if there was one.
        var gap: Int?

        if i != end, utf8[i] == UInt8(ascii: ":") {
            // A leading colon must be the first half of `::`.
            i = utf8.index(after: i)
            guard i != end, utf8[i] == UInt8(ascii: ":") else { return nil }
            i = utf8.index(after: i)
            gap = 0
            if i == end { self = .unspecified; return }
        }
        while true {
            let groupStart = i
            var value: UInt16 = 0
            var digits = 0
            while i != end, let digit = ASCIIHex.value(of: utf8[i]) {
                guard digits < 4 else { return nil }
                value = value << 4 | UInt16(digit)
                digits += 1
                i = utf8.index(after: i)
            }
            if i != end, utf8[i] == UInt8(ascii: ".") {
                // An embedded IPv4 address: the last 32 bits, so nothing may follow it.
                // Everything before `groupStart` was ASCII, so it is a character boundary.
                guard groups.count <= 6, let v4 = IPv4Address(text[groupStart...]) else { return nil }
                groups.append(UInt16(truncatingIfNeeded: v4.rawValue >> 16))
                groups.append(UInt16(truncatingIfNeeded: v4.rawValue))
                break
            }
            guard digits > 0, groups.count < 8 else { return nil }
            groups.append(value)
            if i == end { break }
            guard utf8[i] == UInt8(ascii: ":") else { return nil }
            i = utf8.index(after: i)
            guard i != end else { return nil }   // a single trailing colon
            if utf8[i] == UInt8(ascii: ":") {
                guard gap == nil else { return nil }
                gap = groups.count
                i = utf8.index(after: i)
                if i == end { break }
            }
        }
        if let gap {
            // `::` stands for at least one group.
            guard groups.count <= 7 else { return nil }
            groups.insertZeros(at: gap, count: 8 - groups.count)
        } else {
            guard groups.count == 8 else { return nil }
        }
        self = groups.address
    }

    /// The RFC 5952 form: lowercase hex without leading zeros; the longest run of two or
    /// more zero groups (the first, on a tie) as `::`; an IPv4-mapped address as
    /// `::ffff:a.b.c.d`.
    public var description: String {
        if let v4 = ipv4Mapped { return "::ffff:\(v4)" }
        var best = (start: -1, length: 0)
        var run = (start: -1, length: 0)
        for i in 0..<8 {
            if group(i) == 0 {
                if run.start < 0 { run = (i, 0) }
                run.length += 1
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        if best.length < 2 { best = (-1, 0) }
        var out = ""
        out.reserveCapacity(39)
        var i = 0
        while i < 8 {
            if i == best.start {
                out += "::"
                i += best.length
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(group(i), radix: 16)
            i += 1
        }
        return out
    }

    /// All eight groups with all four digits (`2001:0db8:0000:…`), as courses show the
    /// "preferred form" before compressing it.
    public var expandedDescription: String {
        (0..<8).map { i in
            let digits = String(group(i), radix: 16)
            return String(repeating: "0", count: 4 - digits.count) + digits
        }.joined(separator: ":")
    }
}

/// Up to eight groups gathered while parsing, without an array.
private struct IPv6Groups {
    private var value: UInt128 = 0
    private(set) var count = 0

    mutating func append(_ group: UInt16) {
        value = value << 16 | UInt128(group)
        count += 1
    }

    /// Inserts `zeros` zero groups after the first `position` groups.
    mutating func insertZeros(at position: Int, count zeros: Int) {
        let tailBits = 16 * (count - position)
        let tail = tailBits == 0 ? 0 : value & (UInt128.max >> (128 - tailBits))
        let head = value >> tailBits
        // Smart shifts: a shift by 128 bits gives 0.
        value = head << (tailBits + 16 * zeros) | tail
        count += zeros
    }

    var address: IPv6Address { IPv6Address(rawValue: value) }
}
