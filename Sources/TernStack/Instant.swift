/// A point on the stack's clock: nanoseconds since an arbitrary origin.
///
/// The engine never reads a clock itself. The daemon passes the monotonic time into every
/// call; tests pass a virtual clock, so every timer-driven behaviour is reproducible.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64

    @inline(__always)
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)
    /// Later than any deadline the stack will ever set.
    public static let distantFuture = Instant(nanoseconds: .max)

    public static func milliseconds(_ ms: UInt64) -> Instant { Instant(nanoseconds: ms &* 1_000_000) }
    public static func seconds(_ s: UInt64) -> Instant { Instant(nanoseconds: s &* 1_000_000_000) }

    /// Milliseconds since the origin (the clock of TCP timestamps).
    public var milliseconds: UInt64 { nanoseconds / 1_000_000 }

    @inline(__always)
    public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }

    /// The instant `d` later, saturating at `distantFuture`.
    @inline(__always)
    public static func + (a: Instant, d: Duration) -> Instant {
        let (sum, overflow) = a.nanoseconds.addingReportingOverflow(d.nanosecondCount)
        return overflow ? .distantFuture : Instant(nanoseconds: sum)
    }

    /// The instant `nanoseconds` later, saturating (cheaper than adding a `Duration`).
    @inline(__always)
    public func adding(nanoseconds n: UInt64) -> Instant {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(n)
        return overflow ? .distantFuture : Instant(nanoseconds: sum)
    }

    /// The time from `b` to `a`, zero if `a` is earlier.
    @inline(__always)
    public static func - (a: Instant, b: Instant) -> Duration {
        a.nanoseconds > b.nanoseconds ? .nanoseconds(Int64(clamping: a.nanoseconds - b.nanoseconds)) : .zero
    }

    /// The earlier of two optional deadlines (nil means none).
    @inline(__always)
    public static func earliest(_ a: Instant?, _ b: Instant?) -> Instant? {
        guard let a else { return b }
        guard let b else { return a }
        return a < b ? a : b
    }

    public var description: String {
        let ms = nanoseconds / 1_000_000
        return "\(ms / 1000).\(String(ms % 1000 + 1000).dropFirst())s"
    }
}

extension Duration {
    /// The duration in whole nanoseconds, zero for negative durations, saturating.
    @inline(__always)
    public var nanosecondCount: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        return whole &+ UInt64(attoseconds / 1_000_000_000)
    }

    /// The duration in whole milliseconds (rounded down).
    public var millisecondCount: UInt64 { nanosecondCount / 1_000_000 }
}
