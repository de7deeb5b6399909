/// The routing header (RFC 8200 §4.4): its type, how many route segments are left, and
/// the type-specific data. Tern implements no routing type; a destination ignores a routing
/// header with no segments left and refuses any other (`disposition`).
public struct IPv6RoutingHeader: Hashable, Sendable {
    /// The smallest routing header: next header, length, type, segments left and 4 bytes of
    /// type-specific data.
    public static let minimumSize = 8

    /// Type 0, the source route that RFC 5095 deprecated: it let one packet bounce between
    /// two hosts again and again. Treated as an unknown type.
    public static let type0: UInt8 = 0

    public var nextHeader: IPProtocol
    public var routingType: UInt8
    public var segmentsLeft: UInt8
    /// The whole header's length in bytes, a multiple of 8.
    public var length: Int

    public init(nextHeader: IPProtocol, routingType: UInt8, segmentsLeft: UInt8, length: Int) {
        self.nextHeader = nextHeader
        self.routingType = routingType
        self.segmentsLeft = segmentsLeft
        self.length = length
    }

    /// Whether this is the deprecated type 0 (RFC 5095).
    public var isType0: Bool { routingType == IPv6RoutingHeader.type0 }

    /// Parses the header at the start of `bytes`; returns it and a view of its
    /// type-specific data (bytes 4 to the end of the header).
    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> (header: IPv6RoutingHeader, data: UnsafeRawBufferPointer) {
        guard bytes.count >= minimumSize else { throw .truncated }
        let length = (Int(bytes.u8(1)) + 1) * 8
        guard length <= bytes.count else { throw .truncated }
        let header = IPv6RoutingHeader(nextHeader: IPProtocol(rawValue: bytes.u8(0)), routingType: bytes.u8(2),
                                       segmentsLeft: bytes.u8(3), length: length)
        return (header, bytes.view(4..<length))
    }

    /// What a destination does with this header (RFC 8200 §4.4, RFC 5095 §3): with no
    /// segments left it is ignored; otherwise, unless the node implements the type (RH0
    /// never counts), the packet is discarded and a parameter problem (code 0) points at
    /// the routing type field, `headerPointer + 2`. `headerPointer` is the header's offset
    /// from the start of the IPv6 header.
    public func disposition(headerPointer: Int, implements: (UInt8) -> Bool = { _ in false }) -> IPv6HeaderDisposition {
        if segmentsLeft == 0 { return .process }
        if !isType0 && implements(routingType) { return .process }
        return .discardAndReport(code: .erroneousHeaderField, pointer: headerPointer + 2)
    }

    /// Writes the header at the start of `buffer` with `data` (whose length must make the
    /// whole a multiple of 8, at least 8 and at most 2048 bytes) as its type-specific part.
    /// `self.length` is ignored. Returns the header's length.
    @discardableResult
    public func write(to buffer: UnsafeMutableRawBufferPointer, data: UnsafeRawBufferPointer) throws(WireError) -> Int {
        let total = 4 + data.count
        guard total >= IPv6RoutingHeader.minimumSize, total % 8 == 0, total <= 2048 else { throw .badLength }
        guard buffer.count >= total else { throw .bufferTooSmall }
        buffer.setU8(0, nextHeader.rawValue)
        buffer.setU8(1, UInt8(total / 8 - 1))
        buffer.setU8(2, routingType)
        buffer.setU8(3, segmentsLeft)
        if data.count > 0 { buffer.view(4..<total).copyMemory(from: data) }
        return total
    }
}
