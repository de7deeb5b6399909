/// One access-log record, produced when a response is finished (or cut short).
public struct HTTPAccessLogEntry: Equatable, Sendable, CustomStringConvertible {
    /// `-` when the request could not be parsed.
    public var method: String
    /// The request-target as sent (visible ASCII only), `-` when unparsed.
    public var target: String
    /// `-` when unparsed.
    public var version: String
    public var status: Int
    /// Body bytes handed to the socket (headers not counted, as in the common log format).
    public var bodyBytesSent: Int64
    /// False when the connection ended before the whole response was sent.
    public var completed: Bool

    public init(method: String, target: String, version: String, status: Int,
                bodyBytesSent: Int64, completed: Bool) {
        self.method = method
        self.target = target
        self.version = version
        self.status = status
        self.bodyBytesSent = bodyBytesSent
        self.completed = completed
    }

    /// `GET /index.html HTTP/1.1 200 1234`, plus ` (incomplete)` when cut short.
    public var description: String {
        "\(method) \(target) \(version) \(status) \(bodyBytesSent)" + (completed ? "" : " (incomplete)")
    }
}
