// Measures the protocol engine alone: two stacks joined in memory move a bulk TCP stream,
// with no syscalls, so the time per segment is what the engine itself costs.
import Glibc
import TernStack
import TernTestSupport
import TernWire

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
let b = IPv4Address(10, 0, 0, 2)
// Two stacks on the shared test harness; each exchange takes 20 µs of virtual time.
let network = StackNetwork(stepTime: .microseconds(20))
try network.add([StackNetwork.interface("eth0", "10.0.0.1/24")], seed: 1)
try network.add([StackNetwork.interface("eth0", "10.0.0.2/24")], seed: 2)
let stackA = network.stacks[0], stackB = network.stacks[1]
network.connect(.init(node: 0, interface: 0), .init(node: 1, interface: 0))
let sink = Sink()
let listener = try stackB.listenTCP(port: 9)
listener.delegate = sink
let source = Source(total: total)
let connection = try stackA.connectTCP(to: b, port: 9)
connection.delegate = source

let start = monotonicSeconds()
network.run(for: .seconds(1_000_000)) { sink.received >= total }
let framesAB = Int(stackA.counters[.framesSent])
let seconds = monotonicSeconds() - start
print("\(total / 1_000_000) MB in \(decimal(seconds, 3)) s: \(decimal(Double(total) * 8 / seconds / 1e9, 2)) Gbit/s "
      + "engine-only (both ends), \(decimal(seconds * 1e9 / Double(framesAB), 0)) ns per data segment")

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// `value` rounded to `digits` decimals, as printf's %.Nf would print it.
func decimal(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "?" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((value * scale).rounded())
    guard digits > 0 else { return String(scaled) }
    let whole = String(scaled / Int(scale))
    var fraction = String(abs(scaled) % Int(scale))
    while fraction.count < digits { fraction = "0" + fraction }
    return whole + "." + fraction
}
