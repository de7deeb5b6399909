/// An IPv4 address held as its 32-bit value (198.51.100.10 is 0xC633640A).
public struct IPv4Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The address as a host-order integer; the first dotted number is the top byte.
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses a dotted quad strictly, as `inet_pton` does: exactly four decimal numbers 0–255
    /// separated by dots, nothing before or after, no leading zeros (`010` would be 8 to
    /// `inet_aton` but 10 to a decimal reader, so it is refused). `256.1.1.1`, `1.2.3`,
    /// ` 1.2.3.4`, `1.2.3.4x` and `01.2.3.4` are rejected.
    public init?(_ text: some StringProtocol) {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var parts = 0
        for c in text.utf8 {
            if c == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | part
                parts += 1
                part = 0
                digits = 0
            } else if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                guard digits == 0 || part != 0 else { return nil }
                digits += 1
                guard digits <= 3 else { return nil }
                part = part * 10 + UInt32(c - UInt8(ascii: "0"))
                guard part <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        rawValue = value << 8 | part
    }

    /// 0.0.0.0.
    public static let any = IPv4Address(rawValue: 0)
    /// 255.255.255.255, the limited broadcast address.
    public static let broadcast = IPv4Address(rawValue: 0xFFFF_FFFF)

    /// The byte at `index` (0…3) in wire order.
    public subscript(index: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: rawValue >> UInt32(8 * (3 - index)))
    }

    public var isLimitedBroadcast: Bool { rawValue == 0xFFFF_FFFF }
    public var isUnspecified: Bool { rawValue == 0 }
    /// 224.0.0.0/4.
    public var isMulticast: Bool { rawValue >> 28 == 0xE }
    /// 127.0.0.0/8.
    public var isLoopback: Bool { rawValue >> 24 == 127 }

    public var description: String {
        "\(self[0]).\(self[1]).\(self[2]).\(self[3])"
    }

    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.rawValue < b.rawValue }
}
