// Measures the protocol engine alone: two stacks joined in memory move a bulk TCP stream,
// with no syscalls, so the time per segment is what the engine itself costs.
import Foundation
import TernStack
import TernWire

final class Link: FrameTransmitter {
    var frames: [[UInt8]] = []
    func transmit(_ frame: UnsafeRawBufferPointer) { frames.append(Array(frame)) }
}

final class Sink: TCPConnectionDelegate, TCPListenerDelegate {
    var received = 0
    func listenerHasConnections(_ listener: TCPListener) {
        while let c = listener.accept() { c.delegate = self }
    }
    func connectionDidReceive(_ connection: TCPConnection) {
        while true {
            let n = connection.read { $0.count }
            if n == 0 { break }
            received += n
        }
    }
}

final class Source: TCPConnectionDelegate {
    let total: Int
    var sent = 0
    init(total: Int) { self.total = total }
    func fill(_ connection: TCPConnection) {
        while sent < total {
            let n = connection.write(maxLength: total - sent) { region in region.count }
            if n == 0 { break }
            sent += n
        }
    }
    func connectionDidConnect(_ connection: TCPConnection) { fill(connection) }
    func connectionCanSend(_ connection: TCPConnection) { fill(connection) }
}

let total = (CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 200) * 1_000_000
let a = IPv4Address(10, 0, 0, 1), b = IPv4Address(10, 0, 0, 2)
let toB = Link(), toA = Link()
var now = Instant.seconds(1)
let stackA = try NetworkStack(configuration: StackConfiguration(mac: StackConfiguration.defaultMAC(for: a),
    address: IPv4Subnet(address: a, prefixLength: 24)!, randomSeed: 1), transmitter: toB, now: now)
let stackB = try NetworkStack(configuration: StackConfiguration(mac: StackConfiguration.defaultMAC(for: b),
    address: IPv4Subnet(address: b, prefixLength: 24)!, randomSeed: 2), transmitter: toA, now: now)
let sink = Sink()
let listener = try stackB.listenTCP(port: 9)
listener.delegate = sink
let source = Source(total: total)
let connection = try stackA.connectTCP(to: b, port: 9)
connection.delegate = source

let start = Date()
var framesAB = 0
while sink.received < total {
    let ab = toB.frames; toB.frames.removeAll(keepingCapacity: true)
    framesAB += ab.count
    for f in ab { f.withUnsafeBytes { stackB.receive(frame: $0, now: now) } }
    stackB.poll(now: now)
    let ba = toA.frames; toA.frames.removeAll(keepingCapacity: true)
    for f in ba { f.withUnsafeBytes { stackA.receive(frame: $0, now: now) } }
    stackA.poll(now: now)
    now = now + .microseconds(20)
}
let seconds = Date().timeIntervalSince(start)
print(String(format: "%d MB in %.3f s: %.2f Gbit/s engine-only (both ends), %.0f ns per data segment",
             total / 1_000_000, seconds, Double(total) * 8 / seconds / 1e9, seconds * 1e9 / Double(framesAB)))
