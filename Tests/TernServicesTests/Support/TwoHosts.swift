import TernStack
import TernTestSupport
import TernWire

/// A server host and a client host on one link of the shared `StackNetwork`, with a
/// virtual clock: the service under test runs on `server`; test clients open connections
/// from `client`. The clock moves at most 100 ms at a time, so services' own timers tick.
final class TwoHosts {
    static let serverAddress = IPv4Address(10, 0, 0, 2)
    static let clientAddress = IPv4Address(10, 0, 0, 1)
    let server: NetworkStack
    let client: NetworkStack
    private let network = StackNetwork(now: .seconds(100), stepTime: .microseconds(20))
    var now: Instant { network.now }
    /// Called on every step with the current time (hosts' ticks go here).
    var onStep: ((Instant) -> Void)? {
        get { network.afterStep }
        set { network.afterStep = newValue }
    }

    init() throws {
        func configuration(_ address: IPv4Address, seed: UInt64) -> StackConfiguration {
            StackConfiguration(mac: StackConfiguration.defaultMAC(for: address),
                               address: IPv4Subnet(address: address, prefixLength: 24)!, randomSeed: seed)
        }
        try network.add(configuration(TwoHosts.serverAddress, seed: 1))
        try network.add(configuration(TwoHosts.clientAddress, seed: 2))
        network.connect(.init(node: 0, interface: 0), .init(node: 1, interface: 0))
        network.maximumJump = .milliseconds(100)
        server = network.stacks[0]
        client = network.stacks[1]
    }

    /// Runs until `done` holds or `limit` of virtual time has passed.
    @discardableResult
    func run(for limit: Duration = .seconds(30), until done: () -> Bool) -> Bool {
        network.run(for: limit, until: done)
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
