import Glibc

/// Stops the process when an invariant fails: libFuzzer reports the trap as a crash and saves
/// the input, and the message names the invariant.
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

/// A deterministic byte pattern for payloads the script only gives a length for, so inputs
/// stay short while segments and datagrams can be large.
public func patternBytes(count: Int, seed: UInt8) -> [UInt8] {
    guard count > 0 else { return [] }
    return (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
}

/// Keeps results alive so the optimiser cannot drop the work that made them.
@inline(never)
public func sink(_ value: Int) {
    sinkValue &+= value
}

nonisolated(unsafe) private var sinkValue = 0

/// Writes a line to standard output at once, unbuffered, so a trace is complete up to the
/// point where an invariant stops the process.
public func traceLine(_ line: String) {
    var bytes = Array(line.utf8)
    bytes.append(10)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
        if n <= 0 { return }
        offset += n
    }
}
