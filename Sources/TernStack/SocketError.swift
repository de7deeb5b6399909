/// Errors the socket API reports, as values. Names follow the errno a BSD socket would give.
public enum SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another socket is bound to the port (EADDRINUSE).
    case addressInUse
    /// No free ephemeral port.
    case noPortsAvailable
    /// The peer refused: RST to our SYN, or ICMP port unreachable (ECONNREFUSED).
    case connectionRefused
    /// The peer reset an established connection (ECONNRESET).
    case connectionReset
    /// Retransmissions gave up (ETIMEDOUT).
    case timedOut
    /// ARP could not resolve the next hop, or ICMP host unreachable (EHOSTUNREACH).
    case hostUnreachable
    /// No route to the destination (ENETUNREACH).
    case networkUnreachable
    /// The socket is not connected, or no longer (ENOTCONN).
    case notConnected
    /// The socket was closed by this side.
    case closed
    /// A datagram too large to send (EMSGSIZE).
    case messageTooLong
    /// The connection limit was reached.
    case tooManyConnections
    /// An argument the call cannot accept (EINVAL).
    case invalidArgument

    public var description: String {
        switch self {
        case .addressInUse: "address already in use"
        case .noPortsAvailable: "no free local port"
        case .connectionRefused: "connection refused"
        case .connectionReset: "connection reset by peer"
        case .timedOut: "connection timed out"
        case .hostUnreachable: "host unreachable"
        case .networkUnreachable: "network unreachable"
        case .notConnected: "not connected"
        case .closed: "socket closed"
        case .messageTooLong: "message too long"
        case .tooManyConnections: "too many connections"
        case .invalidArgument: "invalid argument"
        }
    }
}
