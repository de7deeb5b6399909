/// An IPv6 address: 128 bits held as two 64-bit halves, most significant byte first on the
/// wire, so comparison and hashing are two integer operations.
///
/// Text forms (RFC 4291 §2.2 in, RFC 5952 out) are in IPv6AddressText.swift; kinds,
/// multicast groups and interface identifiers in IPv6AddressKinds.swift.
public struct IPv6Address: Hashable, Sendable, Comparable {
    /// Bytes 0–7 of the address; byte 0 is the top byte.
    public let high: UInt64
    /// Bytes 8–15 of the address: for unicast addresses, the interface identifier.
    public let low: UInt64

    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The address as one 128-bit number (the first byte on the wire at the top).
    @inlinable
    public init(rawValue: UInt128) {
        high = UInt64(truncatingIfNeeded: rawValue >> 64)
        low = UInt64(truncatingIfNeeded: rawValue)
    }

    /// The address as one 128-bit number, for arithmetic on prefixes.
    @inlinable
    public var rawValue: UInt128 { UInt128(high) << 64 | UInt128(low) }

    /// The address from its eight 16-bit groups, as written: `IPv6Address(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)`.
    public init(_ g0: UInt16, _ g1: UInt16, _ g2: UInt16, _ g3: UInt16,
                _ g4: UInt16, _ g5: UInt16, _ g6: UInt16, _ g7: UInt16) {
        high = UInt64(g0) << 48 | UInt64(g1) << 32 | UInt64(g2) << 16 | UInt64(g3)
        low = UInt64(g4) << 48 | UInt64(g5) << 32 | UInt64(g6) << 16 | UInt64(g7)
    }

    /// The address from its sixteen bytes in wire order; nil unless there are exactly 16.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        for (i, byte) in bytes.enumerated() {
            if i < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.high = high
        self.low = low
    }

    /// The address in the sixteen bytes at `offset` of `buffer`, in wire order; nil when they
    /// do not fit. Two loads: for hot paths, where the generic `init(bytes:)` costs a runtime
    /// type lookup per call.
    @inlinable @inline(__always)
    public init?(in buffer: UnsafeRawBufferPointer, at offset: Int) {
        guard offset >= 0, offset <= buffer.count - 16 else { return nil }
        self.init(loadingFrom: buffer, at: offset)
    }

    /// `::`, the unspecified address: the source of a packet sent before an address is known.
    public static let unspecified = IPv6Address(high: 0, low: 0)
    /// `::1`.
    public static let loopback = IPv6Address(high: 0, low: 1)

    /// The byte at `index` (0…15) in wire order.
    public subscript(byte index: Int) -> UInt8 {
        let half = index < 8 ? high : low
        return UInt8(truncatingIfNeeded: half >> UInt64(8 * (7 - index & 7)))
    }

    /// The 16-bit group at `index` (0…7), as the text form numbers them from the left.
    public func group(_ index: Int) -> UInt16 {
        let half = index < 4 ? high : low
        return UInt16(truncatingIfNeeded: half >> UInt64(16 * (3 - index & 3)))
    }

    /// The sixteen bytes in wire order.
    public var bytes: [UInt8] { (0..<16).map { self[byte: $0] } }

    public static func < (a: IPv6Address, b: IPv6Address) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }

    /// Reads sixteen bytes at `offset`; the caller has checked the bounds.
    @inlinable @inline(__always)
    init(loadingFrom buffer: UnsafeRawBufferPointer, at offset: Int) {
        high = buffer.u64(offset)
        low = buffer.u64(offset + 8)
    }

    /// Writes the sixteen bytes at `offset`; the caller has checked the bounds.
    @inlinable @inline(__always)
    func store(to buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        buffer.setU64(offset, high)
        buffer.setU64(offset + 8, low)
    }
}
