/// Settings of the web server.
public struct HTTPServerConfiguration: Sendable {
    public var parserLimits: HTTPRequestParser.Limits
    /// Received bytes a connection holds while it is busy sending a response (pipelined
    /// requests). When full, the adapter should stop reading from that connection.
    public var maximumBufferedInput: Int
    /// How much of a file is read per pread(2), and so the most file data a connection holds.
    public var fileChunkSize: Int
    /// The `Server` header.
    public var serverName: String

    public init(parserLimits: HTTPRequestParser.Limits = HTTPRequestParser.Limits(),
                maximumBufferedInput: Int = 16 * 1024, fileChunkSize: Int = 64 * 1024,
                serverName: String = "tern") {
        self.parserLimits = parserLimits
        self.maximumBufferedInput = max(1, maximumBufferedInput)
        self.fileChunkSize = max(1, fileChunkSize)
        self.serverName = serverName
    }
}

/// The static-file web server: state shared by all its connections.
///
/// GET and HEAD serve files under the web root; POST, PUT, DELETE, PATCH, OPTIONS, TRACE
/// and CONNECT get 405 with `Allow: GET, HEAD`; other methods 501. Responses always carry
/// `Server` and `Connection`, and `Date` when the adapter supplies the time; all but 304
/// carry `Content-Type` and `Content-Length`. Files get `Last-Modified`, an `ETag` made from
/// their modification time and size, and `Accept-Ranges: bytes`. Error and redirect
/// responses have short text bodies (`404 Not Found\n`). Parse errors (400, 414, 431, 505)
/// close the connection; other responses follow the request's keep-alive.
///
/// Conditional requests follow RFC 9110 §13.2.2: `If-Match` / `If-Unmodified-Since` that fail
/// give 412, `If-None-Match` / `If-Modified-Since` that find the client's copy current give
/// 304, and `If-Range` decides whether `Range` applies. `Range` is served as `ByteRanges`
/// says: one range as a 206 with `Content-Range`, several as `multipart/byteranges`, none
/// satisfiable as 416. A request that says `Expect: 100-continue` and has a body gets
/// `100 Continue` before its response when the connection stays open (the body is then
/// read and discarded); when it closes, the final response alone.
public final class HTTPFileServer {
    public let webRoot: WebRoot
    public let configuration: HTTPServerConfiguration
    /// Wall-clock Unix time for the `Date` header, kept current by the adapter; when nil,
    /// responses carry no `Date` (the logic has no clock of its own).
    public var unixTime: Int64?

    /// The last formatted dates: the clock and modification times repeat from one
    /// response to the next.
    private var dateCache = (time: Int64.min, text: "")
    private var lastModifiedCache = (time: Int64.min, text: "")

    /// A file found recently, with its response heads: reused while the clock stays within
    /// a second of when it was opened (nginx's `open_file_cache valid=1s`), so a busy server
    /// costs no openat, fstat or header formatting per request. A file changed within that
    /// second may be served as it was when opened.
    private struct CachedFile {
        let file: OpenFile
        let name: String
        let etag: String
        let openedAt: Int64
        /// Serialized 200 heads for keep-alive and close, and the second their Date is for.
        var heads: (time: Int64, keepAlive: [UInt8], close: [UInt8])?
    }

    private var fileCache: [String: CachedFile] = [:]
    /// Files kept open by the cache at most.
    static let fileCacheLimit = 128

    /// Numbers the boundaries of multipart responses.
    private var boundaryCounter: UInt64 = 0

    /// File buffers that finished responses gave back, lent to the next ones (see
    /// `borrowFileBuffer`). Few are ever out at once: a response's piece normally leaves for
    /// the socket in the same turn it was read.
    private var spareFileBuffers: [[UInt8]] = []
    /// Spare file buffers kept at most, and the largest kept: bigger ones belong to large
    /// files, whose transfer amortizes their allocation.
    static let spareFileBufferLimit = 16
    static let spareFileBufferMaximumSize = 16 * 1024

    /// Sent before the response to a request that waits for it (`Expect: 100-continue`).
    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    public init(webRoot: WebRoot, configuration: HTTPServerConfiguration = HTTPServerConfiguration()) {
        self.webRoot = webRoot
        self.configuration = configuration
    }

    /// The logic for a newly accepted connection.
    public func makeConnection() -> HTTPConnection {
        HTTPConnection(server: self)
    }

    /// Forgets the cached open files (they are closed once no response uses them) and the
    /// spare file buffers. The daemon calls it when it has been idle, so that nothing a burst
    /// opened stays held.
    public func releaseCachedFiles() {
        fileCache = [:]
        spareFileBuffers = []
    }

    /// A buffer of at least `count` bytes for reading a file piece into: a spare when one is
    /// large enough, else a new one. Its contents are whatever it last held.
    func borrowFileBuffer(count: Int) -> [UInt8] {
        if let last = spareFileBuffers.last, last.count >= count {
            return spareFileBuffers.removeLast()
        }
        return [UInt8](repeating: 0, count: count)
    }

    /// Spare file buffers held now.
    var spareFileBufferCount: Int { spareFileBuffers.count }

    /// Takes back a buffer `borrowFileBuffer` lent (leaving `buffer` empty), keeping it for
    /// the next response when it is small and there is room.
    func returnFileBuffer(_ buffer: inout [UInt8]) {
        guard !buffer.isEmpty else { return }
        if buffer.count <= Self.spareFileBufferMaximumSize && spareFileBuffers.count < Self.spareFileBufferLimit {
            spareFileBuffers.append(buffer)
        }
        buffer = []
    }

    /// The response to a parsed request.
    func response(to request: HTTPRequestHead) -> PreparedResponse {
        var prepared = finalResponse(to: request)
        // Only when the body will be read: a client told the connection closes sends none.
        if request.expectsContinue && !prepared.closeAfter {
            prepared.head = Self.continueResponse + prepared.head
        }
        return prepared
    }

    private func finalResponse(to request: HTTPRequestHead) -> PreparedResponse {
        let isHead = request.method == "HEAD"
        let logEntry = HTTPAccessLogEntry(method: request.method, target: request.target,
                                          version: request.version.description, status: 0,
                                          bodyBytesSent: 0, completed: false)
        func text(_ status: HTTPStatus, _ extra: [HTTPHeaderField] = []) -> PreparedResponse {
            textResponse(status, omitBody: isHead, keepAlive: request.keepAlive, extraHeaders: extra, logEntry: logEntry)
        }
        switch HTTPMethodPolicy(method: request.method) {
        case .served: break
        case .notAllowed: return text(.methodNotAllowed, [HTTPHeaderField(name: "Allow", value: HTTPMethodPolicy.allowHeaderValue)])
        case .unknown: return text(.notImplemented)
        }
        guard let target = RequestTarget(request.target) else { return text(.badRequest) }
        if let now = unixTime, var cached = fileCache[target.path] {
            if now >= cached.openedAt && now <= cached.openedAt + 1 {
                guard !request.hasConditions else {
                    return conditionalResponse(cached.file, name: cached.name, etag: cached.etag, to: request,
                                               logEntry: logEntry)
                }
                if cached.heads?.time != now {
                    cached.heads = (now, fileHead(cached.file, name: cached.name, etag: cached.etag, keepAlive: true),
                                    fileHead(cached.file, name: cached.name, etag: cached.etag, keepAlive: false))
                    fileCache[target.path] = cached
                }
                if let heads = cached.heads {
                    return fileResponse(cached.file, head: request.keepAlive ? heads.keepAlive : heads.close,
                                        isHead: isHead, keepAlive: request.keepAlive, logEntry: logEntry)
                }
            }
            fileCache[target.path] = nil
        }
        switch webRoot.resolve(target.path) {
        case .badRequest:
            return text(.badRequest)
        case .notFound:
            return text(.notFound)
        case .forbidden:
            return text(.forbidden)
        case .directoryWithoutSlash:
            let location = target.path + "/" + (target.query.map { "?" + $0 } ?? "")
            return text(.movedPermanently, [HTTPHeaderField(name: "Location", value: location)])
        case .file(let file, let name):
            let etag = EntityTag.of(modificationTime: file.modificationTime, size: file.size)
            if let now = unixTime {
                if fileCache.count >= HTTPFileServer.fileCacheLimit { fileCache.removeAll() }
                fileCache[target.path] = CachedFile(file: file, name: name, etag: etag, openedAt: now)
            }
            guard !request.hasConditions else {
                return conditionalResponse(file, name: name, etag: etag, to: request, logEntry: logEntry)
            }
            return fileResponse(file, head: fileHead(file, name: name, etag: etag, keepAlive: request.keepAlive),
                                isHead: isHead, keepAlive: request.keepAlive, logEntry: logEntry)
        }
    }

    /// A file asked for with preconditions or a Range: 200, 206, 304, 412 or 416.
    private func conditionalResponse(_ file: OpenFile, name: String, etag: String, to request: HTTPRequestHead,
                                     logEntry: HTTPAccessLogEntry) -> PreparedResponse {
        let isHead = request.method == "HEAD"
        let keepAlive = request.keepAlive
        let whole = {
            self.fileResponse(file, head: self.fileHead(file, name: name, etag: etag, keepAlive: keepAlive),
                              isHead: isHead, keepAlive: keepAlive, logEntry: logEntry)
        }
        switch HTTPPreconditions.evaluate(request.conditions, isGet: request.method == "GET", etag: etag,
                                          lastModified: file.modificationTime, now: unixTime) {
        case .preconditionFailed:
            return textResponse(.preconditionFailed, omitBody: isHead, keepAlive: keepAlive, logEntry: logEntry)
        case .notModified:
            var head = HTTPResponseHead(status: .notModified)
            addCommonHeaders(to: &head)
            head.add("Last-Modified", lastModified(file.modificationTime))
            head.add("ETag", etag)
            head.add("Connection", keepAlive ? "keep-alive" : "close")
            var entry = logEntry
            entry.status = HTTPStatus.notModified.code
            return PreparedResponse(head: head.serialized(), body: .none, closeAfter: !keepAlive, logEntry: entry)
        case .proceed(rangeAllowed: false):
            return whole()
        case .proceed(rangeAllowed: true):
            switch ByteRanges.select(request.conditions.range ?? "", length: file.size) {
            case .whole:
                return whole()
            case .unsatisfiable:
                return textResponse(.rangeNotSatisfiable, omitBody: false, keepAlive: keepAlive,
                                    extraHeaders: [HTTPHeaderField(name: "Content-Range", value: "bytes */\(file.size)")],
                                    logEntry: logEntry)
            case .ranges(let ranges):
                return partialResponse(file, name: name, etag: etag, ranges: ranges, keepAlive: keepAlive,
                                       logEntry: logEntry)
            }
        }
    }

    /// 206: one range with its `Content-Range`, or several as `multipart/byteranges`.
    private func partialResponse(_ file: OpenFile, name: String, etag: String, ranges: [Range<Int64>],
                                 keepAlive: Bool, logEntry: HTTPAccessLogEntry) -> PreparedResponse {
        let contentType = MIMETypes.contentType(forFileName: name)
        var head = HTTPResponseHead(status: .partialContent)
        addCommonHeaders(to: &head)
        let body: ResponseBody
        if ranges.count == 1, let range = ranges.first {
            head.add("Content-Type", contentType)
            head.add("Content-Length", String(range.count))
            head.add("Content-Range", Self.contentRange(range, of: file.size))
            body = .file(file, range)
        } else {
            boundaryCounter &+= 1
            let digits = String(boundaryCounter)
            let boundary = "tern-byteranges-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits
            var parts: [MultipartByteRanges.Part] = []
            var length: Int64 = 0
            for range in ranges {
                let header = Array(("\r\n--\(boundary)\r\nContent-Type: \(contentType)\r\n"
                    + "Content-Range: \(Self.contentRange(range, of: file.size))\r\n\r\n").utf8)
                parts.append(MultipartByteRanges.Part(header: header, range: range))
                length += Int64(header.count) + Int64(range.count)
            }
            let closing = Array("\r\n--\(boundary)--\r\n".utf8)
            length += Int64(closing.count)
            head.add("Content-Type", "multipart/byteranges; boundary=" + boundary)
            head.add("Content-Length", String(length))
            body = .multipart(MultipartByteRanges(file: file, parts: parts, closing: closing))
        }
        head.add("Last-Modified", lastModified(file.modificationTime))
        head.add("ETag", etag)
        head.add("Accept-Ranges", "bytes")
        head.add("Connection", keepAlive ? "keep-alive" : "close")
        var entry = logEntry
        entry.status = HTTPStatus.partialContent.code
        return PreparedResponse(head: head.serialized(), body: body, closeAfter: !keepAlive, logEntry: entry)
    }

    /// `bytes first-last/length`
    private static func contentRange(_ range: Range<Int64>, of length: Int64) -> String {
        "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(length)"
    }

    /// The head of a 200 response for `file`.
    private func fileHead(_ file: OpenFile, name: String, etag: String, keepAlive: Bool) -> [UInt8] {
        var head = HTTPResponseHead(status: .ok)
        addCommonHeaders(to: &head)
        head.add("Content-Type", MIMETypes.contentType(forFileName: name))
        head.add("Content-Length", String(file.size))
        head.add("Last-Modified", lastModified(file.modificationTime))
        head.add("ETag", etag)
        head.add("Accept-Ranges", "bytes")
        head.add("Connection", keepAlive ? "keep-alive" : "close")
        return head.serialized()
    }

    private func fileResponse(_ file: OpenFile, head: [UInt8], isHead: Bool, keepAlive: Bool,
                              logEntry: HTTPAccessLogEntry) -> PreparedResponse {
        var entry = logEntry
        entry.status = HTTPStatus.ok.code
        return PreparedResponse(head: head, body: isHead || file.size == 0 ? .none : .file(file, 0..<file.size),
                                closeAfter: !keepAlive, logEntry: entry)
    }

    /// A response with a short text body (errors, redirects) (`404 Not Found\n`); HEAD gets its headers only.
    func textResponse(_ status: HTTPStatus, omitBody: Bool, keepAlive: Bool,
                       extraHeaders: [HTTPHeaderField] = [], logEntry: HTTPAccessLogEntry) -> PreparedResponse {
        let body = Array("\(status.code) \(status.reason)\n".utf8)
        var head = HTTPResponseHead(status: status)
        addCommonHeaders(to: &head)
        head.headers.append(contentsOf: extraHeaders)
        head.add("Content-Type", "text/plain; charset=utf-8")
        head.add("Content-Length", String(body.count))
        head.add("Connection", keepAlive ? "keep-alive" : "close")
        var entry = logEntry
        entry.status = status.code
        return PreparedResponse(head: head.serialized(), body: omitBody ? .none : .inline(body),
                                closeAfter: !keepAlive, logEntry: entry)
    }

    private func addCommonHeaders(to head: inout HTTPResponseHead) {
        head.add("Server", configuration.serverName)
        if let unixTime {
            if dateCache.time != unixTime { dateCache = (unixTime, HTTPDate.format(unixTime: unixTime)) }
            head.add("Date", dateCache.text)
        }
    }

    private func lastModified(_ time: Int64) -> String {
        if lastModifiedCache.time != time { lastModifiedCache = (time, HTTPDate.format(unixTime: time)) }
        return lastModifiedCache.text
    }
}

/// A response ready to send: its head in memory, then its body.
struct PreparedResponse {
    var head: [UInt8]
    var body: ResponseBody
    var closeAfter: Bool
    var logEntry: HTTPAccessLogEntry
}

/// What follows a response head.
enum ResponseBody {
    case none
    /// A short body kept in memory (error texts).
    case inline([UInt8])
    /// These bytes of a file, streamed a chunk at a time.
    case file(OpenFile, Range<Int64>)
    case multipart(MultipartByteRanges)
}

/// The body of a multipart/byteranges response: for each range its part header, then its
/// bytes from the file; then the closing delimiter.
final class MultipartByteRanges {
    struct Part {
        /// CRLF, the delimiter, the part's Content-Type and Content-Range, and the blank line.
        let header: [UInt8]
        let range: Range<Int64>
    }

    let file: OpenFile
    let parts: [Part]
    let closing: [UInt8]

    init(file: OpenFile, parts: [Part], closing: [UInt8]) {
        self.file = file
        self.parts = parts
        self.closing = closing
    }
}
