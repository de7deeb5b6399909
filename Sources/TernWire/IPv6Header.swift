/// The fixed 40-byte IPv6 header (RFC 8200 §3). Extension headers, if any, start the
/// payload; `IPv6HeaderChain` walks them.
public struct IPv6Header: Hashable, Sendable {
    public static let size = 40
    /// The smallest MTU every IPv6 link must carry (RFC 8200 §5).
    public static let minimumMTU = 1280

    /// The DSCP and ECN bits.
    public var trafficClass: UInt8
    /// The 20-bit flow label (RFC 6437); higher bits are ignored when writing.
    public var flowLabel: UInt32
    /// The length of everything after this header, extension headers included.
    public var payloadLength: UInt16
    /// The type of the first extension header or of the upper-layer header.
    public var nextHeader: IPProtocol
    public var hopLimit: UInt8
    public var source: IPv6Address
    public var destination: IPv6Address

    public init(trafficClass: UInt8 = 0, flowLabel: UInt32 = 0, payloadLength: UInt16,
                nextHeader: IPProtocol, hopLimit: UInt8, source: IPv6Address, destination: IPv6Address) {
        self.trafficClass = trafficClass
        self.flowLabel = flowLabel
        self.payloadLength = payloadLength
        self.nextHeader = nextHeader
        self.hopLimit = hopLimit
        self.source = source
        self.destination = destination
    }

    /// Parses the header at the start of `bytes` (an Ethernet payload, padding allowed).
    ///
    /// Checks version 6 and that the payload length fits in `bytes`; the payload is trimmed
    /// to it. A payload length of 0 is an empty payload: jumbograms (RFC 2675), which set it
    /// to 0 and carry the length in a hop-by-hop option, cannot occur on Ethernet.
    @inlinable @inline(__always)
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> IPv6Packet {
        guard bytes.count >= size else { throw .truncated }
        let header = try parseFixedPart(bytes)
        let end = size + Int(header.payloadLength)
        guard end <= bytes.count else { throw .truncated }
        return IPv6Packet(header: header, headerBytes: bytes.view(0..<size), payload: bytes.view(size..<end))
    }

    /// Writes the 40 bytes at the start of `buffer`; returns 40. IPv6 has no header checksum.
    @discardableResult @inline(__always)
    public func write(to buffer: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        guard buffer.count >= IPv6Header.size else { throw .bufferTooSmall }
        buffer.setU32(0, 6 << 28 | UInt32(trafficClass) << 20 | flowLabel & 0xF_FFFF)
        buffer.setU16(4, payloadLength)
        buffer.setU8(6, nextHeader.rawValue)
        buffer.setU8(7, hopLimit)
        source.store(to: buffer, at: 8)
        destination.store(to: buffer, at: 24)
        return IPv6Header.size
    }

    /// Reads the fields of the 40 bytes at the start of `bytes`, checking the version only.
    @inlinable @inline(__always)
    static func parseFixedPart(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> IPv6Header {
        guard bytes.count >= size else { throw .truncated }
        let first = bytes.u32(0)
        guard first >> 28 == 6 else { throw .malformed }
        return IPv6Header(trafficClass: UInt8(truncatingIfNeeded: first >> 20), flowLabel: first & 0xF_FFFF,
                          payloadLength: bytes.u16(4), nextHeader: IPProtocol(rawValue: bytes.u8(6)),
                          hopLimit: bytes.u8(7), source: IPv6Address(loadingFrom: bytes, at: 8),
                          destination: IPv6Address(loadingFrom: bytes, at: 24))
    }
}

/// A parsed IPv6 packet: the fixed header, a view of its 40 bytes and of the payload
/// (extension headers included), trimmed to the payload length. Views are valid while the
/// parsed buffer is.
public struct IPv6Packet {
    public var header: IPv6Header
    /// The 40 bytes of the fixed header.
    public var headerBytes: UnsafeRawBufferPointer
    /// `payloadLength` bytes: extension headers, then the upper-layer message.
    public var payload: UnsafeRawBufferPointer

    @inlinable
    init(header: IPv6Header, headerBytes: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) {
        self.header = header
        self.headerBytes = headerBytes
        self.payload = payload
    }

    /// Walks the extension headers to the upper-layer header, with every check a receiver
    /// makes (see `IPv6HeaderChain.walk`).
    @inlinable
    public func headerChain(limits: IPv6HeaderChain.Limits = .standard) throws(IPv6ChainError) -> IPv6HeaderChain {
        try IPv6HeaderChain.walk(payload, first: header.nextHeader, limits: limits)
    }

    /// Walks the extension headers checking their structure only (see
    /// `IPv6HeaderChain.walkStructure`).
    @inlinable
    public func headerStructure(limits: IPv6HeaderChain.Limits = .standard) throws(IPv6ChainError) -> IPv6HeaderChain {
        try IPv6HeaderChain.walkStructure(payload, first: header.nextHeader, limits: limits)
    }
}
