import TernWire

/// The checksum of one TCP segment or UDP datagram, recomputed and checked the way a
/// receiver checks it, with TernWire's `InternetChecksum` and pseudo-header.
struct ChecksumCheck: Equatable, Sendable {
    /// The value in the checksum field.
    var stored: UInt16
    /// What the sender should have put there: the checksum over the pseudo-header and the
    /// bytes with the field zeroed (for UDP, a computed 0 is sent as 0xFFFF).
    var computed: UInt16
    /// Whether the pseudo-header and the bytes, stored checksum included, sum to zero. This is
    /// `stored == computed`, except that 0x0000 and 0xFFFF both mean zero in one's complement.
    var isValid: Bool
    /// UDP only: the field is 0, meaning the sender computed no checksum (RFC 768).
    var isAbsent: Bool
    /// The pseudo-header's sum, folded but not complemented: what a sender that leaves the
    /// checksum to its network card (checksum offload) puts in the field for the card to
    /// add the segment's bytes to.
    var pseudoHeaderSum: UInt16 = 0

    /// An offloaded checksum, not a wrong one: the field holds only the pseudo-header sum
    /// because the sender's network card (or, on a TAP, the kernel) finishes it after the
    /// capture point. Captures taken on the sending host show these; the wire never does.
    var isPartial: Bool {
        guard !isValid, !isAbsent else { return false }
        // 0x0000 and 0xFFFF are the same number in one's complement.
        let zero: Set<UInt16> = [0x0000, 0xFFFF]
        return stored == pseudoHeaderSum || (zero.contains(stored) && zero.contains(pseudoHeaderSum))
    }

    /// Byte offset of the checksum field in a TCP header.
    static let tcpField = 16
    /// Byte offset of the checksum field in a UDP header.
    static let udpField = 6

    /// Checks a whole TCP segment (header and payload). Nil when `segment` is too short to
    /// hold the checksum field.
    static func tcp(_ segment: UnsafeRawBufferPointer, source: IPv4Address, destination: IPv4Address) -> ChecksumCheck? {
        compute(segment, field: tcpField,
                pseudoHeader: InternetChecksum.pseudoHeader(source: source, destination: destination, protocol: .tcp,
                                                            length: segment.count))
    }

    /// Checks a whole UDP datagram (header and data, as long as its length field says). Nil
    /// when `datagram` is too short to hold the checksum field.
    static func udp(_ datagram: UnsafeRawBufferPointer, source: IPv4Address, destination: IPv4Address) -> ChecksumCheck? {
        guard var check = compute(datagram, field: udpField,
                                  pseudoHeader: InternetChecksum.pseudoHeader(source: source, destination: destination,
                                                                              protocol: .udp, length: datagram.count))
        else { return nil }
        if check.computed == 0 { check.computed = 0xFFFF }
        if check.stored == 0 {
            check.isAbsent = true
            check.isValid = true
        }
        return check
    }

    /// Checks a whole TCP segment over IPv6 (the IPv6 pseudo-header of RFC 8200 §8.1).
    static func tcp(_ segment: UnsafeRawBufferPointer, source: IPv6Address, destination: IPv6Address) -> ChecksumCheck? {
        compute(segment, field: tcpField,
                pseudoHeader: InternetChecksum.pseudoHeader(source: source, destination: destination, nextHeader: .tcp,
                                                            length: segment.count))
    }

    /// Checks a whole UDP datagram over IPv6, where the checksum is mandatory: a field of 0
    /// is invalid, not absent (RFC 8200 §8.1).
    static func udp(_ datagram: UnsafeRawBufferPointer, source: IPv6Address, destination: IPv6Address) -> ChecksumCheck? {
        guard var check = compute(datagram, field: udpField,
                                  pseudoHeader: InternetChecksum.pseudoHeader(source: source, destination: destination,
                                                                              nextHeader: .udp, length: datagram.count))
        else { return nil }
        if check.computed == 0 { check.computed = 0xFFFF }
        if check.stored == 0 { check.isValid = false }
        return check
    }

    /// Checks `bytes` as a TCP segment held in an array.
    static func tcp(_ segment: [UInt8], source: IPv4Address, destination: IPv4Address) -> ChecksumCheck? {
        segment.withUnsafeBytes { tcp($0, source: source, destination: destination) }
    }

    private static func compute(_ bytes: UnsafeRawBufferPointer, field: Int,
                                pseudoHeader pseudo: InternetChecksum) -> ChecksumCheck? {
        guard bytes.count >= field + 2, bytes.count <= Int(UInt16.max) else { return nil }
        let stored = UInt16(bytes[field]) << 8 | UInt16(bytes[field + 1])

        // What the sender does: sum the pseudo-header and the bytes with the field zeroed.
        var sum = pseudo
        sum.add(UnsafeRawBufferPointer(rebasing: bytes[0..<field]))
        sum.add(UInt16(0))
        sum.add(UnsafeRawBufferPointer(rebasing: bytes[(field + 2)...]))

        // What the receiver does: sum everything, the stored checksum included; zero is good.
        var whole = pseudo
        whole.add(bytes)
        return ChecksumCheck(stored: stored, computed: sum.value, isValid: whole.value == 0, isAbsent: false,
                             pseudoHeaderSum: pseudo.sum16)
    }
}
