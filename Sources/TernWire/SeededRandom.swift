/// The xoshiro256** pseudo-random generator (Blackman and Vigna), seeded through
/// splitmix64: small, fast, and the same sequence for the same seed on every machine and
/// toolchain. The engine draws every random choice from one (initial sequence numbers,
/// ports, identifications), the fault injector its faults, so a test that fixes the seed
/// sees the same run every time. It lives here, at the bottom of the layers, so that both
/// can use it. Not for cryptography.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator whose whole sequence follows from `seed`.
    public init(seed: UInt64) {
        // splitmix64 spreads any seed, zero included, over the 256-bit state.
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix()
        s1 = splitmix()
        s2 = splitmix()
        s3 = splitmix()
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniform value in [0, 1), from the top 53 bits.
    public mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `p` (never for p ≤ 0, always for p ≥ 1).
    public mutating func chance(_ p: Double) -> Bool {
        nextUnitInterval() < p
    }

    /// A value in 0 ..< bound (0 when bound is 0), by multiply-and-take-high-word. The bias
    /// is below 2⁻⁴⁰ for bounds under 2²⁴, and the result depends only on the sequence, not
    /// on the standard library's algorithm.
    public mutating func nextValue(below bound: UInt64) -> UInt64 {
        next().multipliedFullWidth(by: bound).high
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}
