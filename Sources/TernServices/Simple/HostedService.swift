import TernStack
import TernWire

/// A service running on the virtual host, as the daemon sees it: something to announce,
/// to shut down politely, and to wait for while its connections finish closing.
public protocol HostedService: AnyObject {
    /// What it offers, for the ready line and logs: "echo 7/tcp+udp".
    var summary: String { get }
    /// Stops listening and closes every connection politely: a FIN after the data already
    /// queued (a reset only where unread data would otherwise be lost silently).
    func shutdown()
    /// Connections whose queued data or FIN the peer has not acknowledged yet. After
    /// `shutdown()`, the daemon keeps the stack running until this reaches zero (or a
    /// time limit passes) so the FINs really go out.
    var connectionsClosing: Int { get }
    /// Gives the service the time, for its deadlines; the daemon calls it at least once a
    /// second. `unixTime` is the wall clock in seconds.
    func tick(now: Instant, unixTime: Int64)
    /// Gives back memory kept from a busier moment (tables sized for a past burst, cached
    /// open files); the daemon calls it when traffic has stopped. Changes no behaviour.
    func releaseUnusedMemory()
}

extension HostedService {
    public func tick(now: Instant, unixTime: Int64) {}
    public func releaseUnusedMemory() {}
}

/// The TCP side every simple service shares: a listener, and the connections it accepted
/// until they end.
///
/// The owning service is the delegate of each connection; it calls `forget` when one ends
/// (`connectionDidClose`, or after it aborted the connection itself, which the stack does
/// not report).
final class SimpleTCPEndpoint: TCPListenerDelegate {
    let listener: TCPListener
    private(set) var connections: [ObjectIdentifier: TCPConnection] = [:]
    /// The service's handler for each new connection (set once the service exists).
    var accepted: ((TCPConnection) -> Void)?

    init(stack: NetworkStack, port: UInt16, backlog: Int) throws(SocketError) {
        listener = try stack.listenTCP(port: port, backlog: backlog)
        listener.delegate = self
    }

    func listenerHasConnections(_ listener: TCPListener) {
        while let connection = listener.accept() {
            connections[ObjectIdentifier(connection)] = connection
            accepted?(connection)
        }
    }

    /// Stops tracking a connection that has ended.
    func forget(_ connection: TCPConnection) {
        connections[ObjectIdentifier(connection)] = nil
    }

    /// Forgets the connection if it is over (a `close()` may have turned into a reset).
    func forgetIfEnded(_ connection: TCPConnection) {
        if !connection.isOpenOrClosing { forget(connection) }
    }

    /// Stops listening and closes every connection, discarding what the peer sent but
    /// nobody read so that the close is a FIN rather than a reset.
    func shutdown() {
        listener.close()
        for connection in Array(connections.values) {
            connection.discardReceived()
            connection.close()
            forgetIfEnded(connection)
        }
    }

    /// Connections that still have data or a FIN in flight.
    var connectionsClosing: Int {
        connections.values.reduce(0) { $0 + ($1.hasUnacknowledgedOutput ? 1 : 0) }
    }
}

/// One port served over UDP and TCP: the pair of endpoints every simple service binds.
final class UDPAndTCPEndpoint {
    let port: UInt16
    let udp: UDPSocket
    let tcp: SimpleTCPEndpoint

    /// Binds `port` for UDP and listens on it for TCP (or neither, if either fails).
    init(stack: NetworkStack, port: UInt16, backlog: Int) throws(SocketError) {
        self.port = port
        udp = try stack.bindUDP(port: port)
        do {
            tcp = try SimpleTCPEndpoint(stack: stack, port: port, backlog: backlog)
        } catch {
            udp.close()
            throw error
        }
    }

    /// Unbinds UDP, stops listening and closes the TCP connections politely.
    func shutdown() {
        udp.close()
        tcp.shutdown()
    }

    var connectionsClosing: Int { tcp.connectionsClosing }
}

extension TCPConnection {
    /// Whether the connection still exists in the stack (not CLOSED or TIME-WAIT).
    var isOpenOrClosing: Bool {
        switch state {
        case .closed, .timeWait: false
        default: true
        }
    }

    /// Whether something of ours may still be waiting for the peer's acknowledgment: true
    /// in every state before our FIN is acknowledged.
    var hasUnacknowledgedOutput: Bool {
        switch state {
        case .synReceived, .established, .closeWait, .finWait1, .closing, .lastAck: true
        case .closed, .listen, .synSent, .finWait2, .timeWait: false
        }
    }

    /// Reads and drops everything received so far.
    func discardReceived() {
        while read({ $0.count }) > 0 {}
    }
}

/// UDP requests from these source ports are not answered: they belong to other echo-like
/// services, and a forged request "from" one of them would set two servers bouncing
/// datagrams at each other forever. Port 0 cannot be answered at all.
enum UDPReflection {
    static let refusedSourcePorts: Set<UInt16> = [0, 7, 9, 13, 17, 19, 37]

    static func shouldAnswer(sourcePort: UInt16) -> Bool {
        !refusedSourcePorts.contains(sourcePort)
    }
}
