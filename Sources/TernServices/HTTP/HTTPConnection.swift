/// One web-server connection, free of network I/O (files are read with pread(2)).
///
/// Requests are parsed as they arrive and answered in order. While a response is being sent,
/// the body of its request is still read and discarded, but the next (pipelined) request
/// waits in a bounded buffer; `receiveCapacity` drops to 0 when it is full. A response is
/// produced on demand as the socket takes it: the head and short bodies from memory, files
/// one `fileChunkSize` piece at a time, so memory per connection stays bounded whatever the
/// file size.
///
/// Keep-alive: an HTTP/1.1 connection stays open unless the request says
/// `Connection: close`; HTTP/1.0 closes after the response unless the request says
/// `Connection: keep-alive`. Parse errors (400, 414, 431, 505) close the connection after
/// the response. If the peer half-closes, the requests already received are answered and
/// then the connection closes.
public final class HTTPConnection: ServiceConnection {
    private let server: HTTPFileServer
    private var parser: HTTPRequestParser
    private var input = ByteQueue()
    private var peerClosed = false
    /// No more requests will be parsed (a failure, or the response said close).
    private var stopParsing = false
    private var lastNow: Int64 = 0

    /// A class so the hot path updates it in place instead of copying it.
    private final class ActiveResponse {
        var prepared: PreparedResponse
        let headLength: Int
        var headStaged = false
        /// Bytes of the current file range already staged.
        var fileOffset: Int64 = 0
        var totalSent: Int64 = 0
        /// Multipart bodies: the part being sent, whether its header is staged, and whether
        /// the closing delimiter is.
        var partIndex = 0
        var partHeaderStaged = false
        var closingStaged = false

        init(prepared: PreparedResponse) {
            self.prepared = prepared
            headLength = prepared.head.count
        }
    }
    private var response: ActiveResponse?
    /// Output produced but not yet taken by the socket: `staging[stagingStart..<stagingEnd]`.
    private var staging: [UInt8] = []
    private var stagingStart = 0
    private var stagingEnd = 0
    /// The buffer file pieces are read into, borrowed from the server's spares for one
    /// response: an idle connection holds none (ten thousand idle keep-alive connections
    /// would otherwise keep ten thousand buffers), and a keep-alive client fetching small
    /// files still costs no allocation per response. While a piece is being sent it sits in
    /// `staging` and this is empty.
    private var fileBuffer: [UInt8] = []
    private var stagingHoldsFileBuffer = false

    private var logEntries: [HTTPAccessLogEntry] = []

    public private(set) var disposition: ConnectionDisposition = .open

    /// The `now` at which the first byte of the request being received arrived; nil when no
    /// request is partly received. The adapter compares it with its clock to cut off clients
    /// that send a request too slowly (slowloris), calling `timeOut()`.
    public private(set) var requestInProgressSince: Int64?

    init(server: HTTPFileServer) {
        self.server = server
        self.parser = HTTPRequestParser(limits: server.configuration.parserLimits)
    }

    // MARK: ServiceConnection

    public var receiveCapacity: Int {
        guard disposition == .open, !stopParsing else { return Int.max }  // discarded
        return max(0, server.configuration.maximumBufferedInput - input.count)
    }

    public func receive(_ bytes: UnsafeRawBufferPointer, now: Int64) -> Int {
        lastNow = now
        guard disposition == .open, !stopParsing else { return bytes.count }
        let take = min(bytes.count, receiveCapacity)
        input.append(UnsafeRawBufferPointer(rebasing: bytes[..<take]))
        pump()
        return take
    }

    public func receiveEnd(now: Int64) {
        lastNow = now
        peerClosed = true
        pump()
    }

    public var hasPendingOutput: Bool { response != nil }

    public func sendOutput(_ send: (UnsafeRawBufferPointer) -> Int) -> Int {
        var total = 0
        while response != nil && disposition != .abort {
            if stagingStart == stagingEnd {
                refill()
                if stagingStart == stagingEnd {
                    if disposition != .abort { finishResponse() }
                    continue
                }
            }
            let offered = stagingEnd - stagingStart
            let taken = staging.withUnsafeBytes { all in
                send(UnsafeRawBufferPointer(rebasing: all[stagingStart..<stagingEnd]))
            }
            let n = min(max(taken, 0), offered)
            stagingStart += n
            response?.totalSent += Int64(n)
            total += n
            if n < offered { break }
        }
        return total
    }

    public func connectionClosed() {
        if response != nil { endResponse(completed: false) }
        input.removeAll()
        stopParsing = true
        if disposition == .open { disposition = .closeAfterOutput }
        updateProgressClock()
    }

    // MARK: For the adapter

    /// The adapter's deadline for this connection passed. A partly received request gets
    /// 408 and the connection closes; an idle one just closes; one that is not reading its
    /// response is reset.
    public func timeOut() {
        guard disposition == .open else { return }
        if response != nil {
            endResponse(completed: false)
            disposition = .abort
        } else if requestInProgressSince != nil {
            stopParsing = true
            input.removeAll()
            updateProgressClock()
            start(server.textResponse(.requestTimeout, omitBody: false, keepAlive: false,
                                      logEntry: Self.unparsedLogEntry))
        } else {
            stopParsing = true
            disposition = .closeAfterOutput
        }
    }

    /// Access-log records of responses finished since the last call.
    public func takeAccessLogEntries() -> [HTTPAccessLogEntry] {
        defer { logEntries.removeAll() }
        return logEntries
    }

    /// Hands each record of a response finished since the last call to `body`. The list's
    /// storage goes too: an idle connection keeps nothing for its next response.
    public func drainAccessLog(_ body: (HTTPAccessLogEntry) -> Void) {
        guard !logEntries.isEmpty else { return }
        for entry in logEntries { body(entry) }
        logEntries.removeAll()
    }

    // MARK: Requests

    /// Parses what can be parsed now and starts responses.
    private func pump() {
        while disposition == .open && !stopParsing {
            // The next request's head waits until the current response is done.
            if response != nil && parser.isAwaitingHead { break }
            let (event, consumed) = input.withBytes { bytes -> (HTTPRequestParser.Event?, Int) in
                var rest = bytes
                let event = parser.next(&rest)
                return (event, bytes.count - rest.count)
            }
            input.removeFirst(consumed)
            guard let event else { break }
            switch event {
            case .head(let head):
                start(server.response(to: head))
            case .messageComplete:
                break
            case .failure(let error):
                stopParsing = true
                input.removeAll()
                if response != nil {
                    // A broken body under a response already on its way: finish it, then close.
                    response?.prepared.closeAfter = true
                } else {
                    start(server.textResponse(error.status, omitBody: false, keepAlive: false,
                                              logEntry: Self.unparsedLogEntry))
                }
            }
        }
        if response == nil && disposition == .open && (peerClosed || stopParsing) {
            disposition = .closeAfterOutput
        }
        updateProgressClock()
    }

    /// A request is in progress from its first byte until the parser has read all of it.
    private func updateProgressClock() {
        if stopParsing || disposition != .open || parser.isIdle {
            requestInProgressSince = nil
        } else if requestInProgressSince == nil {
            requestInProgressSince = lastNow
        }
    }

    private static let unparsedLogEntry = HTTPAccessLogEntry(method: "-", target: "-", version: "-", status: 0,
                                                             bodyBytesSent: 0, completed: false)

    private func start(_ prepared: PreparedResponse) {
        if prepared.closeAfter { stopParsing = true }
        response = ActiveResponse(prepared: prepared)
    }

    // MARK: Output

    /// Produces the next piece of the current response into `staging`; leaves it empty when
    /// the response is complete, or aborts if the file cannot be read to the promised length.
    private func refill() {
        guard let active = response else { return }
        takeBackFileBuffer()
        stagingStart = 0
        stagingEnd = 0
        if !active.headStaged {
            active.headStaged = true
            if case .inline(let body) = active.prepared.body {
                staging = active.prepared.head + body
            } else {
                staging = active.prepared.head
            }
            stagingEnd = staging.count
            return
        }
        switch active.prepared.body {
        case .none, .inline:
            return
        case .file(let file, let range):
            stageFileChunk(file, range, active)
        case .multipart(let multipart):
            while active.partIndex < multipart.parts.count {
                let part = multipart.parts[active.partIndex]
                if !active.partHeaderStaged {
                    active.partHeaderStaged = true
                    stage(part.header)
                    return
                }
                if stageFileChunk(multipart.file, part.range, active) || disposition == .abort { return }
                active.partIndex += 1
                active.partHeaderStaged = false
                active.fileOffset = 0
            }
            if !active.closingStaged {
                active.closingStaged = true
                stage(multipart.closing)
            }
        }
    }

    private func stage(_ bytes: [UInt8]) {
        staging = bytes
        stagingEnd = bytes.count
    }

    /// Stages the next chunk of `range` of `file`; false when the range is all sent (or the
    /// file failed, and the connection is to be reset).
    @discardableResult
    private func stageFileChunk(_ file: OpenFile, _ range: Range<Int64>, _ active: ActiveResponse) -> Bool {
        let offset = range.lowerBound + active.fileOffset
        let remaining = range.upperBound - offset
        guard remaining > 0 else { return false }
        let chunk = Int(min(Int64(server.configuration.fileChunkSize), remaining))
        if fileBuffer.count < chunk { fileBuffer = server.borrowFileBuffer(count: chunk) }
        let n = fileBuffer.withUnsafeMutableBytes { file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[..<chunk]), at: offset) }
        guard let n, n > 0 else {
            // The file shrank or failed after Content-Length was sent: the only honest signal
            // left is to reset the connection.
            endResponse(completed: false)
            disposition = .abort
            return false
        }
        active.fileOffset += Int64(n)
        swap(&staging, &fileBuffer)
        stagingHoldsFileBuffer = true
        stagingEnd = n
        return true
    }

    /// Returns the file buffer from `staging` and lets go of whatever else staging held.
    private func takeBackFileBuffer() {
        if stagingHoldsFileBuffer {
            swap(&staging, &fileBuffer)
            stagingHoldsFileBuffer = false
        }
        staging = []
    }

    private func finishResponse() {
        let closeAfter = response?.prepared.closeAfter ?? true
        endResponse(completed: true)
        if closeAfter {
            stopParsing = true
            input.removeAll()
            disposition = .closeAfterOutput
            updateProgressClock()
        } else {
            pump()
        }
    }

    /// Logs the current response and releases its file and buffers.
    private func endResponse(completed: Bool) {
        guard let active = response else { return }
        var entry = active.prepared.logEntry
        entry.bodyBytesSent = max(0, active.totalSent - Int64(active.headLength))
        entry.completed = completed
        logEntries.append(entry)
        response = nil
        takeBackFileBuffer()
        server.returnFileBuffer(&fileBuffer)
        stagingStart = 0
        stagingEnd = 0
    }
}
