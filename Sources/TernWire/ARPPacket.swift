/// An ARP packet for Ethernet and IPv4 (RFC 826): 28 bytes.
public struct ARPPacket: Hashable, Sendable {
    public static let size = 28

    /// The ARP opcode.
    public struct Operation: RawRepresentable, Hashable, Sendable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let request = Operation(rawValue: 1)
        public static let reply = Operation(rawValue: 2)
    }

    public var operation: Operation
    public var senderMAC: MACAddress
    public var senderIP: IPv4Address
    public var targetMAC: MACAddress
    public var targetIP: IPv4Address

    public init(operation: Operation, senderMAC: MACAddress, senderIP: IPv4Address,
                targetMAC: MACAddress, targetIP: IPv4Address) {
        self.operation = operation
        self.senderMAC = senderMAC
        self.senderIP = senderIP
        self.targetMAC = targetMAC
        self.targetIP = targetIP
    }

    /// Parses an ARP payload. Anything but hardware type 1 (Ethernet), protocol 0x0800,
    /// sizes 6 and 4 is `unsupported`; bytes after the 28 (frame padding) are ignored.
    @inline(__always)
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> ARPPacket {
        guard bytes.count >= size else { throw .truncated }
        guard bytes.u16(0) == 1, bytes.u16(2) == EtherType.ipv4.rawValue,
              bytes.u8(4) == 6, bytes.u8(5) == 4 else { throw .unsupported }
        return ARPPacket(operation: Operation(rawValue: bytes.u16(6)),
                         senderMAC: MACAddress(loadingFrom: bytes, at: 8),
                         senderIP: IPv4Address(rawValue: bytes.u32(14)),
                         targetMAC: MACAddress(loadingFrom: bytes, at: 18),
                         targetIP: IPv4Address(rawValue: bytes.u32(24)))
    }

    /// Writes the 28 bytes at the start of `buffer`; returns 28.
    @discardableResult
    public func write(to buffer: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        guard buffer.count >= ARPPacket.size else { throw .bufferTooSmall }
        buffer.setU16(0, 1)
        buffer.setU16(2, EtherType.ipv4.rawValue)
        buffer.setU8(4, 6)
        buffer.setU8(5, 4)
        buffer.setU16(6, operation.rawValue)
        senderMAC.store(to: buffer, at: 8)
        buffer.setU32(14, senderIP.rawValue)
        targetMAC.store(to: buffer, at: 18)
        buffer.setU32(24, targetIP.rawValue)
        return ARPPacket.size
    }
}
