/// The protocol field of an IPv4 header, which is also the next-header field of IPv6 and
/// of its extension headers (one IANA registry serves both).
public struct IPProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// IPv6 hop-by-hop options (RFC 8200 §4.3); allowed only right after the IPv6 header.
    public static let hopByHopOptions = IPProtocol(rawValue: 0)
    public static let icmp = IPProtocol(rawValue: 1)
    public static let tcp = IPProtocol(rawValue: 6)
    public static let udp = IPProtocol(rawValue: 17)
    /// IPv6 routing header (RFC 8200 §4.4).
    public static let routing = IPProtocol(rawValue: 43)
    /// IPv6 fragment header (RFC 8200 §4.5).
    public static let fragment = IPProtocol(rawValue: 44)
    public static let encapsulatingSecurityPayload = IPProtocol(rawValue: 50)
    public static let authenticationHeader = IPProtocol(rawValue: 51)
    /// ICMP for IPv6 (RFC 4443).
    public static let icmpv6 = IPProtocol(rawValue: 58)
    /// Nothing follows the header that says this (RFC 8200 §4.7).
    public static let noNextHeader = IPProtocol(rawValue: 59)
    /// IPv6 destination options (RFC 8200 §4.6).
    public static let destinationOptions = IPProtocol(rawValue: 60)

    public var description: String {
        switch self {
        case .icmp: "ICMP"
        case .tcp: "TCP"
        case .udp: "UDP"
        case .hopByHopOptions: "hop-by-hop options"
        case .routing: "routing header"
        case .fragment: "fragment header"
        case .encapsulatingSecurityPayload: "ESP"
        case .authenticationHeader: "AH"
        case .icmpv6: "ICMPv6"
        case .noNextHeader: "no next header"
        case .destinationOptions: "destination options"
        default: "protocol \(rawValue)"
        }
    }
}

/// The flag bits of the IPv4 fragmentation field.
public struct IPv4Flags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The reserved ("evil") bit; must be zero.
    public static let reserved = IPv4Flags(rawValue: 0b100)
    /// Don't Fragment.
    public static let dontFragment = IPv4Flags(rawValue: 0b010)
    /// More Fragments.
    public static let moreFragments = IPv4Flags(rawValue: 0b001)
}

/// An IPv4 header (RFC 791), options excluded: they stay in the packet as raw bytes.
public struct IPv4Header: Hashable, Sendable {
    /// Size without options.
    public static let minimumSize = 20
    /// Size with the largest options area (IHL 15).
    public static let maximumSize = 60

    /// Header length in bytes (IHL × 4), options included.
    public var headerLength: Int
    /// The DSCP and ECN bits (the old type-of-service byte).
    public var typeOfService: UInt8
    /// Header plus payload, in bytes.
    public var totalLength: UInt16
    public var identification: UInt16
    public var flags: IPv4Flags
    /// Offset of this fragment's data in the original datagram, in units of 8 bytes.
    public var fragmentOffset: UInt16
    public var timeToLive: UInt8
    public var `protocol`: IPProtocol
    /// The header checksum as found on the wire (or as written by `write`).
    public var checksum: UInt16
    public var source: IPv4Address
    public var destination: IPv4Address

    public init(headerLength: Int = 20, typeOfService: UInt8 = 0, totalLength: UInt16,
                identification: UInt16, flags: IPv4Flags, fragmentOffset: UInt16 = 0,
                timeToLive: UInt8, protocol: IPProtocol, checksum: UInt16 = 0,
                source: IPv4Address, destination: IPv4Address) {
        self.headerLength = headerLength
        self.typeOfService = typeOfService
        self.totalLength = totalLength
        self.identification = identification
        self.flags = flags
        self.fragmentOffset = fragmentOffset
        self.timeToLive = timeToLive
        self.protocol = `protocol`
        self.checksum = checksum
        self.source = source
        self.destination = destination
    }

    /// The fragment offset in bytes.
    public var fragmentByteOffset: Int { Int(fragmentOffset) * 8 }
    /// Whether this datagram is a fragment (MF set or a non-zero offset).
    public var isFragment: Bool { flags.contains(.moreFragments) || fragmentOffset != 0 }
    /// Payload length implied by the header.
    public var payloadLength: Int { Int(totalLength) - headerLength }

    /// Parses the header at the start of `bytes` (an Ethernet payload, padding allowed).
    ///
    /// Checks version 4, IHL ≥ 5, that the header and the total length fit in `bytes`, and
    /// that total length covers the header. The checksum is not checked here: see
    /// `IPv4Packet.isChecksumValid`.
    @inlinable @inline(__always)
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> IPv4Packet {
        guard bytes.count >= minimumSize else { throw .truncated }
        let versionIHL = bytes.u8(0)
        guard versionIHL >> 4 == 4 else { throw .malformed }
        let headerLength = Int(versionIHL & 0x0F) * 4
        guard headerLength >= minimumSize else { throw .malformed }
        guard bytes.count >= headerLength else { throw .truncated }
        let totalLength = bytes.u16(2)
        guard Int(totalLength) >= headerLength else { throw .badLength }
        guard Int(totalLength) <= bytes.count else { throw .truncated }
        let header = try parseFixedPart(bytes, headerLength: headerLength)
        return IPv4Packet(header: header,
                          headerBytes: bytes.view(0..<headerLength),
                          payload: bytes.view(headerLength..<Int(totalLength)))
    }

    /// Writes the header at the start of `buffer`, with `options` (whose length must be
    /// `headerLength - 20`, a multiple of 4) after the fixed part, and fills in the
    /// checksum. Returns the header length. `self.checksum` is ignored.
    @discardableResult @inline(__always)
    public func write(to buffer: UnsafeMutableRawBufferPointer,
                      options: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0))
        throws(WireError) -> Int {
        guard headerLength >= IPv4Header.minimumSize, headerLength <= IPv4Header.maximumSize,
              headerLength % 4 == 0, options.count == headerLength - IPv4Header.minimumSize
        else { throw .badLength }
        guard buffer.count >= headerLength else { throw .bufferTooSmall }
        buffer.setU8(0, 0x40 | UInt8(headerLength / 4))
        buffer.setU8(1, typeOfService)
        buffer.setU16(2, totalLength)
        buffer.setU16(4, identification)
        buffer.setU16(6, UInt16(flags.rawValue & 0x7) << 13 | (fragmentOffset & 0x1FFF))
        buffer.setU8(8, timeToLive)
        buffer.setU8(9, self.protocol.rawValue)
        buffer.setU16(10, 0)
        buffer.setU32(12, source.rawValue)
        buffer.setU32(16, destination.rawValue)
        if options.count > 0 {
            buffer.view(IPv4Header.minimumSize..<headerLength).copyMemory(from: options)
        }
        let sum = InternetChecksum.compute(UnsafeRawBufferPointer(buffer.view(0..<headerLength)))
        buffer.setU16(10, sum)
        return headerLength
    }
}

/// A parsed IPv4 datagram: header, views of the raw header (for the checksum and options)
/// and of the payload, trimmed to the total length. Views are valid while the parsed
/// buffer is.
public struct IPv4Packet {
    public var header: IPv4Header
    /// The header's bytes, options included.
    public var headerBytes: UnsafeRawBufferPointer
    /// The payload: `totalLength - headerLength` bytes (Ethernet padding excluded).
    public var payload: UnsafeRawBufferPointer

    @inlinable
    init(header: IPv4Header, headerBytes: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) {
        self.header = header
        self.headerBytes = headerBytes
        self.payload = payload
    }

    /// The options area (empty when IHL is 5).
    @inlinable
    public var options: UnsafeRawBufferPointer {
        headerBytes.view(IPv4Header.minimumSize..<headerBytes.count)
    }

    /// Whether the header checksum verifies (the header sums to zero).
    @inlinable @inline(__always)
    public var isChecksumValid: Bool {
        InternetChecksum.compute(headerBytes) == 0
    }
}

extension IPv4Header {
    /// Reads the fixed fields of a header whose length has already been validated.
    @inlinable @inline(__always)
    static func parseFixedPart(_ bytes: UnsafeRawBufferPointer, headerLength: Int) throws(WireError) -> IPv4Header {
        guard bytes.count >= headerLength, headerLength >= minimumSize else { throw .truncated }
        let fragment = bytes.u16(6)
        return IPv4Header(
            headerLength: headerLength, typeOfService: bytes.u8(1), totalLength: bytes.u16(2),
            identification: bytes.u16(4), flags: IPv4Flags(rawValue: UInt8(fragment >> 13)),
            fragmentOffset: fragment & 0x1FFF, timeToLive: bytes.u8(8),
            protocol: IPProtocol(rawValue: bytes.u8(9)), checksum: bytes.u16(10),
            source: IPv4Address(rawValue: bytes.u32(12)),
            destination: IPv4Address(rawValue: bytes.u32(16)))
    }
}
