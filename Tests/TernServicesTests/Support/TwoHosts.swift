import TernStack
import TernWire

/// Collects a stack's frames for the other host.
final class Wire: FrameTransmitter {
    var frames: [[UInt8]] = []
    func transmit(_ frame: UnsafeRawBufferPointer) { frames.append(Array(frame)) }
}

/// A server host and a client host on one simulated wire, with a virtual clock: the
/// service under test runs on `server`; test clients open connections from `client`.
final class TwoHosts {
    static let serverAddress = IPv4Address(10, 0, 0, 2)
    static let clientAddress = IPv4Address(10, 0, 0, 1)
    let server: NetworkStack
    let client: NetworkStack
    private let toClient = Wire()
    private let toServer = Wire()
    var now = Instant.seconds(100)
    /// Called on every step with the current time (hosts' ticks go here).
    var onStep: ((Instant) -> Void)?

    init() throws {
        func configuration(_ address: IPv4Address, seed: UInt64) -> StackConfiguration {
            StackConfiguration(mac: StackConfiguration.defaultMAC(for: address),
                               address: IPv4Subnet(address: address, prefixLength: 24)!, randomSeed: seed)
        }
        server = try NetworkStack(configuration: configuration(TwoHosts.serverAddress, seed: 1), transmitter: toClient, now: now)
        client = try NetworkStack(configuration: configuration(TwoHosts.clientAddress, seed: 2), transmitter: toServer, now: now)
    }

    /// Runs until `done` holds or `limit` of virtual time has passed.
    @discardableResult
    func run(for limit: Duration = .seconds(30), until done: () -> Bool) -> Bool {
        let end = now + limit
        while now < end {
            if done() { return true }
            let moved = !toServer.frames.isEmpty || !toClient.frames.isEmpty
            let forServer = toServer.frames
            toServer.frames.removeAll()
            for frame in forServer { frame.withUnsafeBytes { server.receive(frame: $0, now: now) } }
            let forClient = toClient.frames
            toClient.frames.removeAll()
            for frame in forClient { frame.withUnsafeBytes { client.receive(frame: $0, now: now) } }
            server.poll(now: now)
            client.poll(now: now)
            onStep?(now)
            if moved || !toServer.frames.isEmpty || !toClient.frames.isEmpty {
                now = now + .microseconds(20)
                continue
            }
            let next = Instant.earliest(server.nextDeadline, client.nextDeadline) ?? (now + .milliseconds(100))
            now = max(now + .microseconds(20), min(next, now + .milliseconds(100)))
        }
        return done()
    }
}

/// A client on the client host: sends what it is given, collects everything it receives.
final class StreamClient: TCPConnectionDelegate {
    let connection: TCPConnection
    var received: [UInt8] = []
    var connected = false
    var closed = false
    var closeError: SocketError?
    private var pending: [UInt8] = []
    /// When false the client stops reading (a slow reader).
    var reading = true

    init(hosts: TwoHosts, port: UInt16) throws {
        connection = try hosts.client.connectTCP(to: TwoHosts.serverAddress, port: port)
        connection.delegate = self
    }

    func send(_ bytes: [UInt8]) {
        pending += bytes
        flush()
    }

    private func flush() {
        guard connected, !pending.isEmpty else { return }
        let n = pending.withUnsafeBytes { connection.send($0) }
        pending.removeFirst(n)
    }

    func connectionDidConnect(_ connection: TCPConnection) {
        connected = true
        flush()
    }

    func connectionCanSend(_ connection: TCPConnection) { flush() }

    func connectionDidReceive(_ connection: TCPConnection) {
        guard reading else { return }
        while true {
            let n = connection.read { bytes in
                received += bytes
                return bytes.count
            }
            if n == 0 { break }
        }
    }

    func connectionDidClose(_ connection: TCPConnection, error: SocketError?) {
        closed = true
        closeError = error
        connectionDidReceive(connection)
    }

    var text: String { String(decoding: received, as: UTF8.self) }
}
