import TernWire

/// An incremental HTTP/1.x request parser: feed it any split of the stream (one byte at a time
/// included); it reports each request head, then the end of that request's body (which it
/// reads and discards), and so on for pipelined requests.
///
/// Memory is bounded: it holds at most `maximumHeadLength` bytes of an incomplete head and
/// one chunk-size or trailer line; bodies are counted, never stored.
public struct HTTPRequestParser: Sendable {
    public struct Limits: Sendable {
        /// Request line plus header lines, line ends included (and any blank lines before the
        /// request line). Beyond it: 431.
        public var maximumHeadLength: Int
        /// The request line without its line end (the target, in practice). Beyond it: 414,
        /// unless the head's own bound is smaller and reached first.
        public var maximumRequestLineLength: Int
        public var maximumHeaderCount: Int
        /// The longest chunk-size line (with extensions) of a chunked body.
        public var maximumChunkLineLength: Int

        public init(maximumHeadLength: Int = 16 * 1024, maximumRequestLineLength: Int = 8 * 1024,
                    maximumHeaderCount: Int = 100, maximumChunkLineLength: Int = 1024) {
            self.maximumHeadLength = maximumHeadLength
            self.maximumRequestLineLength = maximumRequestLineLength
            self.maximumHeaderCount = maximumHeaderCount
            self.maximumChunkLineLength = maximumChunkLineLength
        }
    }

    public enum Event: Equatable, Sendable {
        /// A request's head; its body (if any) is being read and discarded.
        case head(HTTPRequestHead)
        /// The request whose head came last is complete, body included.
        case messageComplete
        /// The stream cannot be parsed further; every later call reports this again.
        case failure(HTTPRequestError)
    }

    private enum State: Sendable {
        case head
        case fixedBody(remaining: UInt64)
        case chunkSize
        case chunkData(remaining: UInt64)
        case chunkDataEnd
        case trailers(bytesSoFar: Int)
        case complete
        case failed(HTTPRequestError)
    }

    public let limits: Limits
    private var state = State.head
    private var headBuffer: [UInt8] = []
    /// Where the line being scanned starts in `headBuffer`.
    private var lineStart = 0
    /// Blank lines received before a request line; ignored (RFC 9112 §2.2) but counted.
    private var preambleLength = 0
    /// A chunk-size, chunk-end or trailer line being collected.
    private var line: [UInt8] = []

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// True between messages: no part of a next request has arrived.
    public var isIdle: Bool {
        if case .head = state { return headBuffer.isEmpty && preambleLength == 0 }
        return false
    }

    /// True while waiting for (the rest of) a request head, including when idle.
    public var isAwaitingHead: Bool {
        if case .head = state { return true }
        return false
    }

    /// Consumes bytes from the front of `input` and returns the next event, or nil once all of
    /// `input` is consumed without completing one. Call again (with empty input if need be)
    /// after each event: the end of a body-less request is reported without further input.
    public mutating func next(_ input: inout UnsafeRawBufferPointer) -> Event? {
        while true {
            switch state {
            case .failed(let error):
                return .failure(error)
            case .complete:
                state = .head
                return .messageComplete
            case .head:
                return scanHead(&input)
            case .fixedBody(let remaining):
                let take = Int(min(remaining, UInt64(input.count)))
                input = UnsafeRawBufferPointer(rebasing: input[take...])
                let left = remaining - UInt64(take)
                if left > 0 {
                    state = .fixedBody(remaining: left)
                    return nil
                }
                state = .complete
            case .chunkSize:
                guard let sizeLine = takeLine(&input, limit: limits.maximumChunkLineLength, tooLong: .malformedChunkedBody) else {
                    if case .failed = state { continue }
                    return nil
                }
                guard let size = Self.parseChunkSize(sizeLine) else { return fail(.malformedChunkedBody) }
                state = size == 0 ? .trailers(bytesSoFar: 0) : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let take = Int(min(remaining, UInt64(input.count)))
                input = UnsafeRawBufferPointer(rebasing: input[take...])
                let left = remaining - UInt64(take)
                if left > 0 {
                    state = .chunkData(remaining: left)
                    return nil
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                guard let end = takeLine(&input, limit: 0, tooLong: .malformedChunkedBody) else {
                    if case .failed = state { continue }
                    return nil
                }
                guard end.isEmpty else { return fail(.malformedChunkedBody) }
                state = .chunkSize
            case .trailers(let bytesSoFar):
                guard let trailer = takeLine(&input, limit: max(0, limits.maximumHeadLength - bytesSoFar), tooLong: .headTooLarge) else {
                    if case .failed = state { continue }
                    return nil
                }
                // Trailer fields are discarded, like the body they follow.
                state = trailer.isEmpty ? .complete : .trailers(bytesSoFar: bytesSoFar + trailer.count + 2)
            }
        }
    }

    private mutating func fail(_ error: HTTPRequestError) -> Event {
        state = .failed(error)
        headBuffer = []
        line = []
        return .failure(error)
    }

    /// Collects head bytes until the blank line that ends the head, a line at a time.
    private mutating func scanHead(_ input: inout UnsafeRawBufferPointer) -> Event? {
        var i = 0
        defer { input = UnsafeRawBufferPointer(rebasing: input[i...]) }
        while i < input.count {
            if headBuffer.isEmpty && (input[i] == HTTPSyntax.cr || input[i] == HTTPSyntax.lf) {
                i += 1
                preambleLength += 1
                if preambleLength > limits.maximumHeadLength { return fail(.headTooLarge) }
                continue
            }
            var end = i
            while end < input.count && input[end] != HTTPSyntax.lf { end += 1 }
            let lineEnds = end < input.count
            let run = UnsafeRawBufferPointer(rebasing: input[i..<(lineEnds ? end + 1 : end)])
            // The request line has a bound of its own; +2 leaves room for its CR LF (checked
            // exactly once the line is whole).
            if lineStart == 0 && headBuffer.count + run.count > limits.maximumRequestLineLength + 2 {
                return fail(.requestLineTooLong)
            }
            if preambleLength + headBuffer.count + run.count > limits.maximumHeadLength { return fail(.headTooLarge) }
            headBuffer.append(contentsOf: run)
            i += run.count
            guard lineEnds else { break }
            if lineStart == 0, let error = checkRequestLine() { return fail(error) }
            let lineLength = headBuffer.count - 1 - lineStart
            if lineLength == 0 || (lineLength == 1 && headBuffer[lineStart] == HTTPSyntax.cr) {
                let parsed = headBuffer.withUnsafeBytes { bytes in
                    HTTPHeadParsing.parse(UnsafeRawBufferPointer(rebasing: bytes[..<lineStart]),
                                          maximumHeaderCount: limits.maximumHeaderCount)
                }
                // Not kept for the next request: an idle keep-alive connection holds no buffer.
                headBuffer = []
                lineStart = 0
                preambleLength = 0
                switch parsed {
                case .failure(let error):
                    return fail(error)
                case .success(let head):
                    switch head.bodyFraming {
                    case .none: state = .complete
                    case .contentLength(let n): state = .fixedBody(remaining: n)
                    case .chunked: state = .chunkSize
                    }
                    return .head(head)
                }
            }
            lineStart = headBuffer.count
        }
        return nil
    }

    /// Judges the request line as soon as it ends (it is `headBuffer` up to its LF): too
    /// long, or without ` HTTP/d.d` at its end. The second catches HTTP/0.9's `GET /path`,
    /// whose client waits for an answer and sends no header section: it gets a 400 now
    /// rather than silence until the request timeout. The rest of the line is checked with
    /// the headers.
    private func checkRequestLine() -> HTTPRequestError? {
        var end = headBuffer.count - 1
        if end > 0 && headBuffer[end - 1] == HTTPSyntax.cr { end -= 1 }
        if end > limits.maximumRequestLineLength { return .requestLineTooLong }
        guard end >= 10 else { return .malformedRequestLine }
        let v = end - 9
        // Byte by byte: a generic comparison with "HTTP/" cost more than the rest together.
        guard headBuffer[v] == HTTPSyntax.space, headBuffer[v + 1] == UInt8(ascii: "H"),
              headBuffer[v + 2] == UInt8(ascii: "T"), headBuffer[v + 3] == UInt8(ascii: "T"),
              headBuffer[v + 4] == UInt8(ascii: "P"), headBuffer[v + 5] == UInt8(ascii: "/"),
              HTTPSyntax.isDigit(headBuffer[v + 6]), headBuffer[v + 7] == UInt8(ascii: "."),
              HTTPSyntax.isDigit(headBuffer[v + 8])
        else { return .malformedRequestLine }
        return nil
    }

    /// Collects one line (LF-terminated, optional CR before it, at most `limit` bytes without
    /// the line end) and returns it without its line end; nil when more input is needed or
    /// the line is too long (then the parser has failed with `tooLong`).
    private mutating func takeLine(_ input: inout UnsafeRawBufferPointer, limit: Int,
                                   tooLong: HTTPRequestError) -> [UInt8]? {
        var i = 0
        defer { input = UnsafeRawBufferPointer(rebasing: input[i...]) }
        while i < input.count {
            let b = input[i]
            i += 1
            if b == HTTPSyntax.lf {
                var result = line
                line = []
                if result.last == HTTPSyntax.cr { result.removeLast() }
                if result.contains(HTTPSyntax.cr) {
                    _ = fail(.malformedChunkedBody)
                    return nil
                }
                return result
            }
            // The +1 leaves room for the CR of a CRLF.
            if line.count >= limit + 1 {
                _ = fail(tooLong)
                return nil
            }
            line.append(b)
        }
        return nil
    }

    /// `chunk-size [ chunk-ext ]`: hex digits, then nothing, or whitespace or `;` and
    /// extensions (ignored).
    static func parseChunkSize(_ line: [UInt8]) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        var index = 0
        while index < line.count {
            guard let digit = ASCIIHex.value(of: line[index]) else { break }
            digits += 1
            guard digits <= 15 else { return nil }
            value = value << 4 | UInt64(digit)
            index += 1
        }
        guard digits > 0 else { return nil }
        if index < line.count {
            let b = line[index]
            guard b == UInt8(ascii: ";") || b == HTTPSyntax.space || b == HTTPSyntax.tab else { return nil }
        }
        return value
    }
}
