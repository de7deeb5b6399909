import TernStack
import TernWire

/// The web server (SPEC §3.1) as the daemon runs it: `HTTPFileServer` on a port, one
/// `HTTPConnection` per TCP connection, with an access log and the `Date` header's clock.
public final class WebService: HostedService {
    public let port: UInt16
    public let files: HTTPFileServer
    private let host: StreamServiceHost<HTTPConnection>

    /// Listens on `port`, serving `webRoot` (opened before privileges were dropped).
    /// `accessLog` receives one record per response: method, path, status, bytes.
    public init(stack: NetworkStack, port: UInt16, webRoot: WebRoot, backlog: Int = 128,
                limits: StreamServiceLimits = StreamServiceLimits(),
                accessLog: @escaping (HTTPAccessLogEntry) -> Void) throws(SocketError) {
        self.port = port
        let files = HTTPFileServer(webRoot: webRoot)
        self.files = files
        host = StreamServiceHost(stack: stack, listener: try stack.listenTCP(port: port, backlog: backlog),
                                 limits: limits) { files.makeConnection() }
        host.afterActivity = { connection in
            connection.drainAccessLog(accessLog)
        }
    }

    public var summary: String { "http \(port)/tcp (\(files.webRoot.path))" }
    public var connectionCount: Int { host.connectionCount }
    public func shutdown() { host.closeAll() }
    public var connectionsClosing: Int { host.connectionsClosing }

    public func tick(now: Instant, unixTime: Int64) {
        files.unixTime = unixTime
        host.tick(now: now)
    }

    public func releaseUnusedMemory() {
        host.releaseUnusedMemory()
        files.releaseCachedFiles()
    }
}

/// The chat (SPEC §3.4) as the daemon runs it.
public final class ChatService: HostedService {
    public let port: UInt16
    public let server: ChatServer

    public init(stack: NetworkStack, port: UInt16, backlog: Int = 128,
                limits: ChatRoomLimits = ChatRoomLimits()) throws(SocketError) {
        self.port = port
        server = ChatServer(listener: try stack.listenTCP(port: port, backlog: backlog), limits: limits)
    }

    public var summary: String { "chat \(port)/tcp" }
    public func shutdown() { server.closeAll() }
    public var connectionsClosing: Int { server.connectionsClosing }
    public func tick(now: Instant, unixTime: Int64) { server.tick(now: now) }
    public func releaseUnusedMemory() { server.releaseUnusedMemory() }
}

/// The word service (SPEC §3.5) as the daemon runs it.
public final class WordsService: HostedService {
    public let port: UInt16
    private let host: StreamServiceHost<WordConnection>

    /// `seed` makes the choice of words reproducible in tests; the daemon draws it at random.
    public init(stack: NetworkStack, port: UInt16, backlog: Int = 128, words: WordService = WordService(),
                seed: UInt64) throws(SocketError) {
        self.port = port
        var generator = SeededRandom(seed: seed)
        host = StreamServiceHost(stack: stack, listener: try stack.listenTCP(port: port, backlog: backlog)) {
            WordConnection(words: words.chooseWords(using: &generator))
        }
    }

    public var summary: String { "words \(port)/tcp" }
    public func shutdown() { host.closeAll() }
    public var connectionsClosing: Int { host.connectionsClosing }
    public func tick(now: Instant, unixTime: Int64) { host.tick(now: now) }
    public func releaseUnusedMemory() { host.releaseUnusedMemory() }
}
