/// How long an event loop spins on its device after traffic before sleeping: adaptive, so
/// that spinning happens only while it pays.
///
/// A spin that catches the next frame saves a sleep and a wake-up (latency, and the
/// context switches on both sides); a spin that runs out is pure waste, and on a machine
/// whose cores are all busy it also takes the CPU from the very peer whose answer it waits
/// for. So the budget halves after each spin that caught nothing, down to nothing, and
/// comes back in full as soon as a frame arrives within the longest budget of the loop
/// going idle, whether a spin caught it or a wake-up from sleep did (which shows a spin
/// would have). Pure arithmetic on times the caller passes in.
public struct BusyPollBudget: Sendable {
    /// The longest spin, in nanoseconds (0: never spin).
    public let maximum: UInt64
    /// The spin allowed now, in nanoseconds.
    public private(set) var current: UInt64

    /// Below this share of the maximum a spin is not worth starting: the budget drops to 0.
    static let floorDivisor: UInt64 = 8

    /// A budget of at most `maximum` nanoseconds, starting in full.
    public init(maximum: UInt64) {
        self.maximum = maximum
        current = maximum
    }

    /// Whether to spin at all now.
    public var shouldSpin: Bool { current > 0 }

    /// A spin ended: it caught a frame, or ran its whole budget out.
    public mutating func spinEnded(caughtFrame: Bool) {
        if caughtFrame {
            current = maximum
        } else {
            current /= 2
            if current < maximum / BusyPollBudget.floorDivisor { current = 0 }
        }
    }

    /// A frame arrived after the loop had slept (without spinning, or after a spin that
    /// ran out) for `idle` nanoseconds since its last traffic. Quick enough for a spin to
    /// have caught it: spinning is worth trying again.
    public mutating func wokeForFrame(afterIdle idle: UInt64) {
        if idle <= maximum { current = maximum }
    }
}
