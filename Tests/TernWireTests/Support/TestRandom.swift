/// A seeded generator (SplitMix64) so randomised tests are reproducible: a failure reports
/// its seed and can be replayed.
struct TestRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// Bytes as `0a 1b 2c`, for failure messages.
func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef")
    return bytes.map { "\(digits[Int($0 >> 4)])\(digits[Int($0 & 0xF)])" }.joined(separator: " ")
}

/// Where two byte arrays first differ, for failure messages ("" when equal).
func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
    if a == b { return "" }
    let common = min(a.count, b.count)
    for i in 0..<common where a[i] != b[i] {
        return "first difference at byte \(i): \(hex([a[i]])) vs \(hex([b[i]]))"
    }
    return "lengths differ: \(a.count) vs \(b.count)"
}
