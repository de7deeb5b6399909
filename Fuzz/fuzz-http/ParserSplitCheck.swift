import FuzzSupport
import TernServices

/// The request parser reports the same events whatever the split of its input: once for the
/// whole stream, once in the pieces the input's split bytes give, once a byte at a time.
enum ParserSplitCheck {
    static func check(_ stream: [UInt8], splits: [UInt8], limits: HTTPRequestParser.Limits) {
        let whole = events(stream, pieceSizes: [stream.count], limits: limits)
        let sizes = splits.isEmpty ? [64] : splits.map { Int($0 & 0x3F) + 1 }
        let split = events(stream, pieceSizes: sizes, limits: limits)
        require(whole == split, "the parser's events differ between the whole stream and its split: \(whole) vs \(split)")
        if stream.count <= 512 {
            let bytewise = events(stream, pieceSizes: [1], limits: limits)
            require(whole == bytewise, "the parser's events differ when fed a byte at a time: \(whole) vs \(bytewise)")
        }
    }

    /// The events up to and including the first failure, feeding pieces of the given sizes in turn.
    private static func events(_ stream: [UInt8], pieceSizes: [Int], limits: HTTPRequestParser.Limits)
        -> [HTTPRequestParser.Event] {
        var parser = HTTPRequestParser(limits: limits)
        var events: [HTTPRequestParser.Event] = []
        var offset = 0
        var piece = 0
        repeat {
            let size = max(1, pieceSizes[piece % pieceSizes.count])
            piece += 1
            let end = min(stream.count, offset + size)
            let failed: Bool = stream[offset..<end].withUnsafeBytes { bytes in
                var rest = bytes
                while let event = parser.next(&rest) {
                    events.append(event)
                    if case .failure = event { return true }
                    require(events.count <= 2 * stream.count + 2, "the parser reports events without consuming input")
                }
                require(rest.isEmpty, "next() returned nil with \(rest.count) bytes unread")
                return false
            }
            if failed { break }
            offset = end
        } while offset < stream.count
        return events
    }
}
