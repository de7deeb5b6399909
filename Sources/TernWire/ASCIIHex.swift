/// Hexadecimal digits as text protocols write them: MAC addresses here, percent-encoding,
/// HTTP chunk sizes and JSON escapes in the services.
public enum ASCIIHex {
    /// The value of one ASCII hex digit (`0`–`9`, `a`–`f`, `A`–`F`), or nil for any other byte.
    @inlinable
    public static func value(of c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
