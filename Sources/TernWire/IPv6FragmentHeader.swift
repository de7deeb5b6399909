/// The 8-byte fragment header (RFC 8200 §4.5): where this fragment's data lies in the
/// original packet's fragmentable part, whether more follow, and the identification shared
/// by all fragments of one packet.
public struct IPv6FragmentHeader: Hashable, Sendable {
    public static let size = 8

    /// The type of the first header of the fragmentable part (in the first fragment, the
    /// header that follows; in the others, the same value).
    public var nextHeader: IPProtocol
    /// Offset of this fragment's data in units of 8 bytes (13 bits).
    public var fragmentOffset: UInt16
    /// The M flag: more fragments follow.
    public var moreFragments: Bool
    public var identification: UInt32
    /// The reserved byte after the next header: sent as zero, ignored on receipt, kept so
    /// a header rebuilds exactly.
    public var reserved: UInt8
    /// The two reserved bits before the M flag, likewise.
    public var reservedBits: UInt8

    public init(nextHeader: IPProtocol, fragmentOffset: UInt16, moreFragments: Bool, identification: UInt32,
                reserved: UInt8 = 0, reservedBits: UInt8 = 0) {
        self.nextHeader = nextHeader
        self.fragmentOffset = fragmentOffset
        self.moreFragments = moreFragments
        self.identification = identification
        self.reserved = reserved
        self.reservedBits = reservedBits
    }

    /// The offset in bytes.
    public var fragmentByteOffset: Int { Int(fragmentOffset) * 8 }
    /// Whether this is a fragment of a larger packet: an "atomic fragment" (offset 0, M
    /// clear, RFC 6946) is not, and is processed as a whole packet.
    public var isFragment: Bool { fragmentOffset != 0 || moreFragments }

    /// Parses the header at the start of `bytes`.
    @inlinable @inline(__always)
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> IPv6FragmentHeader {
        guard bytes.count >= size else { throw .truncated }
        let field = bytes.u16(2)
        return IPv6FragmentHeader(nextHeader: IPProtocol(rawValue: bytes.u8(0)), fragmentOffset: field >> 3,
                                  moreFragments: field & 1 != 0, identification: bytes.u32(4),
                                  reserved: bytes.u8(1), reservedBits: UInt8(truncatingIfNeeded: field >> 1) & 0x3)
    }

    /// Writes the 8 bytes at the start of `buffer`; returns 8.
    @discardableResult @inline(__always)
    public func write(to buffer: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        guard fragmentOffset < 1 << 13 else { throw .badLength }
        guard buffer.count >= IPv6FragmentHeader.size else { throw .bufferTooSmall }
        buffer.setU8(0, nextHeader.rawValue)
        buffer.setU8(1, reserved)
        buffer.setU16(2, fragmentOffset << 3 | UInt16(reservedBits & 0x3) << 1 | (moreFragments ? 1 : 0))
        buffer.setU32(4, identification)
        return IPv6FragmentHeader.size
    }
}
