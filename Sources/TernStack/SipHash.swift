/// SipHash-2-4 (Aumasson and Bernstein): a keyed hash that an attacker who does not know
/// the key cannot predict. TCP uses it for initial sequence numbers (RFC 6528) and
/// timestamp offsets, so an off-path attacker cannot guess them.
struct SipHash {
    private var v0: UInt64, v1: UInt64, v2: UInt64, v3: UInt64

    init(key0: UInt64, key1: UInt64) {
        v0 = key0 ^ 0x736F_6D65_7073_6575
        v1 = key1 ^ 0x646F_7261_6E64_6F6D
        v2 = key0 ^ 0x6C79_6765_6E65_7261
        v3 = key1 ^ 0x7465_6462_7974_6573
    }

    @inline(__always)
    private mutating func round() {
        v0 &+= v1; v1 = v1 << 13 | v1 >> 51; v1 ^= v0; v0 = v0 << 32 | v0 >> 32
        v2 &+= v3; v3 = v3 << 16 | v3 >> 48; v3 ^= v2
        v0 &+= v3; v3 = v3 << 21 | v3 >> 43; v3 ^= v0
        v2 &+= v1; v1 = v1 << 17 | v1 >> 47; v1 ^= v2; v2 = v2 << 32 | v2 >> 32
    }

    @inline(__always)
    private mutating func compress(_ m: UInt64) {
        v3 ^= m
        round()
        round()
        v0 ^= m
    }

    /// Hashes two 64-bit words (16 bytes of input, little-endian as the reference does).
    static func hash(key0: UInt64, key1: UInt64, _ m0: UInt64, _ m1: UInt64) -> UInt64 {
        var s = SipHash(key0: key0, key1: key1)
        s.compress(m0)
        s.compress(m1)
        // Final block: only the length byte (16 bytes of input).
        let last: UInt64 = 16 << 56
        s.v3 ^= last
        s.round()
        s.round()
        s.v0 ^= last
        s.v2 ^= 0xFF
        s.round()
        s.round()
        s.round()
        s.round()
        return s.v0 ^ s.v1 ^ s.v2 ^ s.v3
    }
}
