/// The control bits of a TCP header (the 9 defined flags plus the 3 reserved bits, so a
/// header round-trips exactly).
public struct TCPFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x0FFF }

    public static let fin = TCPFlags(rawValue: 0x001)
    public static let syn = TCPFlags(rawValue: 0x002)
    public static let rst = TCPFlags(rawValue: 0x004)
    public static let psh = TCPFlags(rawValue: 0x008)
    public static let ack = TCPFlags(rawValue: 0x010)
    public static let urg = TCPFlags(rawValue: 0x020)
    public static let ece = TCPFlags(rawValue: 0x040)
    public static let cwr = TCPFlags(rawValue: 0x080)
    /// The former nonce-sum bit (RFC 3540, historic), now AccECN's AE.
    public static let ae = TCPFlags(rawValue: 0x100)

    /// Flags as tcpdump prints them: `S`, `S.`, `P.`, `F.`, `R`…
    public var description: String {
        var s = ""
        if contains(.syn) { s += "S" }
        if contains(.fin) { s += "F" }
        if contains(.psh) { s += "P" }
        if contains(.rst) { s += "R" }
        if contains(.urg) { s += "U" }
        if contains(.ece) { s += "E" }
        if contains(.cwr) { s += "W" }
        if contains(.ack) { s += "." }
        return s.isEmpty ? "none" : s
    }
}

/// A TCP header (RFC 9293 §3.1). Options stay in the segment as raw bytes; parse them with
/// `TCPOptions.parse` (fast summary) or `TCPOptionIterator` (every option in order).
public struct TCPHeader: Hashable, Sendable {
    public static let minimumSize = 20
    public static let maximumSize = 60

    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequenceNumber: SequenceNumber
    public var acknowledgmentNumber: SequenceNumber
    /// Header length in bytes (data offset × 4), options included.
    public var headerLength: Int
    public var flags: TCPFlags
    /// The window field as sent, before any window scaling.
    public var window: UInt16
    /// As found on the wire, or as written by `write`.
    public var checksum: UInt16
    public var urgentPointer: UInt16

    public init(sourcePort: UInt16, destinationPort: UInt16, sequenceNumber: SequenceNumber,
                acknowledgmentNumber: SequenceNumber, headerLength: Int = 20, flags: TCPFlags,
                window: UInt16, checksum: UInt16 = 0, urgentPointer: UInt16 = 0) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequenceNumber = sequenceNumber
        self.acknowledgmentNumber = acknowledgmentNumber
        self.headerLength = headerLength
        self.flags = flags
        self.window = window
        self.checksum = checksum
        self.urgentPointer = urgentPointer
    }

    /// Parses a TCP segment (an IPv4 or IPv6 upper-layer payload). Checks that the data offset is at least 5
    /// and the header fits. Neither the checksum nor the options are checked here.
    @inlinable @inline(__always)
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> TCPSegment {
        guard bytes.count >= minimumSize else { throw .truncated }
        let offsetAndFlags = bytes.u16(12)
        let headerLength = Int(offsetAndFlags >> 12) * 4
        guard headerLength >= minimumSize else { throw .malformed }
        guard headerLength <= bytes.count else { throw .truncated }
        let header = TCPHeader(
            sourcePort: bytes.u16(0), destinationPort: bytes.u16(2),
            sequenceNumber: SequenceNumber(rawValue: bytes.u32(4)),
            acknowledgmentNumber: SequenceNumber(rawValue: bytes.u32(8)),
            headerLength: headerLength, flags: TCPFlags(rawValue: offsetAndFlags),
            window: bytes.u16(14), checksum: bytes.u16(16), urgentPointer: bytes.u16(18))
        return TCPSegment(header: header, bytes: bytes,
                          options: bytes.view(minimumSize..<headerLength),
                          payload: bytes.view(headerLength..<bytes.count))
    }

    /// Fills in the fixed 20 bytes of the header at the start of `segment` and its checksum.
    ///
    /// `segment` holds the whole segment, `headerLength + payloadLength` bytes: the options
    /// (if any) must already be at bytes 20..<headerLength and the payload after them.
    /// With `checksumLeftToLink`, the checksum field gets only the pseudo-header sum (not
    /// complemented) for a link with checksum offload to finish, as Linux leaves it.
    /// Returns the segment's length.
    @discardableResult @inline(__always)
    public func write(to segment: UnsafeMutableRawBufferPointer, payloadLength: Int,
                      source: IPv4Address, destination: IPv4Address,
                      checksumLeftToLink: Bool = false) throws(WireError) -> Int {
        try write(to: segment, payloadLength: payloadLength,
                  pseudoHeader: InternetChecksum.pseudoHeader(source: source, destination: destination, protocol: .tcp,
                                                              length: headerLength + payloadLength),
                  checksumLeftToLink: checksumLeftToLink)
    }

    /// The same over IPv6.
    @discardableResult @inline(__always)
    public func write(to segment: UnsafeMutableRawBufferPointer, payloadLength: Int,
                      source: IPv6Address, destination: IPv6Address,
                      checksumLeftToLink: Bool = false) throws(WireError) -> Int {
        try write(to: segment, payloadLength: payloadLength,
                  pseudoHeader: InternetChecksum.pseudoHeader(source: source, destination: destination, nextHeader: .tcp,
                                                              length: headerLength + payloadLength),
                  checksumLeftToLink: checksumLeftToLink)
    }

    /// The same with the checksum started from `pseudoHeader` (IPv4's or IPv6's, for
    /// `headerLength + payloadLength` bytes).
    @discardableResult @inline(__always)
    public func write(to segment: UnsafeMutableRawBufferPointer, payloadLength: Int,
                      pseudoHeader: InternetChecksum, checksumLeftToLink: Bool = false) throws(WireError) -> Int {
        guard headerLength >= TCPHeader.minimumSize, headerLength <= TCPHeader.maximumSize,
              headerLength % 4 == 0, payloadLength >= 0 else { throw .badLength }
        let total = headerLength + payloadLength
        guard segment.count >= total else { throw .bufferTooSmall }
        segment.setU16(0, sourcePort)
        segment.setU16(2, destinationPort)
        segment.setU32(4, sequenceNumber.rawValue)
        segment.setU32(8, acknowledgmentNumber.rawValue)
        segment.setU16(12, UInt16(headerLength / 4) << 12 | flags.rawValue)
        segment.setU16(14, window)
        segment.setU16(16, 0)
        segment.setU16(18, urgentPointer)
        var sum = pseudoHeader
        if checksumLeftToLink {
            segment.setU16(16, sum.sum16)
            return total
        }
        sum.add(UnsafeRawBufferPointer(segment.view(0..<total)))
        segment.setU16(16, sum.value)
        return total
    }
}

/// A parsed TCP segment: header, views of the whole segment, the options area and the
/// payload. Views are valid while the parsed buffer is.
public struct TCPSegment {
    public var header: TCPHeader
    /// Header and payload.
    public var bytes: UnsafeRawBufferPointer
    /// The raw options area (header bytes 20..<headerLength).
    public var options: UnsafeRawBufferPointer
    public var payload: UnsafeRawBufferPointer

    @inlinable
    init(header: TCPHeader, bytes: UnsafeRawBufferPointer, options: UnsafeRawBufferPointer,
         payload: UnsafeRawBufferPointer) {
        self.header = header
        self.bytes = bytes
        self.options = options
        self.payload = payload
    }

    /// Whether the checksum verifies with the pseudo-header (TCP checksums are mandatory).
    @inlinable @inline(__always)
    public func isChecksumValid(source: IPv4Address, destination: IPv4Address) -> Bool {
        var sum = InternetChecksum.pseudoHeader(source: source, destination: destination,
                                                protocol: .tcp, length: bytes.count)
        sum.add(bytes)
        return sum.value == 0
    }

    /// Whether the checksum verifies with the IPv6 pseudo-header.
    @inlinable @inline(__always)
    public func isChecksumValid(source: IPv6Address, destination: IPv6Address) -> Bool {
        var sum = InternetChecksum.pseudoHeader(source: source, destination: destination,
                                                nextHeader: .tcp, length: bytes.count)
        sum.add(bytes)
        return sum.value == 0
    }

    /// The summary of the options (MSS, window scale, SACK, timestamps).
    @inlinable @inline(__always)
    public func parseOptions() throws(WireError) -> TCPOptions {
        try TCPOptions.parse(options)
    }

    /// Sequence space the segment occupies: payload plus one each for SYN and FIN.
    public var sequenceLength: Int {
        payload.count + (header.flags.contains(.syn) ? 1 : 0) + (header.flags.contains(.fin) ? 1 : 0)
    }
}
