/// The EtherType field of an Ethernet II frame.
public struct EtherType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ipv4 = EtherType(rawValue: 0x0800)
    public static let arp = EtherType(rawValue: 0x0806)
    public static let vlan = EtherType(rawValue: 0x8100)
    public static let ipv6 = EtherType(rawValue: 0x86DD)

    public var description: String {
        switch self {
        case .ipv4: "IPv4"
        case .arp: "ARP"
        case .vlan: "802.1Q"
        case .ipv6: "IPv6"
        default: "0x" + hexDigits(UInt8(rawValue >> 8)) + hexDigits(UInt8(rawValue & 0xFF))
        }
    }
}

/// The 14-byte Ethernet II header: destination MAC, source MAC, EtherType.
public struct EthernetHeader: Hashable, Sendable {
    public static let size = 14
    /// Largest payload on a standard link (the MTU).
    public static let maximumPayload = 1500
    /// Shortest payload on the wire; shorter frames are padded with zeros.
    public static let minimumPayload = 46

    public var destination: MACAddress
    public var source: MACAddress
    public var etherType: EtherType

    public init(destination: MACAddress, source: MACAddress, etherType: EtherType) {
        self.destination = destination
        self.source = source
        self.etherType = etherType
    }

    /// Parses the header at the start of `frame`.
    ///
    /// A value below 0x0600 in the type field is an 802.3 length, not an EtherType: such
    /// frames are `unsupported`.
    @inlinable @inline(__always)
    public static func parse(_ frame: UnsafeRawBufferPointer) throws(WireError) -> EthernetFrame {
        guard frame.count >= size else { throw .truncated }
        let type = frame.u16(12)
        guard type >= 0x0600 else { throw .unsupported }
        let header = EthernetHeader(destination: MACAddress(loadingFrom: frame, at: 0),
                                    source: MACAddress(loadingFrom: frame, at: 6),
                                    etherType: EtherType(rawValue: type))
        return EthernetFrame(header: header, payload: frame.view(size..<frame.count))
    }

    /// Writes the header at the start of `buffer`; returns its size.
    @discardableResult @inline(__always)
    public func write(to buffer: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        guard buffer.count >= EthernetHeader.size else { throw .bufferTooSmall }
        destination.store(to: buffer, at: 0)
        source.store(to: buffer, at: 6)
        buffer.setU16(12, etherType.rawValue)
        return EthernetHeader.size
    }
}

/// A parsed Ethernet frame: its header and a view of its payload (which may include the
/// padding of a short frame; the layer above knows its own length).
///
/// The payload view points into the buffer that was parsed and is valid only while that
/// buffer is.
public struct EthernetFrame {
    public var header: EthernetHeader
    public var payload: UnsafeRawBufferPointer

    @inlinable
    init(header: EthernetHeader, payload: UnsafeRawBufferPointer) {
        self.header = header
        self.payload = payload
    }
}
