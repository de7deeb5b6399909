/// How lossy a link direction is: the probability (0–1) of each fault for every frame.
///
/// - drop: the frame is lost.
/// - duplicate: the frame arrives twice in a row.
/// - reorder: the frame is held back and arrives after the next one.
/// - corrupt: one bit after the Ethernet header is flipped.
public struct FaultProfile: Sendable, Hashable, CustomStringConvertible {
    public let drop: Double
    public let duplicate: Double
    public let reorder: Double
    public let corrupt: Double

    /// A profile with the given probabilities; each must lie in 0 ... 1.
    public init(drop: Double = 0, duplicate: Double = 0, reorder: Double = 0, corrupt: Double = 0)
        throws(InvalidProbability)
    {
        for (name, value) in [("drop", drop), ("duplicate", duplicate), ("reorder", reorder), ("corrupt", corrupt)] {
            guard value >= 0, value <= 1 else { throw InvalidProbability(fault: name, value: value) }
        }
        self.drop = drop
        self.duplicate = duplicate
        self.reorder = reorder
        self.corrupt = corrupt
    }

    private init(unchecked drop: Double, _ duplicate: Double, _ reorder: Double, _ corrupt: Double) {
        self.drop = drop
        self.duplicate = duplicate
        self.reorder = reorder
        self.corrupt = corrupt
    }

    /// A perfect link.
    public static let none = FaultProfile(unchecked: 0, 0, 0, 0)

    /// Whether every probability is zero.
    public var isNone: Bool { self == .none }

    public var description: String {
        "drop \(drop), duplicate \(duplicate), reorder \(reorder), corrupt \(corrupt)"
    }

    /// A probability outside 0 ... 1 (or not a number).
    public struct InvalidProbability: Error, Sendable, Equatable, CustomStringConvertible {
        /// Which fault: "drop", "duplicate", "reorder" or "corrupt".
        public let fault: String
        public let value: Double

        public init(fault: String, value: Double) {
            self.fault = fault
            self.value = value
        }

        public var description: String {
            "the \(fault) probability must be between 0 and 1, not \(value)"
        }

        public static func == (a: InvalidProbability, b: InvalidProbability) -> Bool {
            a.fault == b.fault && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
        }
    }
}

/// What a `FaultInjector` did to one direction of traffic.
public struct FaultCounters: Sendable, Hashable {
    /// Frames that entered the injector in this direction.
    public var frames = 0
    public var dropped = 0
    /// Frames sent a second time.
    public var duplicated = 0
    /// Frames held back to arrive after their successor.
    public var reordered = 0
    public var corrupted = 0

    public init() {}
}
