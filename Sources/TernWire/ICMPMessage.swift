/// The type field of an ICMP message (RFC 792).
public struct ICMPType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let echoReply = ICMPType(rawValue: 0)
    public static let destinationUnreachable = ICMPType(rawValue: 3)
    public static let sourceQuench = ICMPType(rawValue: 4)
    public static let redirect = ICMPType(rawValue: 5)
    public static let echoRequest = ICMPType(rawValue: 8)
    public static let timeExceeded = ICMPType(rawValue: 11)
    public static let parameterProblem = ICMPType(rawValue: 12)
    public static let timestampRequest = ICMPType(rawValue: 13)
    public static let timestampReply = ICMPType(rawValue: 14)

    /// Error messages quote the datagram that caused them; hosts never answer them with
    /// another error (RFC 1122 §3.2.2).
    public var isError: Bool {
        switch self {
        case .destinationUnreachable, .sourceQuench, .redirect, .timeExceeded, .parameterProblem: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .echoReply: "echo reply"
        case .destinationUnreachable: "destination unreachable"
        case .sourceQuench: "source quench"
        case .redirect: "redirect"
        case .echoRequest: "echo request"
        case .timeExceeded: "time exceeded"
        case .parameterProblem: "parameter problem"
        case .timestampRequest: "timestamp request"
        case .timestampReply: "timestamp reply"
        default: "ICMP type \(rawValue)"
        }
    }
}

/// Codes of destination-unreachable messages.
public enum ICMPUnreachableCode: UInt8, Sendable {
    case network = 0
    case host = 1
    case `protocol` = 2
    case port = 3
    case fragmentationNeeded = 4
    case sourceRouteFailed = 5
    case adminProhibited = 13
}

/// Codes of time-exceeded messages.
public enum ICMPTimeExceededCode: UInt8, Sendable {
    case ttlExceeded = 0
    case reassemblyTimeExceeded = 1
}

/// The fixed 8 bytes of an ICMP message: type, code, checksum and the type-specific
/// "rest of header" (identifier and sequence for echo; unused or next-hop MTU for errors).
public struct ICMPHeader: Hashable, Sendable {
    public static let size = 8

    public var type: ICMPType
    public var code: UInt8
    /// As found on the wire, or as written by `write`.
    public var checksum: UInt16
    public var restOfHeader: UInt32

    public init(type: ICMPType, code: UInt8, checksum: UInt16 = 0, restOfHeader: UInt32 = 0) {
        self.type = type
        self.code = code
        self.checksum = checksum
        self.restOfHeader = restOfHeader
    }

    /// An echo request or reply header.
    public static func echo(_ type: ICMPType, identifier: UInt16, sequence: UInt16) -> ICMPHeader {
        ICMPHeader(type: type, code: 0, restOfHeader: UInt32(identifier) << 16 | UInt32(sequence))
    }

    /// The echo identifier (first half of the rest of header).
    public var identifier: UInt16 { UInt16(truncatingIfNeeded: restOfHeader >> 16) }
    /// The echo sequence number (second half of the rest of header).
    public var sequence: UInt16 { UInt16(truncatingIfNeeded: restOfHeader) }
    /// Next-hop MTU of a fragmentation-needed message (RFC 1191).
    public var nextHopMTU: UInt16 { UInt16(truncatingIfNeeded: restOfHeader) }

    /// Parses an ICMP message (an IPv4 payload). The checksum is not checked here.
    @inlinable @inline(__always)
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> ICMPMessage {
        guard bytes.count >= size else { throw .truncated }
        let header = ICMPHeader(type: ICMPType(rawValue: bytes.u8(0)), code: bytes.u8(1),
                                checksum: bytes.u16(2), restOfHeader: bytes.u32(4))
        return ICMPMessage(header: header, bytes: bytes, payload: bytes.view(size..<bytes.count))
    }

    /// Writes the header at the start of `message`, whose bytes after the first 8 are the
    /// payload (already in place), and fills in the checksum over the whole message.
    /// Returns 8.
    @discardableResult @inline(__always)
    public func write(to message: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        guard message.count >= ICMPHeader.size else { throw .bufferTooSmall }
        message.setU8(0, type.rawValue)
        message.setU8(1, code)
        message.setU16(2, 0)
        message.setU32(4, restOfHeader)
        message.setU16(2, InternetChecksum.compute(UnsafeRawBufferPointer(message)))
        return ICMPHeader.size
    }
}

/// A parsed ICMP message: header, the whole message (for the checksum) and the payload.
public struct ICMPMessage {
    public var header: ICMPHeader
    /// The whole message, header included.
    public var bytes: UnsafeRawBufferPointer
    /// What follows the 8-byte header: echo data, or the quoted datagram of an error.
    public var payload: UnsafeRawBufferPointer

    @inlinable
    init(header: ICMPHeader, bytes: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) {
        self.header = header
        self.bytes = bytes
        self.payload = payload
    }

    /// Whether the checksum over the whole message verifies.
    @inlinable
    public var isChecksumValid: Bool { InternetChecksum.compute(bytes) == 0 }

    /// For error messages: the quoted datagram's IP header and the leading bytes of its
    /// payload (RFC 792 quotes at least 8; Linux quotes as much as fits in 576 bytes).
    public var quotedDatagram: ICMPQuotedDatagram? {
        guard header.type.isError else { return nil }
        return try? ICMPQuotedDatagram.parse(payload)
    }
}

/// The datagram an ICMP error quotes: the original IP header (whose total length usually
/// exceeds what was quoted) and the part of its payload that was included.
public struct ICMPQuotedDatagram {
    public var header: IPv4Header
    /// The quoted part of the original payload (at least the first 8 bytes: the ports).
    public var leadingPayload: UnsafeRawBufferPointer

    /// Parses a quoted datagram. Unlike `IPv4Header.parse`, the total length may exceed
    /// the bytes present.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> ICMPQuotedDatagram {
        guard bytes.count >= IPv4Header.minimumSize else { throw .truncated }
        let headerLength = Int(bytes.u8(0) & 0x0F) * 4
        guard bytes.u8(0) >> 4 == 4, headerLength >= IPv4Header.minimumSize else { throw .malformed }
        guard bytes.count >= headerLength else { throw .truncated }
        // Parse the header alone, as if the datagram ended with what was quoted.
        let totalLength = Int(bytes.u16(2))
        guard totalLength >= headerLength else { throw .badLength }
        let present = min(totalLength, bytes.count)
        var header = try IPv4Header.parseFixedPart(bytes, headerLength: headerLength)
        header.totalLength = UInt16(totalLength)
        return ICMPQuotedDatagram(header: header, leadingPayload: bytes.view(headerLength..<present))
    }
}
