import TernStack
import TernWire

/// The Time Protocol (RFC 868) on one port, over UDP and TCP: `TimeProtocol`'s 4-byte value.
///
/// UDP: every datagram (whatever it holds) gets the 4 bytes back. TCP: each accepted
/// connection gets the 4 bytes, then a FIN.
///
/// The service reads no clock: `unixTime` supplies the wall-clock time (seconds since
/// 1970) whenever a value is due, so tests can fix it.
public final class TimeService: HostedService, UDPSocketDelegate, TCPConnectionDelegate {
    public var port: UInt16 { endpoint.port }
    private let unixTime: () -> Int64
    private let endpoint: UDPAndTCPEndpoint

    /// Binds `port` for UDP and listens on it for TCP.
    public init(stack: NetworkStack, port: UInt16, backlog: Int = 128,
                unixTime: @escaping () -> Int64) throws(SocketError) {
        self.unixTime = unixTime
        endpoint = try UDPAndTCPEndpoint(stack: stack, port: port, backlog: backlog)
        endpoint.udp.delegate = self
        endpoint.tcp.accepted = { [unowned self] connection in
            self.serve(connection)
        }
    }

    public var summary: String { "time \(port)/tcp+udp" }

    public func shutdown() { endpoint.shutdown() }

    public var connectionsClosing: Int { endpoint.connectionsClosing }

    // MARK: - UDP

    public func udpSocket(_ socket: UDPSocket, didReceive payload: UnsafeRawBufferPointer,
                          from address: IPAddress, port: UInt16) {
        guard UDPReflection.shouldAnswer(sourcePort: port) else { return }
        TimeProtocol.encoded(unixTime: unixTime()).withUnsafeBytes { reply in
            // A failure (no route, ARP queue full) is the stack's to count; UDP promises nothing.
            try? socket.send(reply, to: address, port: port)
        }
    }

    // MARK: - TCP

    private func serve(_ connection: TCPConnection) {
        connection.delegate = self
        _ = TimeProtocol.encoded(unixTime: unixTime()).withUnsafeBytes { connection.send($0) }
        connection.discardReceived()
        connection.close()
        endpoint.tcp.forgetIfEnded(connection)
    }

    public func connectionDidReceive(_ connection: TCPConnection) {
        connection.discardReceived()
    }

    public func connectionDidClose(_ connection: TCPConnection, error: SocketError?) {
        endpoint.tcp.forget(connection)
    }
}
