/// The Internet checksum of RFC 1071: the one's complement of the one's complement sum of
/// the data taken as big-endian 16-bit words (an odd final byte padded with a zero).
///
/// The sum is accumulated in the machine's native byte order, which RFC 1071 §2(B) shows
/// gives the same result once the folded sum is swapped back; that lets the loop add whole
/// native words without a byte swap per word. Chunks may have any length: a chunk that
/// starts at an odd position in the data is swapped before it is added.
public struct InternetChecksum: Sendable {
    /// Native-order partial sum, kept below 2^33 between calls.
    @usableFromInline var sum: UInt64 = 0
    /// Whether an odd number of bytes has been added so far.
    @usableFromInline var odd = false

    @inlinable
    public init() {}

    /// Adds bytes that continue the data.
    @inlinable @inline(__always)
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var chunk = InternetChecksum.nativeSum(bytes)
        if odd {
            chunk = UInt64(InternetChecksum.fold(chunk).byteSwapped)
        }
        sum = InternetChecksum.fold32(sum + chunk)
        if bytes.count & 1 == 1 { odd.toggle() }
    }

    /// Adds a big-endian 16-bit word, as if its two bytes were next in the data.
    /// Must be called at an even position.
    @inlinable @inline(__always)
    public mutating func add(_ word: UInt16) {
        sum += UInt64(word.bigEndian)
    }

    /// Adds a 32-bit value as two big-endian words. Must be called at an even position.
    @inlinable @inline(__always)
    public mutating func add(_ word: UInt32) {
        sum += UInt64(UInt16(truncatingIfNeeded: word >> 16).bigEndian)
        sum += UInt64(UInt16(truncatingIfNeeded: word).bigEndian)
    }

    /// Adds the sum carried by another accumulator, which must cover an even number of bytes.
    @inlinable
    public mutating func add(_ other: InternetChecksum) {
        sum = InternetChecksum.fold32(sum + other.sum)
    }

    /// The one's complement sum so far, folded to 16 bits, in big-endian value order.
    @inlinable
    public var sum16: UInt16 {
        UInt16(bigEndian: InternetChecksum.fold(sum))
    }

    /// The checksum: the one's complement of the folded sum. Data that already contains a
    /// correct checksum field yields 0.
    @inlinable
    public var value: UInt16 { ~sum16 }

    /// The checksum of `bytes` alone.
    @inlinable @inline(__always)
    public static func compute(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var c = InternetChecksum()
        c.add(bytes)
        return c.value
    }

    /// The checksum of `bytes` alone.
    @inlinable
    public static func compute(_ bytes: [UInt8]) -> UInt16 {
        bytes.withUnsafeBytes { compute($0) }
    }

    /// An accumulator primed with the TCP/UDP pseudo-header of RFC 793/768: source (4),
    /// destination (4), zero, protocol, and the TCP/UDP length (header plus data).
    @inlinable @inline(__always)
    public static func pseudoHeader(source: IPv4Address, destination: IPv4Address,
                                    protocol proto: IPProtocol, length: Int) -> InternetChecksum {
        var c = InternetChecksum()
        c.add(source.rawValue)
        c.add(destination.rawValue)
        c.add(UInt16(proto.rawValue))
        c.add(UInt16(truncatingIfNeeded: length))
        return c
    }

    /// The 12 bytes of the TCP/UDP pseudo-header, as they are summed.
    public static func pseudoHeaderBytes(source: IPv4Address, destination: IPv4Address,
                                         protocol proto: IPProtocol, length: Int) -> [UInt8] {
        let s = source.rawValue, d = destination.rawValue
        let l = UInt16(truncatingIfNeeded: length)
        return [UInt8(s >> 24), UInt8(s >> 16 & 0xFF), UInt8(s >> 8 & 0xFF), UInt8(s & 0xFF),
                UInt8(d >> 24), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF),
                0, proto.rawValue, UInt8(l >> 8), UInt8(l & 0xFF)]
    }

    /// An accumulator primed with the IPv6 pseudo-header of RFC 8200 §8.1, which TCP, UDP
    /// and ICMPv6 checksums cover: source (16), destination (16), the upper-layer packet
    /// length as 32 bits, three zero bytes and the next-header value of the upper layer
    /// (not of any extension header before it).
    @inlinable @inline(__always)
    public static func pseudoHeader(source: IPv6Address, destination: IPv6Address,
                                    nextHeader: IPProtocol, length: Int) -> InternetChecksum {
        var c = InternetChecksum()
        c.add(UInt32(truncatingIfNeeded: source.high >> 32))
        c.add(UInt32(truncatingIfNeeded: source.high))
        c.add(UInt32(truncatingIfNeeded: source.low >> 32))
        c.add(UInt32(truncatingIfNeeded: source.low))
        c.add(UInt32(truncatingIfNeeded: destination.high >> 32))
        c.add(UInt32(truncatingIfNeeded: destination.high))
        c.add(UInt32(truncatingIfNeeded: destination.low >> 32))
        c.add(UInt32(truncatingIfNeeded: destination.low))
        c.add(UInt32(truncatingIfNeeded: length))
        c.add(UInt16(nextHeader.rawValue))
        return c
    }

    /// The 40 bytes of the IPv6 pseudo-header, as they are summed.
    public static func pseudoHeaderBytes(source: IPv6Address, destination: IPv6Address,
                                         nextHeader: IPProtocol, length: Int) -> [UInt8] {
        let l = UInt32(truncatingIfNeeded: length)
        return source.bytes + destination.bytes
            + [UInt8(l >> 24), UInt8(l >> 16 & 0xFF), UInt8(l >> 8 & 0xFF), UInt8(l & 0xFF), 0, 0, 0, nextHeader.rawValue]
    }

    /// Incremental update of RFC 1624 (eqn. 3): the new checksum after one 16-bit field of
    /// the covered data changes from `old` to `new`, without summing the data again.
    public static func update(_ checksum: UInt16, replacing old: UInt16, with new: UInt16) -> UInt16 {
        var s = UInt32(~checksum) + UInt32(~old) + UInt32(new)
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        return ~UInt16(truncatingIfNeeded: s)
    }

    /// Incremental update for a 32-bit field (an address, a sequence number).
    public static func update(_ checksum: UInt16, replacing old: UInt32, with new: UInt32) -> UInt16 {
        let c = update(checksum, replacing: UInt16(truncatingIfNeeded: old >> 16),
                       with: UInt16(truncatingIfNeeded: new >> 16))
        return update(c, replacing: UInt16(truncatingIfNeeded: old), with: UInt16(truncatingIfNeeded: new))
    }

    // MARK: - The loop

    /// Sum of `bytes` as native-order 16-bit words, not yet folded (below 2^63 for any
    /// buffer that fits in memory).
    @inlinable @inline(__always)
    static func nativeSum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        guard n > 0, let base = bytes.baseAddress else { return 0 }
        var s0: UInt64 = 0, s1: UInt64 = 0, s2: UInt64 = 0, s3: UInt64 = 0
        var i = 0
        // Four independent accumulators of 32-bit words keep the adds in parallel and let
        // the compiler vectorise.
        while i + 16 <= n {
            s0 &+= UInt64(base.loadUnaligned(fromByteOffset: i, as: UInt32.self))
            s1 &+= UInt64(base.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
            s2 &+= UInt64(base.loadUnaligned(fromByteOffset: i + 8, as: UInt32.self))
            s3 &+= UInt64(base.loadUnaligned(fromByteOffset: i + 12, as: UInt32.self))
            i += 16
        }
        while i + 4 <= n {
            s0 &+= UInt64(base.loadUnaligned(fromByteOffset: i, as: UInt32.self))
            i += 4
        }
        if i + 2 <= n {
            s1 &+= UInt64(base.loadUnaligned(fromByteOffset: i, as: UInt16.self))
            i += 2
        }
        if i < n {
            // A final odd byte is the high byte of a word whose low byte is zero.
            let b = base.load(fromByteOffset: i, as: UInt8.self)
            s2 &+= UInt64((UInt16(b) << 8).bigEndian)
        }
        // Each accumulator holds at most n/16 values below 2^32: no overflow for n < 2^34.
        return fold32(s0) + fold32(s1) + fold32(s2) + fold32(s3)
    }

    /// Folds a sum of 32-bit words into at most 33 bits.
    @inlinable @inline(__always)
    static func fold32(_ s: UInt64) -> UInt64 {
        (s & 0xFFFF_FFFF) + (s >> 32)
    }

    /// Folds a native-order sum down to 16 bits (end-around carry).
    @inlinable @inline(__always)
    static func fold(_ s: UInt64) -> UInt16 {
        var v = (s & 0xFFFF_FFFF) + (s >> 32)
        v = (v & 0xFFFF) + (v >> 16)
        v = (v & 0xFFFF) + (v >> 16)
        v = (v & 0xFFFF) + (v >> 16)
        return UInt16(truncatingIfNeeded: v)
    }
}
