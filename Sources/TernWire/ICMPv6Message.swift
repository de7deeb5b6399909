/// The first 8 bytes of an ICMPv6 message (RFC 4443 §2.1): type, code, checksum and the
/// type-specific word after them (identifier and sequence for echo, the MTU of packet too
/// big, the pointer of a parameter problem; flags or reserved bits for Neighbor Discovery).
///
/// The checksum covers the IPv6 pseudo-header (RFC 8200 §8.1), so parsing and building
/// take the packet's addresses. Linux refuses messages shorter than 8 bytes; so does
/// `parse`.
public struct ICMPv6Header: Hashable, Sendable {
    public static let size = 8
    /// The most of an invoking packet an error quotes: as much as keeps the error within
    /// the minimum MTU, 1280 − 40 (IPv6) − 8 (ICMPv6) bytes (RFC 4443 §2.4 c).
    public static let maximumQuote = IPv6Header.minimumMTU - IPv6Header.size - size

    public var type: ICMPv6Type
    public var code: UInt8
    /// As found on the wire, or as written by `write`.
    public var checksum: UInt16
    public var restOfHeader: UInt32

    public init(type: ICMPv6Type, code: UInt8, checksum: UInt16 = 0, restOfHeader: UInt32 = 0) {
        self.type = type
        self.code = code
        self.checksum = checksum
        self.restOfHeader = restOfHeader
    }

    /// An echo request or reply header.
    public static func echo(_ type: ICMPv6Type, identifier: UInt16, sequence: UInt16) -> ICMPv6Header {
        ICMPv6Header(type: type, code: 0, restOfHeader: UInt32(identifier) << 16 | UInt32(sequence))
    }

    public static func destinationUnreachable(_ code: ICMPv6UnreachableCode) -> ICMPv6Header {
        ICMPv6Header(type: .destinationUnreachable, code: code.rawValue)
    }

    public static func packetTooBig(mtu: UInt32) -> ICMPv6Header {
        ICMPv6Header(type: .packetTooBig, code: 0, restOfHeader: mtu)
    }

    public static func timeExceeded(_ code: ICMPv6TimeExceededCode) -> ICMPv6Header {
        ICMPv6Header(type: .timeExceeded, code: code.rawValue)
    }

    public static func parameterProblem(_ code: ICMPv6ParameterProblemCode, pointer: UInt32) -> ICMPv6Header {
        ICMPv6Header(type: .parameterProblem, code: code.rawValue, restOfHeader: pointer)
    }

    /// The echo identifier.
    public var identifier: UInt16 { UInt16(truncatingIfNeeded: restOfHeader >> 16) }
    /// The echo sequence number.
    public var sequence: UInt16 { UInt16(truncatingIfNeeded: restOfHeader) }
    /// The MTU of a packet-too-big message.
    public var mtu: UInt32 { restOfHeader }
    /// The pointer of a parameter-problem message: an offset into the quoted packet.
    public var pointer: UInt32 { restOfHeader }

    /// Parses an ICMPv6 message (an upper-layer payload of IPv6). The checksum is not
    /// checked here: see `ICMPv6Message.isChecksumValid`.
    @inlinable @inline(__always)
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> ICMPv6Message {
        guard bytes.count >= size else { throw .truncated }
        let header = ICMPv6Header(type: ICMPv6Type(rawValue: bytes.u8(0)), code: bytes.u8(1),
                                  checksum: bytes.u16(2), restOfHeader: bytes.u32(4))
        return ICMPv6Message(header: header, bytes: bytes, payload: bytes.view(size..<bytes.count))
    }

    /// Writes the header at the start of `message`, whose bytes after the first 8 are the
    /// body (already in place), and fills in the checksum over the pseudo-header and the
    /// whole message. Returns 8.
    @discardableResult @inline(__always)
    public func write(to message: UnsafeMutableRawBufferPointer, source: IPv6Address,
                      destination: IPv6Address) throws(WireError) -> Int {
        guard message.count >= ICMPv6Header.size else { throw .bufferTooSmall }
        message.setU8(0, type.rawValue)
        message.setU8(1, code)
        message.setU16(2, 0)
        message.setU32(4, restOfHeader)
        ICMPv6Header.fillChecksum(message, source: source, destination: destination)
        return ICMPv6Header.size
    }

    /// Computes the checksum of the message in `message` (whose checksum field is zero)
    /// and stores it.
    @inline(__always)
    static func fillChecksum(_ message: UnsafeMutableRawBufferPointer, source: IPv6Address, destination: IPv6Address) {
        var sum = InternetChecksum.pseudoHeader(source: source, destination: destination,
                                                nextHeader: .icmpv6, length: message.count)
        sum.add(UnsafeRawBufferPointer(message))
        message.setU16(2, sum.value)
    }

    /// Writes an error message at the start of `buffer`: this header, then as much of
    /// `invoking` (the offending packet from its IPv6 header on) as fits in both
    /// `maximumQuote` and `buffer`; fills in the checksum. Returns the message's length.
    /// Refuses non-error types: only errors quote.
    public func writeError(quoting invoking: UnsafeRawBufferPointer, to buffer: UnsafeMutableRawBufferPointer,
                           source: IPv6Address, destination: IPv6Address) throws(WireError) -> Int {
        guard type.isError else { throw .unsupported }
        guard buffer.count >= ICMPv6Header.size else { throw .bufferTooSmall }
        let quote = min(invoking.count, ICMPv6Header.maximumQuote, buffer.count - ICMPv6Header.size)
        let total = ICMPv6Header.size + quote
        let message = buffer.view(0..<total)
        if quote > 0 {
            message.view(ICMPv6Header.size..<total).copyMemory(from: invoking.view(0..<quote))
        }
        return try write(to: message, source: source, destination: destination) + quote
    }
}

/// A parsed ICMPv6 message: header, the whole message (for the checksum) and its body.
public struct ICMPv6Message {
    public var header: ICMPv6Header
    /// The whole message, header included.
    public var bytes: UnsafeRawBufferPointer
    /// What follows the 8-byte header: echo data, the quoted packet of an error, or the
    /// rest of a Neighbor Discovery message.
    public var payload: UnsafeRawBufferPointer

    @inlinable
    init(header: ICMPv6Header, bytes: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) {
        self.header = header
        self.bytes = bytes
        self.payload = payload
    }

    /// Whether the checksum verifies over the pseudo-header and the whole message.
    @inlinable
    public func isChecksumValid(source: IPv6Address, destination: IPv6Address) -> Bool {
        var sum = InternetChecksum.pseudoHeader(source: source, destination: destination,
                                                nextHeader: .icmpv6, length: bytes.count)
        sum.add(bytes)
        return sum.value == 0
    }

    /// For error messages: the quoted packet's IPv6 header and the leading bytes of its
    /// payload.
    public var quotedPacket: ICMPv6QuotedPacket? {
        guard header.type.isError else { return nil }
        return try? ICMPv6QuotedPacket.parse(payload)
    }
}

/// The packet an ICMPv6 error quotes: its fixed header (whose payload length usually
/// exceeds what was quoted) and the part of its payload that was included.
public struct ICMPv6QuotedPacket {
    public var header: IPv6Header
    /// The quoted part of the original payload: extension headers, then the upper-layer
    /// header (its ports, for TCP and UDP).
    public var leadingPayload: UnsafeRawBufferPointer

    /// Parses a quoted packet. Unlike `IPv6Header.parse`, the payload length may exceed
    /// the bytes present.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> ICMPv6QuotedPacket {
        let header = try IPv6Header.parseFixedPart(bytes)
        let present = min(IPv6Header.size + Int(header.payloadLength), bytes.count)
        return ICMPv6QuotedPacket(header: header, leadingPayload: bytes.view(IPv6Header.size..<present))
    }

    /// Whether the whole packet was quoted, not just its start.
    public var isComplete: Bool { leadingPayload.count == Int(header.payloadLength) }

    /// The quoted packet's extension headers, as far as the quote shows them.
    public func headerChain() throws(IPv6ChainError) -> IPv6HeaderChain {
        try IPv6HeaderChain.walkStructure(leadingPayload, first: header.nextHeader)
    }
}
