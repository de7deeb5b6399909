import CShims
import Glibc

/// An epoll instance for a single-threaded event loop: register descriptors with a token,
/// then wait for readiness with a timeout taken from the next deadline.
///
/// Waiting fills a preallocated table of ready events, so the loop allocates nothing.
public final class EventPoller {
    /// Readiness conditions.
    public struct Events: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Data to read (EPOLLIN).
        public static let readable = Events(rawValue: EPOLLIN.rawValue)
        /// Room to write (EPOLLOUT).
        public static let writable = Events(rawValue: EPOLLOUT.rawValue)
        /// An error condition (EPOLLERR); always reported, no need to ask.
        public static let error = Events(rawValue: EPOLLERR.rawValue)
        /// The peer hung up (EPOLLHUP); always reported, no need to ask.
        public static let hangup = Events(rawValue: EPOLLHUP.rawValue)
    }

    /// One ready descriptor: the token it was registered with and what it is ready for.
    public struct ReadyEvent: Sendable, Hashable {
        public let token: UInt64
        public let events: Events
    }

    /// The most events one `wait` reports.
    public let capacity: Int

    private var descriptor: Int32
    private var tokens: [UInt64]
    private var masks: [UInt32]
    private var readyCount = 0

    /// Creates an epoll instance reporting at most `capacity` (1–64) events per wait.
    public init(capacity: Int = 64) throws(SystemError) {
        let result = tern_epoll_create()
        guard result >= 0 else {
            throw SystemError(code: -result, operation: "cannot create an epoll instance", subject: .other)
        }
        descriptor = result
        self.capacity = min(max(1, capacity), 64)
        tokens = [UInt64](repeating: 0, count: self.capacity)
        masks = [UInt32](repeating: 0, count: self.capacity)
    }

    deinit {
        close()
    }

    /// Watches `fd` for `events`; `wait` reports it with `token`.
    public func add(_ fd: Int32, events: Events = .readable, token: UInt64) throws(SystemError) {
        try check(tern_epoll_add(descriptor, fd, events.rawValue, token), "cannot watch descriptor \(fd)")
    }

    /// Changes what `fd` is watched for, and its token.
    public func modify(_ fd: Int32, events: Events, token: UInt64) throws(SystemError) {
        try check(tern_epoll_modify(descriptor, fd, events.rawValue, token), "cannot change the watch on descriptor \(fd)")
    }

    /// Stops watching `fd`.
    public func remove(_ fd: Int32) throws(SystemError) {
        try check(tern_epoll_remove(descriptor, fd), "cannot stop watching descriptor \(fd)")
    }

    /// Waits until a watched descriptor is ready or `timeoutMilliseconds` pass (negative:
    /// wait indefinitely; 0: just look). Returns how many events are ready (0 on timeout or
    /// when a signal interrupted the wait); read them with `readyEvent(at:)`.
    public func wait(timeoutMilliseconds: Int32) throws(SystemError) -> Int {
        readyCount = 0
        guard descriptor >= 0 else {
            throw SystemError(code: EBADF, operation: "the epoll instance is closed")
        }
        let result = tokens.withUnsafeMutableBufferPointer { tokens in
            masks.withUnsafeMutableBufferPointer { masks in
                tern_epoll_wait(descriptor, tokens.baseAddress, masks.baseAddress, Int32(capacity), timeoutMilliseconds)
            }
        }
        if result == -EINTR { return 0 }
        try check(result, "cannot wait for events")
        readyCount = Int(result)
        return readyCount
    }

    /// Ready event `index` (0 ..< the count `wait` returned).
    public func readyEvent(at index: Int) -> ReadyEvent {
        precondition(index >= 0 && index < readyCount, "ready event index out of range")
        return ReadyEvent(token: tokens[index], events: Events(rawValue: masks[index]))
    }

    /// The timeout for `wait` that wakes the loop at `deadline` (monotonic nanoseconds, as
    /// from `MonotonicClock.nanoseconds()`), rounded up to whole milliseconds so the loop
    /// does not wake just before its deadline and spin. Nil deadline: wait indefinitely (-1).
    public static func timeout(until deadline: UInt64?, now: UInt64) -> Int32 {
        guard let deadline else { return -1 }
        guard deadline > now else { return 0 }
        let milliseconds = (deadline - now) / 1_000_000 + ((deadline - now) % 1_000_000 == 0 ? 0 : 1)
        return Int32(clamping: milliseconds)
    }

    /// Closes the epoll instance.
    public func close() {
        guard descriptor >= 0 else { return }
        _ = Glibc.close(descriptor)
        descriptor = -1
    }

    private func check(_ result: Int32, _ what: String) throws(SystemError) {
        guard result < 0 else { return }
        throw SystemError(code: -result, operation: what, subject: .other)
    }
}
