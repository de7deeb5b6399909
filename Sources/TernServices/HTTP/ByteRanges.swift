/// The `Range` header field for bytes (RFC 9110 §14.1–14.2), resolved against a file's length.
///
/// - `bytes=first-last`, `bytes=first-` and the suffix `bytes=-N`; the unit is matched without
///   regard to case, and a last position beyond the end means the end.
/// - A field that does not parse (an unknown unit, a bad number, `last` before `first`) is
///   ignored: the whole file is sent with 200, as RFC 9110 lets a server do.
/// - Ranges that start at or beyond the end (and empty suffixes) cannot be satisfied; when
///   none of them can, the answer is 416.
/// - Several ranges are sent as `multipart/byteranges`, in the order asked, unless there
///   are more than `maximumRangeCount` of them or their lengths add up to more than the file
///   (overlaps that would make the server send more than the file: RFC 9110 §17.15 names
///   the attack); then the whole file is sent with 200 instead.
public enum ByteRanges {
    /// More ranges than this in one request get the whole file.
    public static let maximumRangeCount = 16

    /// What a `Range` field asks of a file of some length.
    public enum Selection: Equatable, Sendable {
        /// Send the whole file (200): no usable Range field.
        case whole
        /// 416 with `Content-Range: bytes */length`.
        case unsatisfiable
        /// 206 with these ranges of the file (one: a single part; more: multipart).
        case ranges([Range<Int64>])
    }

    public static func select(_ value: String, length: Int64) -> Selection {
        var value = value
        return value.withUTF8 { select(UnsafeRawBufferPointer($0), length: length) }
    }

    static func select(_ field: UnsafeRawBufferPointer, length: Int64) -> Selection {
        guard let equals = field.firstIndex(of: UInt8(ascii: "=")),
              HTTPSyntax.namesMatch(field[..<equals], "bytes".utf8)
        else { return .whole }
        var ranges: [Range<Int64>] = []
        var specs = 0
        var total: Int64 = 0
        var i = equals + 1
        let end = field.count
        while i < end {
            let b = field[i]
            if b == UInt8(ascii: ",") || b == HTTPSyntax.space || b == HTTPSyntax.tab {
                i += 1
                continue
            }
            var elementEnd = i
            while elementEnd < end && field[elementEnd] != UInt8(ascii: ",") { elementEnd += 1 }
            let element = HTTPSyntax.trimmed(field[i..<elementEnd])
            i = elementEnd
            specs += 1
            guard specs <= maximumRangeCount, let spec = parseSpec(element) else { return .whole }
            guard let range = spec.resolve(length: length) else { continue }
            ranges.append(range)
            total += range.upperBound - range.lowerBound
        }
        guard specs > 0 else { return .whole }
        guard !ranges.isEmpty else { return .unsatisfiable }
        if ranges.count > 1 && total > length { return .whole }
        return .ranges(ranges)
    }

    private enum Spec {
        case from(Int64, through: Int64?)
        case suffix(Int64)

        /// The bytes this spec selects in a file of `length`, or nil if none.
        func resolve(length: Int64) -> Range<Int64>? {
            switch self {
            case .from(let first, let last):
                guard first < length else { return nil }
                return first..<(min(last ?? (length - 1), length - 1) + 1)
            case .suffix(let count):
                guard count > 0, length > 0 else { return nil }
                return max(0, length - count)..<length
            }
        }
    }

    /// `first-pos "-" [ last-pos ]` or `"-" suffix-length`.
    private static func parseSpec(_ element: Slice<UnsafeRawBufferPointer>) -> Spec? {
        guard let dash = element.firstIndex(of: UInt8(ascii: "-")) else { return nil }
        let firstDigits = element[element.startIndex..<dash]
        let lastDigits = element[(dash + 1)...]
        if firstDigits.isEmpty {
            guard let count = parseNumber(lastDigits) else { return nil }
            return .suffix(count)
        }
        guard let first = parseNumber(firstDigits) else { return nil }
        if lastDigits.isEmpty { return .from(first, through: nil) }
        guard let last = parseNumber(lastDigits), last >= first else { return nil }
        return .from(first, through: last)
    }

    /// `1*DIGIT`, saturating at a bound no file reaches (so a huge last position means the end).
    private static func parseNumber(_ digits: Slice<UnsafeRawBufferPointer>) -> Int64? {
        guard !digits.isEmpty else { return nil }
        var value: Int64 = 0
        for d in digits {
            guard HTTPSyntax.isDigit(d) else { return nil }
            let bound = Int64(1) << 62
            value = value >= bound / 10 ? bound : value * 10 + Int64(d - UInt8(ascii: "0"))
        }
        return value
    }
}
