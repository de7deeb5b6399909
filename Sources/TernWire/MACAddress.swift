/// A 48-bit IEEE 802 MAC address.
///
/// Stored in the low 48 bits of a `UInt64`, most significant byte first on the wire, so
/// comparison and hashing are single integer operations.
public struct MACAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The address as an integer: byte 0 of the address in bits 40–47.
    public let rawValue: UInt64

    /// Creates an address from its integer form; bits above 47 are ignored.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue & 0xFFFF_FFFF_FFFF
    }

    /// Creates an address from its six bytes in wire order.
    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ b4: UInt8, _ b5: UInt8) {
        var v = UInt64(b0) << 40 | UInt64(b1) << 32 | UInt64(b2) << 24
        v |= UInt64(b3) << 16 | UInt64(b4) << 8 | UInt64(b5)
        self.rawValue = v
    }

    /// Parses `aa:bb:cc:dd:ee:ff` or `aa-bb-cc-dd-ee-ff` (one separator style throughout,
    /// two hex digits per byte, either case).
    public init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 17 else { return nil }
        let separator = utf8[2]
        guard separator == UInt8(ascii: ":") || separator == UInt8(ascii: "-") else { return nil }
        var value: UInt64 = 0
        for i in 0..<6 {
            let base = i * 3
            if i > 0 && utf8[base - 1] != separator { return nil }
            guard let hi = ASCIIHex.value(of: utf8[base]), let lo = ASCIIHex.value(of: utf8[base + 1]) else { return nil }
            value = value << 8 | UInt64(hi << 4 | lo)
        }
        self.rawValue = value
    }

    /// ff:ff:ff:ff:ff:ff.
    public static let broadcast = MACAddress(rawValue: 0xFFFF_FFFF_FFFF)
    /// 00:00:00:00:00:00, used as the unknown target in ARP requests.
    public static let zero = MACAddress(rawValue: 0)

    /// The byte at `index` (0…5) in wire order.
    public subscript(index: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: rawValue >> UInt64(8 * (5 - index)))
    }

    public var isBroadcast: Bool { rawValue == 0xFFFF_FFFF_FFFF }
    /// The group bit: the least significant bit of the first byte (broadcast included).
    public var isMulticast: Bool { self[0] & 0x01 != 0 }
    /// The locally administered bit: the second least significant bit of the first byte.
    public var isLocallyAdministered: Bool { self[0] & 0x02 != 0 }

    public var description: String {
        var out = ""
        out.reserveCapacity(17)
        for i in 0..<6 {
            if i > 0 { out.append(":") }
            out.append(hexDigits(self[i]))
        }
        return out
    }

    public static func < (a: MACAddress, b: MACAddress) -> Bool { a.rawValue < b.rawValue }

    /// Reads six bytes at `offset`; the caller has checked the bounds.
    @inlinable @inline(__always)
    init(loadingFrom buffer: UnsafeRawBufferPointer, at offset: Int) {
        let hi = UInt64(buffer.u16(offset))
        let lo = UInt64(buffer.u32(offset + 2))
        self.rawValue = hi << 32 | lo
    }

    /// Writes the six bytes at `offset`; the caller has checked the bounds.
    @inlinable @inline(__always)
    func store(to buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        buffer.setU16(offset, UInt16(truncatingIfNeeded: rawValue >> 32))
        buffer.setU32(offset + 2, UInt32(truncatingIfNeeded: rawValue))
    }
}

/// Two lowercase hex digits.
func hexDigits(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef".utf8)
    return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
}
