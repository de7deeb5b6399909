import TernStack
import TernTestSupport
import TernWire
import Testing

/// Two engines on one simulated Ethernet link with a virtual clock (the shared
/// `StackNetwork`): the service under test runs on `server` (10.0.0.2), the test drives
/// `client` (10.0.0.1) through the same socket API. Frames are delivered in order and
/// nothing is lost unless a test says so, so every run is the same.
final class EnginePair {
    static let serverAddress = IPv4Address(10, 0, 0, 2)
    static let clientAddress = IPv4Address(10, 0, 0, 1)

    let server: NetworkStack
    let client: NetworkStack
    private let network = StackNetwork(stepTime: .zero)
    var now: Instant { network.now }
    /// Frames from the client for which this returns true are lost on the way.
    var losesClientFrame: (([UInt8]) -> Bool)? {
        didSet { network.loses[StackNetwork.Port(node: 1, interface: 0)] = losesClientFrame }
    }

    init(tcp: TCPConfiguration = TCPConfiguration()) throws {
        func link(_ address: IPv4Address) -> InterfaceConfiguration {
            InterfaceConfiguration(name: "eth0", mac: StackConfiguration.defaultMAC(for: address),
                                   address: IPv4Subnet(address: address, prefixLength: 24)!)
        }
        try network.add([link(EnginePair.serverAddress)], seed: 2) { $0.tcp = tcp }
        try network.add([link(EnginePair.clientAddress)], seed: 1) { $0.tcp = tcp }
        network.connect(.init(node: 0, interface: 0), .init(node: 1, interface: 0))
        server = network.stacks[0]
        client = network.stacks[1]
        network.start()
    }

    /// Runs both engines — delivering frames, polling, and moving the clock to the next
    /// deadline when the link is quiet — until `condition` holds or `limit` of virtual time
    /// passes. Returns whether the condition was met. The condition is checked after every
    /// exchange, so an endless stream (chargen) stops as soon as it holds.
    @discardableResult
    func run(for limit: Duration = .seconds(60), until condition: () -> Bool) -> Bool {
        network.run(for: limit, until: condition)
    }
}

/// A client-side TCP connection that records what arrives. With `reading` off it leaves
/// data in the receive buffer, as a peer that stopped reading would.
final class RecordingConnection: TCPConnectionDelegate {
    let connection: TCPConnection
    var received: [UInt8] = []
    var reading = true
    private(set) var connected = false
    private(set) var closed = false
    private(set) var closeError: SocketError?
    /// Bytes still to send, queued as space allows.
    private var outgoing: [UInt8] = []
    private var outgoingOffset = 0
    private var closeAfterSending = false

    init(_ connection: TCPConnection) {
        self.connection = connection
        connection.delegate = self
    }

    /// Reaches end of stream: the peer closed and everything was read.
    var sawEndOfStream: Bool { connection.isEndOfStream }
    var allSent: Bool { outgoingOffset == outgoing.count }

    /// Sends `bytes` in full (as the send buffer frees up), then half-closes if asked.
    func send(_ bytes: [UInt8], thenShutdown: Bool = false) {
        outgoing += bytes
        closeAfterSending = thenShutdown
        flush()
    }

    func readNow() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { connection.receive(into: $0) }
            if n == 0 { break }
            received += buffer[0..<n]
        }
    }

    /// Queues what fits. Nothing is queued before the handshake completes: shutting down
    /// in SYN-SENT would abandon the connection (RFC 9293 §3.10.4).
    private func flush() {
        guard connected else { return }
        while outgoingOffset < outgoing.count {
            let n = outgoing.withUnsafeBytes { bytes in
                connection.send(UnsafeRawBufferPointer(rebasing: bytes[outgoingOffset...]))
            }
            if n == 0 { break }
            outgoingOffset += n
        }
        if allSent && closeAfterSending {
            closeAfterSending = false
            connection.shutdownWrite()
        }
    }

    func connectionDidConnect(_ connection: TCPConnection) {
        connected = true
        flush()
    }

    func connectionDidReceive(_ connection: TCPConnection) {
        if reading { readNow() }
    }

    func connectionCanSend(_ connection: TCPConnection) {
        flush()
    }

    func connectionDidClose(_ connection: TCPConnection, error: SocketError?) {
        closed = true
        closeError = error
    }
}

/// A client-side UDP socket that records the datagrams it receives.
final class RecordingUDPSocket: UDPSocketDelegate {
    let socket: UDPSocket
    var datagrams: [[UInt8]] = []

    init(_ socket: UDPSocket) {
        self.socket = socket
        socket.delegate = self
    }

    func send(_ bytes: [UInt8], to port: UInt16) throws {
        try bytes.withUnsafeBytes { try socket.send($0, to: EnginePair.serverAddress, port: port) }
    }

    func udpSocket(_ socket: UDPSocket, didReceive payload: UnsafeRawBufferPointer,
                   from address: IPAddress, port: UInt16) {
        datagrams.append(Array(payload))
    }
}

/// `count` bytes of a reproducible non-repeating-looking sequence.
func testBytes(_ count: Int, seed: UInt64 = 7) -> [UInt8] {
    var random = SeededRandom(seed: seed)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count + 8)
    while bytes.count < count {
        withUnsafeBytes(of: random.next()) { bytes += $0 }
    }
    return Array(bytes.prefix(count))
}

/// Expects two byte arrays to be equal; a failure names the first difference instead of
/// printing both arrays (a failed `#expect(a == b)` would dump megabytes).
func expectSameBytes(_ actual: [UInt8], _ expected: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
    let firstDifference = (0..<min(actual.count, expected.count)).first { actual[$0] != expected[$0] }
    let equal = actual.count == expected.count && firstDifference == nil
    #expect(equal, "\(actual.count) bytes, \(expected.count) expected; first difference at \(firstDifference.map(String.init) ?? "the end")",
            sourceLocation: sourceLocation)
}
