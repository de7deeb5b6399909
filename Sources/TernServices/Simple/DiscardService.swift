import TernStack
import TernWire

/// Discard (RFC 863) on one port, over UDP and TCP: whatever arrives is read and dropped,
/// and nothing is ever sent back. A TCP connection is closed once the peer closes its side.
public final class DiscardService: HostedService, UDPSocketDelegate, TCPConnectionDelegate {
    public let port: UInt16
    private let udp: UDPSocket
    private var tcp: SimpleTCPEndpoint!

    /// Binds `port` for UDP and listens on it for TCP.
    public init(stack: NetworkStack, port: UInt16, backlog: Int = 128) throws(SocketError) {
        self.port = port
        udp = try stack.bindUDP(port: port)
        do {
            tcp = try SimpleTCPEndpoint(stack: stack, port: port, backlog: backlog) { [unowned self] connection in
                connection.delegate = self
                self.drain(connection)
            }
        } catch {
            udp.close()
            throw error
        }
        udp.delegate = self
    }

    public var summary: String { "discard \(port)/tcp+udp" }

    public func shutdown() {
        udp.close()
        tcp.shutdown()
    }

    public var connectionsClosing: Int { tcp.connectionsClosing }

    public func udpSocket(_ socket: UDPSocket, didReceive payload: UnsafeRawBufferPointer,
                          from address: IPv4Address, port: UInt16) {}

    private func drain(_ connection: TCPConnection) {
        connection.discardReceived()
        if connection.isEndOfStream {
            connection.close()
            tcp.forgetIfEnded(connection)
        }
    }

    public func connectionDidReceive(_ connection: TCPConnection) {
        drain(connection)
    }

    public func connectionDidClose(_ connection: TCPConnection, error: SocketError?) {
        tcp.forget(connection)
    }
}
