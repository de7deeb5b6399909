/// The 8-byte UDP header (RFC 768).
public struct UDPHeader: Hashable, Sendable {
    public static let size = 8

    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// Header plus data, in bytes.
    public var length: UInt16
    /// As found on the wire (0 means the sender computed none), or as written by `write`.
    public var checksum: UInt16

    public init(sourcePort: UInt16, destinationPort: UInt16, length: UInt16, checksum: UInt16 = 0) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.length = length
        self.checksum = checksum
    }

    /// Parses a UDP datagram (an IPv4 or IPv6 upper-layer payload). The length field must cover the header and
    /// fit in `bytes`; the payload is trimmed to it.
    @inlinable @inline(__always)
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> UDPDatagram {
        guard bytes.count >= size else { throw .truncated }
        let length = bytes.u16(4)
        guard Int(length) >= size else { throw .badLength }
        guard Int(length) <= bytes.count else { throw .truncated }
        let header = UDPHeader(sourcePort: bytes.u16(0), destinationPort: bytes.u16(2),
                               length: length, checksum: bytes.u16(6))
        return UDPDatagram(header: header, bytes: bytes.view(0..<Int(length)),
                           payload: bytes.view(size..<Int(length)))
    }

    /// Writes the header at the start of `datagram` (header space plus the payload already
    /// in place; `length` bytes in all) and fills in the checksum with the pseudo-header.
    /// A computed checksum of 0 is sent as 0xFFFF (RFC 768). Returns 8.
    @discardableResult @inline(__always)
    public func write(to datagram: UnsafeMutableRawBufferPointer,
                      source: IPv4Address, destination: IPv4Address) throws(WireError) -> Int {
        try write(to: datagram, pseudoHeader: InternetChecksum.pseudoHeader(
            source: source, destination: destination, protocol: .udp, length: Int(length)))
    }

    /// The same over IPv6, where the checksum is mandatory (RFC 8200 §8.1).
    @discardableResult @inline(__always)
    public func write(to datagram: UnsafeMutableRawBufferPointer,
                      source: IPv6Address, destination: IPv6Address) throws(WireError) -> Int {
        try write(to: datagram, pseudoHeader: InternetChecksum.pseudoHeader(
            source: source, destination: destination, nextHeader: .udp, length: Int(length)))
    }

    /// Writes the header with a checksum that starts from `pseudoHeader` (IPv4's or IPv6's,
    /// for `length` bytes).
    @discardableResult @inline(__always)
    public func write(to datagram: UnsafeMutableRawBufferPointer, pseudoHeader: InternetChecksum) throws(WireError) -> Int {
        let total = Int(length)
        guard total >= UDPHeader.size else { throw .badLength }
        guard datagram.count >= total else { throw .bufferTooSmall }
        datagram.setU16(0, sourcePort)
        datagram.setU16(2, destinationPort)
        datagram.setU16(4, length)
        datagram.setU16(6, 0)
        var sum = pseudoHeader
        sum.add(UnsafeRawBufferPointer(datagram.view(0..<total)))
        let value = sum.value
        datagram.setU16(6, value == 0 ? 0xFFFF : value)
        return UDPHeader.size
    }
}

/// A parsed UDP datagram: header, the whole datagram (for the checksum) and the payload.
public struct UDPDatagram {
    public var header: UDPHeader
    /// Header and payload, trimmed to the length field.
    public var bytes: UnsafeRawBufferPointer
    public var payload: UnsafeRawBufferPointer

    @inlinable
    init(header: UDPHeader, bytes: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) {
        self.header = header
        self.bytes = bytes
        self.payload = payload
    }

    /// Whether the checksum verifies with the pseudo-header; a zero checksum (none sent)
    /// counts as valid.
    @inlinable @inline(__always)
    public func isChecksumValid(source: IPv4Address, destination: IPv4Address) -> Bool {
        if header.checksum == 0 { return true }
        var sum = InternetChecksum.pseudoHeader(source: source, destination: destination,
                                                protocol: .udp, length: bytes.count)
        sum.add(bytes)
        return sum.value == 0
    }

    /// Whether the checksum verifies with the IPv6 pseudo-header. Over IPv6 a zero checksum
    /// is invalid: the datagram must be discarded (RFC 8200 §8.1).
    @inlinable @inline(__always)
    public func isChecksumValid(source: IPv6Address, destination: IPv6Address) -> Bool {
        if header.checksum == 0 { return false }
        var sum = InternetChecksum.pseudoHeader(source: source, destination: destination,
                                                nextHeader: .udp, length: bytes.count)
        sum.add(bytes)
        return sum.value == 0
    }
}
