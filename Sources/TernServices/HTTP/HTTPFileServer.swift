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

/// The static-file web server (docs/protocols.md, "Web server"): state shared by all its connections.
///
/// GET and HEAD serve files under the web root; POST, PUT, DELETE, PATCH, OPTIONS, TRACE
/// and CONNECT get 405 with `Allow: GET, HEAD`; other methods 501. Responses always carry
/// `Server`, `Content-Type`, `Content-Length` and `Connection`; `Date` when the adapter
/// supplies the time; files also get `Last-Modified`. Error and redirect responses have
/// short text bodies (`404 Not Found\n`). Parse errors (400, 431, 505) close the
/// connection; other responses follow the request's keep-alive.
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
        let openedAt: Int64
        /// Serialized heads for keep-alive and close, and the second their Date is for.
        var heads: (time: Int64, keepAlive: [UInt8], close: [UInt8])?
    }

    private var fileCache: [String: CachedFile] = [:]
    /// Files kept open by the cache at most.
    static let fileCacheLimit = 128

    public init(webRoot: WebRoot, configuration: HTTPServerConfiguration = HTTPServerConfiguration()) {
        self.webRoot = webRoot
        self.configuration = configuration
    }

    /// The logic for a newly accepted connection.
    public func makeConnection() -> HTTPConnection {
        HTTPConnection(server: self)
    }

    /// The response to a parsed request.
    func response(to request: HTTPRequestHead) -> PreparedResponse {
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
                if cached.heads?.time != now {
                    cached.heads = (now, fileHead(cached.file, name: cached.name, keepAlive: true),
                                    fileHead(cached.file, name: cached.name, keepAlive: false))
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
        case .directoryWithoutSlash:
            let location = target.path + "/" + (target.query.map { "?" + $0 } ?? "")
            return text(.movedPermanently, [HTTPHeaderField(name: "Location", value: location)])
        case .file(let file, let name):
            if let now = unixTime {
                if fileCache.count >= HTTPFileServer.fileCacheLimit { fileCache.removeAll() }
                fileCache[target.path] = CachedFile(file: file, name: name, openedAt: now)
            }
            return fileResponse(file, head: fileHead(file, name: name, keepAlive: request.keepAlive),
                                isHead: isHead, keepAlive: request.keepAlive, logEntry: logEntry)
        }
    }

    /// The head of a 200 response for `file`.
    private func fileHead(_ file: OpenFile, name: String, keepAlive: Bool) -> [UInt8] {
        var head = HTTPResponseHead(status: .ok)
        addCommonHeaders(to: &head)
        head.add("Content-Type", MIMETypes.contentType(forFileName: name))
        head.add("Content-Length", String(file.size))
        head.add("Last-Modified", lastModified(file.modificationTime))
        head.add("Connection", keepAlive ? "keep-alive" : "close")
        return head.serialized()
    }

    private func fileResponse(_ file: OpenFile, head: [UInt8], isHead: Bool, keepAlive: Bool,
                              logEntry: HTTPAccessLogEntry) -> PreparedResponse {
        var entry = logEntry
        entry.status = HTTPStatus.ok.code
        return PreparedResponse(head: head, inlineBody: [], file: isHead || file.size == 0 ? nil : file,
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
        return PreparedResponse(head: head.serialized(), inlineBody: omitBody ? [] : body, file: nil,
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

/// A response ready to send: its head (and short body) in memory, and a file to stream.
struct PreparedResponse {
    var head: [UInt8]
    var inlineBody: [UInt8]
    var file: OpenFile?
    var closeAfter: Bool
    var logEntry: HTTPAccessLogEntry
}
