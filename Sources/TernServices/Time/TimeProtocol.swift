/// The Time Protocol (RFC 868): seconds since 1900-01-01 00:00 UTC as a 32-bit unsigned
/// big-endian integer.
public enum TimeProtocol {
    /// Seconds from 1900-01-01 to 1970-01-01 (70 years, 17 of them leap).
    public static let unixEpochOffset: Int64 = 2_208_988_800

    /// The RFC 868 value for a Unix time. It wraps modulo 2^32, which first happens on
    /// 2036-02-07 06:28:16 UTC (Unix time 2,085,978,496).
    public static func timeValue(unixTime: Int64) -> UInt32 {
        UInt32(truncatingIfNeeded: unixTime &+ unixEpochOffset)
    }

    /// The 4 bytes sent on the wire for a Unix time.
    public static func encoded(unixTime: Int64) -> [UInt8] {
        let value = timeValue(unixTime: unixTime)
        return [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }
}
