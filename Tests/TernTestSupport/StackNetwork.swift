import TernStack
import TernWire

/// Any number of stacks, each with any number of interfaces, joined by point-to-point
/// links and run on one virtual clock: hosts and routers in one test, shared by the test
/// targets. Each step delivers every frame waiting on a link to the other end and polls
/// every stack; when nothing is in flight the clock jumps to the earliest deadline.
public final class StackNetwork {
    /// Where one interface's frames wait for delivery.
    public final class Outbox: FrameTransmitter {
        public var frames: [[UInt8]] = []
        public init() {}
        public func transmit(_ frame: UnsafeRawBufferPointer) { frames.append(Array(frame)) }
    }

    /// An interface of a stack: (stack index, interface index).
    public struct Port: Hashable, Sendable {
        public let node: Int
        public let interface: Int
        public init(node: Int, interface: Int) {
            self.node = node
            self.interface = interface
        }
    }

    public private(set) var stacks: [NetworkStack] = []
    private var outboxes: [[Outbox]] = []
    private var peers: [Port: Port] = [:]
    /// Frames sent from a port for which its filter returns true are lost on the way.
    public var loses: [Port: ([UInt8]) -> Bool] = [:]
    public var now: Instant
    /// Virtual time each exchange of frames takes (a nonzero RTT for the estimators).
    public let stepTime: Duration

    public init(now: Instant = .seconds(1), stepTime: Duration = .microseconds(50)) {
        self.now = now
        self.stepTime = stepTime
    }

    /// Adds a stack on the links `interfaces` describes; returns its index.
    @discardableResult
    public func add(_ interfaces: [InterfaceConfiguration], seed: UInt64,
                    configure: (inout StackConfiguration) -> Void = { _ in }) throws -> Int {
        var configuration = StackConfiguration(interfaces: interfaces, randomSeed: seed)
        configure(&configuration)
        let boxes = interfaces.map { _ in Outbox() }
        stacks.append(try NetworkStack(configuration: configuration, transmitters: boxes, now: now))
        outboxes.append(boxes)
        return stacks.count - 1
    }

    /// An interface named `name` with `cidr` (its MAC derived from the address).
    public static func interface(_ name: String, _ cidr: String, mtu: Int = 1500) -> InterfaceConfiguration {
        let address = IPv4Subnet(cidr)!
        return InterfaceConfiguration(name: name, mac: StackConfiguration.defaultMAC(for: address.address),
                                      address: address, mtu: mtu)
    }

    /// Joins two interfaces with a link.
    public func connect(_ a: Port, _ b: Port) {
        peers[a] = b
        peers[b] = a
    }

    /// Announces every stack on its links (as the daemon does at start).
    public func start() {
        for stack in stacks { stack.start(now: now) }
    }

    /// Runs until `done` holds or `limit` of virtual time passes; returns whether `done`
    /// held. `done` is checked after every exchange, so an endless stream stops as soon as
    /// it holds.
    @discardableResult
    public func run(for limit: Duration, until done: () -> Bool) -> Bool {
        let end = now + limit
        while now < end {
            if done() { return true }
            let moved = exchange()
            if done() { return true }
            if moved || hasWorkDue {
                now = now + stepTime
                continue
            }
            guard let next = stacks.compactMap(\.nextDeadline).min() else { return done() }
            now = next > now ? max(now + stepTime, next) : now + .milliseconds(1)
        }
        return done()
    }

    /// Delivers what waits on every link, then polls every stack; whether any frame moved.
    private func exchange() -> Bool {
        var moved = false
        for node in stacks.indices {
            for interface in outboxes[node].indices {
                let box = outboxes[node][interface]
                guard !box.frames.isEmpty else { continue }
                moved = true
                let frames = box.frames
                box.frames.removeAll(keepingCapacity: true)
                let port = Port(node: node, interface: interface)
                guard let peer = peers[port] else { continue }
                let lost = loses[port]
                for frame in frames where !(lost?(frame) ?? false) {
                    frame.withUnsafeBytes { stacks[peer.node].receive(frame: $0, on: peer.interface, now: now) }
                }
            }
        }
        for stack in stacks { stack.poll(now: now) }
        return moved
    }

    /// Frames waiting, or a stack with work due now.
    private var hasWorkDue: Bool {
        outboxes.contains { $0.contains { !$0.frames.isEmpty } }
            || stacks.contains { $0.nextDeadline.map { $0 <= now } ?? false }
    }
}
