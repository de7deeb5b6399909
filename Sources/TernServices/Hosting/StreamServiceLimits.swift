/// Bounds that keep one stream service's connections from pinning the host.
public struct StreamServiceLimits: Sendable {
    /// Connections served at once; more are closed as they are accepted.
    public var maximumConnections = 1024
    /// A connection with no request in progress and nothing to send is closed after this.
    public var idleTimeout: Duration = .seconds(60)
    /// A request must arrive whole within this of its first byte (against slowloris).
    public var requestTimeout: Duration = .seconds(15)
    /// Output that makes no progress for this long (a peer that stopped reading) is reset.
    public var stalledOutputTimeout: Duration = .seconds(60)

    public init() {}
}

/// A connection that knows when a request is in progress and how to end on a timeout
/// (the web server answers a half-received request with 408, for instance).
public protocol TimeoutAwareConnection: ServiceConnection {
    /// The `now` of the first byte of a request not yet received whole.
    var requestInProgressSince: Int64? { get }
    /// A deadline passed: end the connection as the protocol prefers.
    mutating func timeOut()
}
