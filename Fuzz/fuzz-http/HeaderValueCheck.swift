import FuzzSupport
import TernServices

/// The header-value parsers, on the input's stream taken as one field value: whatever the
/// bytes, a date parses to a time that formats and parses back to itself, and a Range
/// selects only non-empty ranges inside the file, at most `ByteRanges.maximumRangeCount`,
/// adding up to no more than the file when there are several.
enum HeaderValueCheck {
    static func check(_ stream: [UInt8]) {
        let value = String(decoding: stream.prefix(512), as: UTF8.self)
        if let time = HTTPDate.parse(value, now: 1_700_000_000) {
            let text = HTTPDate.format(unixTime: time)
            require(HTTPDate.parse(text) == time, "the date \(time) does not survive formatting as \(text)")
        }
        for length in [0, 1, 20_000] as [Int64] {
            switch ByteRanges.select(value, length: length) {
            case .whole, .unsatisfiable:
                break
            case .ranges(let ranges):
                require(!ranges.isEmpty && ranges.count <= ByteRanges.maximumRangeCount, "\(ranges.count) ranges selected")
                var total: Int64 = 0
                for range in ranges {
                    require(range.lowerBound >= 0 && range.upperBound <= length && !range.isEmpty,
                            "range \(range) of a \(length)-byte file")
                    total += Int64(range.count)
                }
                require(ranges.count == 1 || total <= length, "ranges adding up to \(total) of \(length) bytes")
            }
        }
    }
}
