/// A token bucket: `rate` tokens per second, at most `burst` saved up. Integer arithmetic in
/// nanosecond-tokens, so it is exact and deterministic under a virtual clock.
struct TokenBucket {
    private let rate: UInt64
    private let capacity: UInt64
    /// Tokens × 10^9.
    private var level: UInt64
    private var last: Instant

    init(rate: Int, burst: Int, now: Instant = .zero) {
        self.rate = UInt64(max(0, rate))
        self.capacity = UInt64(max(1, burst)) * 1_000_000_000
        self.level = capacity
        self.last = now
    }

    /// Takes one token if there is one.
    mutating func take(now: Instant) -> Bool {
        if now > last {
            let elapsed = now.nanoseconds - last.nanoseconds
            let (refill, overflow) = elapsed.multipliedReportingOverflow(by: rate)
            level = overflow ? capacity : min(capacity, level + min(refill, capacity))
            last = now
        }
        guard level >= 1_000_000_000 else { return false }
        level -= 1_000_000_000
        return true
    }
}
