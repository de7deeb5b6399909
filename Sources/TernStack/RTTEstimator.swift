/// The retransmission timeout of RFC 6298: smoothed RTT and its variation from samples,
/// clamped to configured bounds, doubled on each timeout.
struct RTTEstimator {
    /// Nanoseconds; nil until the first sample.
    private(set) var smoothed: UInt64?
    private(set) var variation: UInt64 = 0
    /// The current timeout in nanoseconds, backoff included.
    private(set) var timeout: UInt64
    let minimum: UInt64
    let maximum: UInt64
    /// Clock granularity G of RFC 6298 (our clock is the caller's nanoseconds; TCP
    /// timestamps tick in milliseconds).
    static let granularity: UInt64 = 1_000_000

    init(initial: Duration, minimum: Duration, maximum: Duration) {
        self.minimum = minimum.nanosecondCount
        self.maximum = max(maximum.nanosecondCount, self.minimum)
        timeout = min(max(initial.nanosecondCount, self.minimum), self.maximum)
    }

    /// Takes a round-trip sample (RFC 6298 §2.2–2.3, α = 1/8, β = 1/4) and recomputes the
    /// timeout, which also clears any backoff.
    mutating func sample(_ rtt: UInt64) {
        if let srtt = smoothed {
            let delta = srtt > rtt ? srtt - rtt : rtt - srtt
            variation = (3 * variation + delta) / 4
            smoothed = (7 * srtt + rtt) / 8
        } else {
            smoothed = rtt
            variation = rtt / 2
        }
        let srtt = smoothed ?? rtt
        let candidate = srtt &+ max(RTTEstimator.granularity, 4 &* variation)
        timeout = min(max(candidate, minimum), maximum)
    }

    /// Doubles the timeout after a retransmission timeout (RFC 6298 §5.5).
    mutating func backOff() {
        timeout = min(timeout &* 2, maximum)
    }
}
