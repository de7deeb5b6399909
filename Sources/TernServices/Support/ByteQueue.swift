/// A first-in first-out run of bytes with cheap removal from the front.
///
/// Used for per-connection input and output that is produced in one place and consumed in
/// another (a socket that takes only part of what is offered, a request that arrives while
/// the previous response is still being sent).
struct ByteQueue: Sendable {
    private var storage: [UInt8] = []
    private var head = 0

    /// Above this many bytes of spare capacity an emptied queue gives its memory back, so an
    /// idle connection does not keep a burst's worth of buffer.
    private static let retainedCapacity = 16 * 1024

    var count: Int { storage.count - head }
    var isEmpty: Bool { head == storage.count }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        storage.append(contentsOf: bytes)
    }

    mutating func append(_ bytes: [UInt8]) {
        storage.append(contentsOf: bytes)
    }

    /// Drops the first `n` bytes (clamped to what is there).
    mutating func removeFirst(_ n: Int) {
        head += max(0, min(n, count))
        if head == storage.count {
            removeAll()
        } else if head >= 4096 && head * 2 >= storage.count {
            // Compact only when the dead prefix is at least half the storage, so each byte is
            // moved a bounded number of times.
            storage.removeFirst(head)
            head = 0
        }
    }

    mutating func removeAll() {
        storage.removeAll(keepingCapacity: storage.capacity <= Self.retainedCapacity)
        head = 0
    }

    /// Calls `body` with a view of the queued bytes, valid only during the call.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[head...]))
        }
    }
}
