@testable import TernStack
import TernWire

/// Any number of stacks, each with any number of interfaces, joined by point-to-point
/// links and run on one virtual clock: hosts and routers in one test. Each step delivers
/// every frame waiting on a link to the other end and polls every stack; when nothing is
/// in flight the clock jumps to the earliest deadline.
final class StackNetwork {
    /// Where one interface's frames wait for delivery.
    final class Outbox: FrameTransmitter {
        var frames: [[UInt8]] = []
        func transmit(_ frame: UnsafeRawBufferPointer) { frames.append(Array(frame)) }
    }

    /// An interface of a stack: (stack index, interface index).
    struct Port: Hashable {
        let node: Int
        let interface: Int
    }

    private(set) var stacks: [NetworkStack] = []
    private var outboxes: [[Outbox]] = []
    private var peers: [Port: Port] = [:]
    var now = Instant.seconds(1)
    /// Time one exchange of frames takes (a nonzero RTT for the estimators).
    let stepTime: Duration = .microseconds(50)

    /// Adds a stack on the links `interfaces` describes; returns its index.
    @discardableResult
    func add(_ interfaces: [InterfaceConfiguration], seed: UInt64,
             configure: (inout StackConfiguration) -> Void = { _ in }) throws -> Int {
        var configuration = StackConfiguration(interfaces: interfaces, randomSeed: seed)
        configure(&configuration)
        let boxes = interfaces.map { _ in Outbox() }
        stacks.append(try NetworkStack(configuration: configuration, transmitters: boxes, now: now))
        outboxes.append(boxes)
        return stacks.count - 1
    }

    /// An interface named `name` with `cidr` (its MAC derived from the address).
    static func interface(_ name: String, _ cidr: String, mtu: Int = 1500) -> InterfaceConfiguration {
        let address = IPv4Subnet(cidr)!
        return InterfaceConfiguration(name: name, mac: StackConfiguration.defaultMAC(for: address.address),
                                      address: address, mtu: mtu)
    }

    /// Joins two interfaces with a link.
    func connect(_ a: Port, _ b: Port) {
        peers[a] = b
        peers[b] = a
    }

    /// Runs until `done` holds or `limit` of virtual time passes; returns whether `done` held.
    @discardableResult
    func run(for limit: Duration, until done: () -> Bool) -> Bool {
        let end = now + limit
        while now < end {
            if done() { return true }
            var moved = false
            for node in stacks.indices {
                for interface in outboxes[node].indices {
                    let box = outboxes[node][interface]
                    guard !box.frames.isEmpty else { continue }
                    moved = true
                    let frames = box.frames
                    box.frames.removeAll(keepingCapacity: true)
                    guard let peer = peers[Port(node: node, interface: interface)] else { continue }
                    for frame in frames {
                        frame.withUnsafeBytes { stacks[peer.node].receive(frame: $0, on: peer.interface, now: now) }
                    }
                }
            }
            for stack in stacks { stack.poll(now: now) }
            if moved || outboxes.contains(where: { $0.contains { !$0.frames.isEmpty } }) {
                now = now + stepTime
                continue
            }
            guard let next = stacks.compactMap(\.nextDeadline).min() else { return done() }
            now = max(now + stepTime, next)
        }
        return done()
    }
}

/// Records what a UDP socket hears.
final class UDPRecorder: UDPSocketDelegate {
    var datagrams: [(payload: [UInt8], from: IPAddress)] = []
    var errors: [SocketError] = []
    func udpSocket(_ socket: UDPSocket, didReceive payload: UnsafeRawBufferPointer, from address: IPAddress,
                   port: UInt16) {
        datagrams.append((Array(payload), address))
    }
    func udpSocket(_ socket: UDPSocket, didReceiveError error: SocketError) { errors.append(error) }
}
