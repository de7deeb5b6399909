import TernStack
import TernWire

/// Echo (RFC 862) on one port, over UDP and TCP: every datagram is sent back as it came,
/// and every byte of a TCP stream is sent back on the same connection.
///
/// TCP echo copies straight from the receive buffer into the send buffer, and reads only
/// as much as the send buffer takes: when the peer does not read its echo, our receive
/// window closes and the peer is slowed down in turn (back-pressure, not buffering). When
/// the peer closes its side, the rest is echoed and the connection closed.
public final class EchoService: HostedService, UDPSocketDelegate, TCPConnectionDelegate {
    public var port: UInt16 { endpoint.port }
    private let endpoint: UDPAndTCPEndpoint

    /// Binds `port` for UDP and listens on it for TCP.
    public init(stack: NetworkStack, port: UInt16, backlog: Int = 128) throws(SocketError) {
        endpoint = try UDPAndTCPEndpoint(stack: stack, port: port, backlog: backlog)
        endpoint.udp.delegate = self
        endpoint.tcp.accepted = { [unowned self] connection in
            connection.delegate = self
            self.pump(connection)
        }
    }

    public var summary: String { "echo \(port)/tcp+udp" }

    public func shutdown() { endpoint.shutdown() }

    public var connectionsClosing: Int { endpoint.connectionsClosing }

    // MARK: - UDP

    public func udpSocket(_ socket: UDPSocket, didReceive payload: UnsafeRawBufferPointer,
                          from address: IPAddress, port: UInt16) {
        guard UDPReflection.shouldAnswer(sourcePort: port) else { return }
        try? socket.send(payload, to: address, port: port)
    }

    // MARK: - TCP

    /// Moves received bytes to the send buffer until one is empty or the other full, then
    /// closes once the peer has closed and everything it sent is on its way back.
    private func pump(_ connection: TCPConnection) {
        while true {
            let moved = connection.read { input in
                connection.write(maxLength: input.count) { output in
                    output.copyMemory(from: UnsafeRawBufferPointer(rebasing: input[0..<output.count]))
                    return output.count
                }
            }
            if moved == 0 { break }
        }
        if connection.isEndOfStream {
            connection.close()
            endpoint.tcp.forgetIfEnded(connection)
        }
    }

    public func connectionDidReceive(_ connection: TCPConnection) {
        pump(connection)
    }

    public func connectionCanSend(_ connection: TCPConnection) {
        pump(connection)
    }

    public func connectionDidClose(_ connection: TCPConnection, error: SocketError?) {
        endpoint.tcp.forget(connection)
    }
}
