/// Neighbor Discovery option types (RFC 4861 §4.6; the others IANA lists are skipped).
public enum NDPOptionType {
    public static let sourceLinkLayerAddress: UInt8 = 1
    public static let targetLinkLayerAddress: UInt8 = 2
    public static let prefixInformation: UInt8 = 3
    public static let redirectedHeader: UInt8 = 4
    public static let mtu: UInt8 = 5
}

/// The prefix information option of a router advertisement (RFC 4861 §4.6.2): a prefix that
/// is on the link and/or may be used to form addresses (RFC 4862).
public struct NDPPrefixInformation: Hashable, Sendable {
    /// A lifetime of 0xFFFFFFFF seconds never runs out.
    public static let infiniteLifetime: UInt32 = 0xFFFF_FFFF

    public var prefixLength: UInt8
    /// L (0x80), A (0x40) and the other bits of the flags byte, as sent.
    public var flags: UInt8
    /// Seconds the prefix stays on-link (and addresses from it valid).
    public var validLifetime: UInt32
    /// Seconds addresses formed from it stay preferred.
    public var preferredLifetime: UInt32
    /// The reserved word after the lifetimes: sent as zero, kept so the option rebuilds.
    public var reserved: UInt32
    public var prefix: IPv6Address

    public init(prefix: IPv6Address, prefixLength: UInt8, onLink: Bool, autonomous: Bool,
                validLifetime: UInt32, preferredLifetime: UInt32) {
        self.init(prefixLength: prefixLength, flags: (onLink ? 0x80 : 0) | (autonomous ? 0x40 : 0),
                  validLifetime: validLifetime, preferredLifetime: preferredLifetime, reserved: 0, prefix: prefix)
    }

    public init(prefixLength: UInt8, flags: UInt8, validLifetime: UInt32, preferredLifetime: UInt32,
                reserved: UInt32, prefix: IPv6Address) {
        self.prefixLength = prefixLength
        self.flags = flags
        self.validLifetime = validLifetime
        self.preferredLifetime = preferredLifetime
        self.reserved = reserved
        self.prefix = prefix
    }

    /// L: addresses in the prefix are on this link.
    public var onLink: Bool { flags & 0x80 != 0 }
    /// A: the prefix may be used for stateless address autoconfiguration.
    public var autonomous: Bool { flags & 0x40 != 0 }

    /// The prefix as a subnet, nil when the length exceeds 128.
    public var subnet: IPv6Subnet? { IPv6Subnet(address: prefix, prefixLength: Int(prefixLength)) }
}

/// A Neighbor Discovery option as read: where it is, and views of it. Decoding the common
/// kinds allocates nothing.
public struct NDPRawOption {
    public var type: UInt8
    /// Offset of the type byte within the options area.
    public var offset: Int
    /// The whole option, type and length bytes included.
    public var bytes: UnsafeRawBufferPointer

    @inlinable
    init(type: UInt8, offset: Int, bytes: UnsafeRawBufferPointer) {
        self.type = type
        self.offset = offset
        self.bytes = bytes
    }

    /// The Ethernet address of a source or target link-layer address option.
    public var linkLayerAddress: MACAddress? {
        guard type == NDPOptionType.sourceLinkLayerAddress || type == NDPOptionType.targetLinkLayerAddress
        else { return nil }
        return MACAddress(loadingFrom: bytes, at: 2)
    }

    public var prefixInformation: NDPPrefixInformation? {
        guard type == NDPOptionType.prefixInformation else { return nil }
        return NDPPrefixInformation(prefixLength: bytes.u8(2), flags: bytes.u8(3), validLifetime: bytes.u32(4),
                                    preferredLifetime: bytes.u32(8), reserved: bytes.u32(12),
                                    prefix: IPv6Address(loadingFrom: bytes, at: 16))
    }

    /// The link MTU of an MTU option.
    public var mtu: UInt32? {
        type == NDPOptionType.mtu ? bytes.u32(4) : nil
    }

    /// The option as a value (copying the data of a redirected header or unknown option).
    public var decoded: NDPOption {
        if let mac = linkLayerAddress {
            return type == NDPOptionType.sourceLinkLayerAddress ? .sourceLinkLayerAddress(mac) : .targetLinkLayerAddress(mac)
        }
        if let prefix = prefixInformation { return .prefixInformation(prefix) }
        if type == NDPOptionType.mtu { return .mtu(bytes.u32(4), reserved: bytes.u16(2)) }
        if type == NDPOptionType.redirectedHeader { return .redirectedHeader(Array(bytes.view(8..<bytes.count))) }
        return .unknown(type: type, data: Array(bytes.view(2..<bytes.count)))
    }
}

/// Walks a Neighbor Discovery options area. Every option's length must be at least one
/// unit of 8 bytes and lie within the area: otherwise the whole message is invalid (RFC 4861
/// §6.1, §7.1), `badOption`. The kinds decoded here must have their RFC length (link-layer
/// addresses of Ethernet 1, prefix information 4, MTU 1, redirected header at least 1);
/// other types are returned for the caller to skip.
public struct NDPOptionIterator {
    private let area: UnsafeRawBufferPointer
    private var offset = 0

    public init(_ options: UnsafeRawBufferPointer) {
        area = options
    }

    public mutating func next() throws(WireError) -> NDPRawOption? {
        guard offset < area.count else { return nil }
        guard offset + 2 <= area.count else { throw .badOption }
        let type = area.u8(offset)
        let length = Int(area.u8(offset + 1)) * 8
        guard length > 0, offset + length <= area.count else { throw .badOption }
        switch type {
        case NDPOptionType.sourceLinkLayerAddress, NDPOptionType.targetLinkLayerAddress, NDPOptionType.mtu:
            guard length == 8 else { throw .badOption }
        case NDPOptionType.prefixInformation:
            guard length == 32 else { throw .badOption }
        default:
            break
        }
        let option = NDPRawOption(type: type, offset: offset, bytes: area.view(offset..<offset + length))
        offset += length
        return option
    }
}

/// The options a host acts on, gathered in one pass without allocating; prefixes are
/// counted here and read with `NDPOptionIterator`.
public struct NDPOptions: Hashable, Sendable {
    public var sourceLinkLayerAddress: MACAddress?
    public var targetLinkLayerAddress: MACAddress?
    public var mtu: UInt32?
    public var prefixInformationCount = 0

    public init(sourceLinkLayerAddress: MACAddress? = nil, targetLinkLayerAddress: MACAddress? = nil,
                mtu: UInt32? = nil, prefixInformationCount: Int = 0) {
        self.sourceLinkLayerAddress = sourceLinkLayerAddress
        self.targetLinkLayerAddress = targetLinkLayerAddress
        self.mtu = mtu
        self.prefixInformationCount = prefixInformationCount
    }

    /// Reads an options area with `NDPOptionIterator`'s checks.
    public static func parse(_ area: UnsafeRawBufferPointer) throws(WireError) -> NDPOptions {
        var result = NDPOptions()
        var iterator = NDPOptionIterator(area)
        while let option = try iterator.next() {
            switch option.type {
            case NDPOptionType.sourceLinkLayerAddress: result.sourceLinkLayerAddress = option.linkLayerAddress
            case NDPOptionType.targetLinkLayerAddress: result.targetLinkLayerAddress = option.linkLayerAddress
            case NDPOptionType.mtu: result.mtu = option.mtu
            case NDPOptionType.prefixInformation: result.prefixInformationCount += 1
            default: break
            }
        }
        return result
    }
}

/// A Neighbor Discovery option to write, or one decoded.
public enum NDPOption: Hashable, Sendable {
    case sourceLinkLayerAddress(MACAddress)
    case targetLinkLayerAddress(MACAddress)
    case prefixInformation(NDPPrefixInformation)
    /// The link MTU, with the reserved half-word before it (sent as 0).
    case mtu(UInt32, reserved: UInt16 = 0)
    /// The start of the packet a redirect was sent for (RFC 4861 §4.6.3), after the six
    /// reserved bytes; written with zero padding to a multiple of 8.
    case redirectedHeader([UInt8])
    /// Any other type, with the data after the type and length bytes (written with zero
    /// padding to a multiple of 8).
    case unknown(type: UInt8, data: [UInt8])

    /// Bytes the option occupies, padding included.
    public var encodedLength: Int {
        switch self {
        case .sourceLinkLayerAddress, .targetLinkLayerAddress, .mtu: 8
        case .prefixInformation: 32
        case .redirectedHeader(let data): (8 + data.count + 7) & ~7
        case .unknown(_, let data): (2 + data.count + 7) & ~7
        }
    }

    /// Writes the option at `offset` of `buffer`; returns the offset after it.
    public func write(to buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(WireError) -> Int {
        let length = encodedLength
        guard length <= 255 * 8 else { throw .badOption }
        guard offset >= 0, offset + length <= buffer.count else { throw .bufferTooSmall }
        let option = buffer.view(offset..<offset + length)
        option.initializeMemory(as: UInt8.self, repeating: 0)
        option.setU8(1, UInt8(length / 8))
        switch self {
        case .sourceLinkLayerAddress(let mac):
            option.setU8(0, NDPOptionType.sourceLinkLayerAddress)
            mac.store(to: option, at: 2)
        case .targetLinkLayerAddress(let mac):
            option.setU8(0, NDPOptionType.targetLinkLayerAddress)
            mac.store(to: option, at: 2)
        case .prefixInformation(let p):
            option.setU8(0, NDPOptionType.prefixInformation)
            option.setU8(2, p.prefixLength)
            option.setU8(3, p.flags)
            option.setU32(4, p.validLifetime)
            option.setU32(8, p.preferredLifetime)
            option.setU32(12, p.reserved)
            p.prefix.store(to: option, at: 16)
        case .mtu(let mtu, let reserved):
            option.setU8(0, NDPOptionType.mtu)
            option.setU16(2, reserved)
            option.setU32(4, mtu)
        case .redirectedHeader(let data):
            option.setU8(0, NDPOptionType.redirectedHeader)
            for (i, byte) in data.enumerated() { option.setU8(8 + i, byte) }
        case .unknown(let type, let data):
            option.setU8(0, type)
            for (i, byte) in data.enumerated() { option.setU8(2 + i, byte) }
        }
        return offset + length
    }
}
