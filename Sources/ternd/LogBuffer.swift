import Glibc

/// Info and debug log lines gathered while the event loop works and written in one go
/// before it sleeps: the web server logs every request, and a write(2) per line would cost
/// more than serving a small file. Warnings and errors go out at once (with anything
/// gathered before them, so the order holds), as does a full buffer.
///
/// ternd is single-threaded; the lock only keeps the type honest about `Sendable`.
final class LogBuffer: @unchecked Sendable {
    static let shared = LogBuffer()

    private var pending: [UInt8] = []
    private var lock = pthread_mutex_t()
    /// Flush when this much has gathered.
    private let limit = 64 * 1024

    private init() {
        pthread_mutex_init(&lock, nil)
        pending.reserveCapacity(limit)
    }

    /// Adds a line that `write` appends to the buffer (it must not log); writes everything
    /// now when `urgent` or when the buffer is full.
    func appendLine(urgent: Bool, _ write: (inout [UInt8]) -> Void) {
        pthread_mutex_lock(&lock)
        write(&pending)
        pending.append(UInt8(ascii: "\n"))
        let flushNow = urgent || pending.count >= limit
        pthread_mutex_unlock(&lock)
        if flushNow { flush() }
    }

    /// Writes what has gathered to stderr.
    func flush() {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        guard !pending.isEmpty else { return }
        pending.withUnsafeBytes { Output.writeAll($0, to: 2) }
        pending.removeAll(keepingCapacity: true)
    }
}
