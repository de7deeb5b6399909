@testable import TernStack
import TernLink
import TernWire

/// Hands a stack's frames to a TernLink device.
final class DeviceTransmitter: FrameTransmitter {
    let device: any LinkDevice
    init(device: any LinkDevice) { self.device = device }
    func transmit(_ frame: UnsafeRawBufferPointer) { try? device.transmit(frame) }
}

/// Two engines on an in-memory link, optionally made lossy by a FaultInjector, run on one
/// virtual clock. Each step delivers what is waiting and polls both stacks; when nothing is
/// in flight the clock jumps to the earliest deadline.
final class SimulatedNetwork {
    static let addressA = IPv4Address(10, 0, 0, 1)
    static let addressB = IPv4Address(10, 0, 0, 2)

    let a: NetworkStack
    let b: NetworkStack
    let deviceA: any LinkDevice
    let deviceB: any LinkDevice
    let injector: FaultInjector?
    var now = Instant.seconds(1)
    /// Time each exchange of frames takes on the link (a nonzero RTT for the estimator).
    let stepTime: Duration = .microseconds(50)
    private var batchA: FrameBatch
    private var batchB: FrameBatch

    init(faults: FaultProfile = .none, seed: UInt64 = 1, configure: (inout StackConfiguration) -> Void = { _ in }) throws {
        let (endA, endB) = MemoryLink.makePair(queueLimit: 4096)
        if faults.isNone {
            injector = nil
            deviceA = endA
        } else {
            let wrapped = FaultInjector(wrapping: endA, profile: faults, seed: seed)
            injector = wrapped
            deviceA = wrapped
        }
        deviceB = endB
        var configA = StackConfiguration(mac: StackConfiguration.defaultMAC(for: SimulatedNetwork.addressA),
                                         address: IPv4Subnet(address: SimulatedNetwork.addressA, prefixLength: 24)!,
                                         randomSeed: seed &+ 100)
        var configB = StackConfiguration(mac: StackConfiguration.defaultMAC(for: SimulatedNetwork.addressB),
                                         address: IPv4Subnet(address: SimulatedNetwork.addressB, prefixLength: 24)!,
                                         randomSeed: seed &+ 200)
        configure(&configA)
        configure(&configB)
        a = try NetworkStack(configuration: configA, transmitter: DeviceTransmitter(device: deviceA), now: now)
        b = try NetworkStack(configuration: configB, transmitter: DeviceTransmitter(device: deviceB), now: now)
        batchA = deviceA.makeBatch(capacity: 64)
        batchB = deviceB.makeBatch(capacity: 64)
    }

    /// Runs until `done` holds or `limit` of virtual time passes; returns whether `done` held.
    @discardableResult
    func run(for limit: Duration, until done: () -> Bool) -> Bool {
        let end = now + limit
        while now < end {
            if done() { return true }
            let sentBefore = a.counters[.framesSent] + b.counters[.framesSent]
            let movedA = pump(deviceA, &batchA, into: a)
            let movedB = pump(deviceB, &batchB, into: b)
            a.poll(now: now)
            b.poll(now: now)
            let sent = a.counters[.framesSent] + b.counters[.framesSent] != sentBefore
            if movedA || movedB || sent {
                now = now + stepTime
                continue
            }
            guard let next = Instant.earliest(a.nextDeadline, b.nextDeadline) else { return done() }
            now = max(now + stepTime, next)
        }
        return done()
    }

    private func pump(_ device: any LinkDevice, _ batch: inout FrameBatch, into stack: NetworkStack) -> Bool {
        var moved = false
        while let n = try? device.receive(into: &batch), n > 0 {
            moved = true
            for i in 0..<n { stack.receive(frame: batch[i], now: now) }
        }
        return moved
    }
}

/// A deterministic byte stream: byte i of stream `seed`.
func patternByte(_ index: Int, seed: UInt8) -> UInt8 {
    UInt8(truncatingIfNeeded: (index &* 2_654_435_761) >> 13) ^ seed
}

/// One side of a bulk transfer: sends `total` pattern bytes, checks the peer's stream
/// byte by byte, half-closes when done sending.
final class BulkEndpoint: TCPConnectionDelegate, TCPListenerDelegate {
    let total: Int
    let sendSeed: UInt8
    let receiveSeed: UInt8
    var sent = 0
    var received = 0
    var mismatches = 0
    var endOfStream = false
    var closedError: SocketError??
    var connection: TCPConnection?
    var shutDown = false

    init(total: Int, sendSeed: UInt8, receiveSeed: UInt8) {
        self.total = total
        self.sendSeed = sendSeed
        self.receiveSeed = receiveSeed
    }

    func attach(_ connection: TCPConnection) {
        self.connection = connection
        connection.delegate = self
        fill(connection)
    }

    func listenerHasConnections(_ listener: TCPListener) {
        while let c = listener.accept() { attach(c) }
    }

    func connectionDidConnect(_ connection: TCPConnection) { fill(connection) }
    func connectionCanSend(_ connection: TCPConnection) { fill(connection) }

    func connectionDidReceive(_ connection: TCPConnection) {
        while true {
            let n = connection.read { bytes in
                for (i, byte) in bytes.enumerated() where byte != patternByte(received + i, seed: receiveSeed) {
                    mismatches += 1
                }
                return bytes.count
            }
            if n == 0 { break }
            received += n
        }
        if connection.isEndOfStream { endOfStream = true }
    }

    func connectionDidClose(_ connection: TCPConnection, error: SocketError?) { closedError = .some(error) }

    private func fill(_ connection: TCPConnection) {
        while sent < total {
            let n = connection.write(maxLength: total - sent) { region in
                for i in 0..<region.count { region[i] = patternByte(sent + i, seed: sendSeed) }
                return region.count
            }
            if n == 0 { break }
            sent += n
        }
        if sent == total && !shutDown {
            shutDown = true
            connection.shutdownWrite()
        }
    }

    var isDone: Bool { sent == total && received == total && endOfStream }
}
