import TernStack
import TernWire

/// Discard (RFC 863) on one port, over UDP and TCP: whatever arrives is read and dropped,
/// and nothing is ever sent back. A TCP connection is closed once the peer closes its side.
public final class DiscardService: HostedService, UDPSocketDelegate, TCPConnectionDelegate {
    public var port: UInt16 { endpoint.port }
    private let endpoint: UDPAndTCPEndpoint

    /// Binds `port` for UDP and listens on it for TCP.
    public init(stack: NetworkStack, port: UInt16, backlog: Int = 128) throws(SocketError) {
        endpoint = try UDPAndTCPEndpoint(stack: stack, port: port, backlog: backlog)
        endpoint.udp.delegate = self
        endpoint.tcp.accepted = { [unowned self] connection in
            connection.delegate = self
            self.drain(connection)
        }
    }

    public var summary: String { "discard \(port)/tcp+udp" }

    public func shutdown() { endpoint.shutdown() }

    public var connectionsClosing: Int { endpoint.connectionsClosing }

    public func udpSocket(_ socket: UDPSocket, didReceive payload: UnsafeRawBufferPointer,
                          from address: IPAddress, port: UInt16) {}

    private func drain(_ connection: TCPConnection) {
        connection.discardReceived()
        if connection.isEndOfStream {
            connection.close()
            endpoint.tcp.forgetIfEnded(connection)
        }
    }

    public func connectionDidReceive(_ connection: TCPConnection) {
        drain(connection)
    }

    public func connectionDidClose(_ connection: TCPConnection, error: SocketError?) {
        endpoint.tcp.forget(connection)
    }
}
