/// A TCP sequence number: a 32-bit counter compared modulo 2^32 (RFC 9293 §3.4).
///
/// `a < b` means `a` comes before `b` in sequence space, i.e. the signed distance
/// `b - a` is positive. The ordering is only meaningful for numbers less than 2^31 apart,
/// which is why the type offers comparison operators but does not claim `Comparable`.
public struct SequenceNumber: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    @inline(__always)
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    @inline(__always)
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    public var description: String { String(rawValue) }

    /// The number `n` positions later, wrapping.
    @inline(__always)
    public static func + (a: SequenceNumber, n: UInt32) -> SequenceNumber {
        SequenceNumber(rawValue: a.rawValue &+ n)
    }

    /// The number `n` positions later (or earlier for negative `n`), wrapping.
    @inline(__always)
    public static func + (a: SequenceNumber, n: Int) -> SequenceNumber {
        SequenceNumber(rawValue: a.rawValue &+ UInt32(truncatingIfNeeded: n))
    }

    @inline(__always)
    public static func += (a: inout SequenceNumber, n: Int) { a = a + n }

    @inline(__always)
    public static func - (a: SequenceNumber, n: Int) -> SequenceNumber {
        SequenceNumber(rawValue: a.rawValue &- UInt32(truncatingIfNeeded: n))
    }

    /// The signed distance from `b` to `a` (positive when `a` is after `b`).
    @inline(__always)
    public static func - (a: SequenceNumber, b: SequenceNumber) -> Int {
        Int(Int32(bitPattern: a.rawValue &- b.rawValue))
    }

    @inline(__always)
    public static func < (a: SequenceNumber, b: SequenceNumber) -> Bool { (a - b) < 0 }
    @inline(__always)
    public static func <= (a: SequenceNumber, b: SequenceNumber) -> Bool { (a - b) <= 0 }
    @inline(__always)
    public static func > (a: SequenceNumber, b: SequenceNumber) -> Bool { (a - b) > 0 }
    @inline(__always)
    public static func >= (a: SequenceNumber, b: SequenceNumber) -> Bool { (a - b) >= 0 }

    /// The later of two numbers in sequence space.
    @inline(__always)
    public static func max(_ a: SequenceNumber, _ b: SequenceNumber) -> SequenceNumber { a > b ? a : b }
    /// The earlier of two numbers in sequence space.
    @inline(__always)
    public static func min(_ a: SequenceNumber, _ b: SequenceNumber) -> SequenceNumber { a < b ? a : b }
}
