import TernStack
import TernWire

/// Any number of stacks, each with any number of interfaces, joined by point-to-point
/// links and run on one virtual clock: hosts and routers in one test, shared by the unit
/// tests, the stack fuzzer and the engine bench. Each step of `run` delivers every frame
/// waiting on a link to the other end and polls every stack; when nothing is in flight the
/// clock jumps to the earliest deadline.
///
/// An interface left without a link has a scripted neighbour instead: what the stack sends
/// there is captured in its `outbox` for the test to read, and `deliver(_:to:)` hands the
/// stack frames as from that neighbour; `advance(by:)` moves the clock.
public final class StackNetwork {
    /// Where one interface's frames wait for delivery (or, without a link, for the test).
    public final class Outbox: FrameTransmitter {
        public var frames: [[UInt8]] = []
        /// Every frame transmitted so far, delivered, taken or still waiting.
        public private(set) var transmitted: UInt64 = 0
        public init() {}
        public func transmit(_ frame: UnsafeRawBufferPointer) {
            transmitted += 1
            frames.append(Array(frame))
        }
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
    /// Faults on the frames sent from a port (after `loses`).
    public var faults: [Port: LinkFaults] = [:]
    /// Called after every poll of a stack, with its index: where a test or the fuzzer
    /// checks what the stack did and what it holds.
    public var afterPoll: ((Int) -> Void)?
    /// Called after every step of `run` with the time: where services' own timers tick.
    public var afterStep: ((Instant) -> Void)?
    /// The longest jump of the clock in `run` while nothing is in flight; nil jumps
    /// straight to the next deadline (and ends the run when there is none). Services with
    /// timeouts of their own, which are no stack's deadlines, need a cap to see time pass.
    public var maximumJump: Duration?
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
        return try add(configuration)
    }

    /// Adds a stack configured as `configuration` says; returns its index.
    @discardableResult
    public func add(_ configuration: StackConfiguration) throws -> Int {
        let boxes = configuration.interfaces.map { _ in Outbox() }
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

    /// What an interface sent and nobody has taken yet (on a link: not delivered yet).
    public func outbox(_ port: Port) -> Outbox { outboxes[port.node][port.interface] }

    /// Hands stack `port.node` a frame as received on interface `port.interface`, then
    /// polls it (as the daemon does after each batch).
    public func deliver(_ frame: [UInt8], to port: Port) {
        frame.withUnsafeBytes { stacks[port.node].receive(frame: $0, on: port.interface, now: now) }
        poll(port.node)
    }

    /// Polls stack `node` at `now`.
    public func poll(_ node: Int) {
        stacks[node].poll(now: now)
        afterPoll?(node)
    }

    /// Moves the clock forward by `duration`, polling every stack at each deadline on the
    /// way, in order, and at the end. Frames waiting on links stay where they are: this is
    /// the clock of scripted neighbours; `run` is the one that moves frames.
    public func advance(by duration: Duration) {
        let end = now + duration
        while let deadline = earliestDeadline, deadline <= end {
            now = max(now, deadline)
            for node in stacks.indices { poll(node) }
        }
        now = end
        for node in stacks.indices { poll(node) }
    }

    /// The earliest deadline of any stack.
    public var earliestDeadline: Instant? { stacks.compactMap(\.nextDeadline).min() }

    /// Runs until `done` holds or `limit` of virtual time passes; returns whether `done`
    /// held. `done` is checked after every exchange, so an endless stream stops as soon as
    /// it holds.
    @discardableResult
    public func run(for limit: Duration, until done: () -> Bool) -> Bool {
        let end = now + limit
        while now < end {
            if done() { return true }
            let moved = exchange()
            afterStep?(now)
            if done() { return true }
            if moved || hasWorkDue {
                now = now + stepTime
                continue
            }
            if let cap = maximumJump {
                now = max(now + stepTime, min(earliestDeadline ?? now + cap, now + cap))
                continue
            }
            guard let next = earliestDeadline else { return done() }
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
                let port = Port(node: node, interface: interface)
                guard !box.frames.isEmpty, let peer = peers[port] else { continue }
                moved = true
                var frames = box.frames
                box.frames.removeAll(keepingCapacity: true)
                if let lost = loses[port] { frames.removeAll(where: lost) }
                if let faults = faults[port] {
                    let offered = frames
                    frames.removeAll(keepingCapacity: true)
                    for frame in offered { faults.process(frame, into: &frames) }
                }
                for frame in frames {
                    frame.withUnsafeBytes { stacks[peer.node].receive(frame: $0, on: peer.interface, now: now) }
                }
            }
        }
        for node in stacks.indices { poll(node) }
        return moved
    }

    /// Frames waiting on a link, or a stack with work due now.
    private var hasWorkDue: Bool {
        for (node, boxes) in outboxes.enumerated() {
            for (interface, box) in boxes.enumerated()
            where !box.frames.isEmpty && peers[Port(node: node, interface: interface)] != nil { return true }
        }
        return stacks.contains { $0.nextDeadline.map { $0 <= now } ?? false }
    }
}
