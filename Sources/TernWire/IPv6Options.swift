/// Option types of hop-by-hop and destination options headers (IANA "Destination Options
/// and Hop-by-Hop Options"). The top two bits of a type say what a node that does not
/// recognise the option must do (`IPv6OptionAction`); the third, whether the option's data
/// may change on the way.
public enum IPv6OptionType {
    /// One byte of padding, with no length byte.
    public static let pad1: UInt8 = 0x00
    /// Two or more bytes of padding: type, length, then zeros.
    public static let padN: UInt8 = 0x01
    /// Tunnel encapsulation limit (RFC 2473), a destination option.
    public static let tunnelEncapsulationLimit: UInt8 = 0x04
    /// Router alert (RFC 2711): routers look inside (MLD reports carry it).
    public static let routerAlert: UInt8 = 0x05
    /// Jumbo payload (RFC 2675), which no Ethernet packet can need.
    public static let jumboPayload: UInt8 = 0xC2
}

/// What a node must do with an option whose type it does not recognise: the top two bits
/// of the type (RFC 8200 §4.2).
public enum IPv6OptionAction: UInt8, Hashable, Sendable {
    /// 00: skip it and go on.
    case skip = 0
    /// 01: discard the packet silently.
    case discard = 1
    /// 10: discard the packet and send a parameter problem (code 2) pointing at the option,
    /// whatever the destination.
    case discardAndReport = 2
    /// 11: the same, unless the packet was sent to a multicast address.
    case discardAndReportUnlessMulticast = 3
}

/// One option of an options header, as read: a view of its data.
public struct IPv6Option {
    public var type: UInt8
    /// Offset of the type byte from the start of the options header.
    public var offset: Int
    /// The option's data (empty for Pad1).
    public var data: UnsafeRawBufferPointer

    @inlinable
    init(type: UInt8, offset: Int, data: UnsafeRawBufferPointer) {
        self.type = type
        self.offset = offset
        self.data = data
    }

    /// What to do if this option's type is not recognised.
    public var action: IPv6OptionAction { IPv6OptionAction(rawValue: type >> 6) ?? .skip }
    /// Whether the option's data may change en route (the third bit of the type).
    public var mayChange: Bool { type & 0x20 != 0 }
    /// Pad1 or PadN.
    public var isPadding: Bool { type == IPv6OptionType.pad1 || type == IPv6OptionType.padN }
    /// Bytes the option occupies.
    public var encodedLength: Int { type == IPv6OptionType.pad1 ? 1 : 2 + data.count }
}

/// Walks the options of a hop-by-hop or destination options header, padding included.
///
/// Besides lengths that run past the header, it refuses what Linux refuses (RFC 4942 §2.1.9.5
/// recommends it): PadN with non-zero data, and more than 7 bytes of padding in a row, which
/// no alignment needs and which would only hide data.
public struct IPv6OptionIterator {
    /// The whole options header, its next-header and length bytes included.
    private let header: UnsafeRawBufferPointer
    private var offset = 2
    private var paddingRun = 0

    /// `header` is the whole options header (as long as its length byte says).
    public init(header: UnsafeRawBufferPointer) {
        self.header = header
    }

    /// The next option, nil after the last; `badOption` at an option that does not fit or
    /// breaks the padding rules.
    public mutating func next() throws(WireError) -> IPv6Option? {
        guard offset < header.count else { return nil }
        let start = offset
        let type = header.u8(start)
        if type == IPv6OptionType.pad1 {
            offset += 1
            paddingRun += 1
            guard paddingRun <= 7 else { throw .badOption }
            return IPv6Option(type: type, offset: start, data: header.view(start + 1..<start + 1))
        }
        guard start + 2 <= header.count else { throw .badOption }
        let length = Int(header.u8(start + 1))
        guard start + 2 + length <= header.count else { throw .badOption }
        let data = header.view(start + 2..<start + 2 + length)
        offset = start + 2 + length
        if type == IPv6OptionType.padN {
            paddingRun += 2 + length
            guard paddingRun <= 7, data.allSatisfy({ $0 == 0 }) else { throw .badOption }
        } else {
            paddingRun = 0
        }
        return IPv6Option(type: type, offset: start, data: data)
    }

    /// What a node does with this options header (RFC 8200 §4.2): processes it when every
    /// option is padding or `recognizes` its type; otherwise follows the action bits of the
    /// first option it does not recognise. `headerPointer` is the header's offset from the
    /// start of the IPv6 header, so the parameter problem points at the option's type byte.
    public static func disposition(header: UnsafeRawBufferPointer, headerPointer: Int, destinationIsMulticast: Bool,
                                   recognizes: (UInt8) -> Bool) throws(WireError) -> IPv6HeaderDisposition {
        var iterator = IPv6OptionIterator(header: header)
        while let option = try iterator.next() {
            if option.isPadding || recognizes(option.type) { continue }
            switch option.action {
            case .skip:
                continue
            case .discard:
                return .discard
            case .discardAndReport:
                return .discardAndReport(code: .unrecognizedOption, pointer: headerPointer + option.offset)
            case .discardAndReportUnlessMulticast:
                return destinationIsMulticast
                    ? .discard
                    : .discardAndReport(code: .unrecognizedOption, pointer: headerPointer + option.offset)
            }
        }
        return .process
    }
}

/// An option to write: its type and data (Pad1 has no data and no length byte).
public struct IPv6OptionTLV: Hashable, Sendable {
    public var type: UInt8
    public var data: [UInt8]

    public init(type: UInt8, data: [UInt8] = []) {
        self.type = type
        self.data = data
    }

    /// Router alert with `value` (0: the packet carries an MLD message, RFC 2710).
    public static func routerAlert(_ value: UInt16) -> IPv6OptionTLV {
        IPv6OptionTLV(type: IPv6OptionType.routerAlert, data: [UInt8(value >> 8), UInt8(value & 0xFF)])
    }

    public var encodedLength: Int { type == IPv6OptionType.pad1 ? 1 : 2 + data.count }
}

/// Builds hop-by-hop and destination options headers.
public enum IPv6OptionsHeader {
    /// Writes an options header at the start of `buffer`: `nextHeader`, the length, the
    /// options in order, then padding (Pad1 for one byte, PadN for more) up to a multiple of
    /// 8 bytes. Returns the header's length.
    @discardableResult
    public static func write(nextHeader: IPProtocol, options: [IPv6OptionTLV],
                             to buffer: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        var length = 2
        for option in options {
            guard option.type != IPv6OptionType.pad1 || option.data.isEmpty, option.data.count <= 255
            else { throw .badOption }
            length += option.encodedLength
        }
        let total = (length + 7) & ~7
        guard total <= 2048 else { throw .badLength }
        guard buffer.count >= total else { throw .bufferTooSmall }
        buffer.setU8(0, nextHeader.rawValue)
        buffer.setU8(1, UInt8(total / 8 - 1))
        var o = 2
        for option in options {
            buffer.setU8(o, option.type)
            if option.type == IPv6OptionType.pad1 {
                o += 1
                continue
            }
            buffer.setU8(o + 1, UInt8(option.data.count))
            for (i, byte) in option.data.enumerated() { buffer.setU8(o + 2 + i, byte) }
            o += 2 + option.data.count
        }
        let padding = total - o
        if padding == 1 {
            buffer.setU8(o, IPv6OptionType.pad1)
        } else if padding > 1 {
            buffer.setU8(o, IPv6OptionType.padN)
            buffer.setU8(o + 1, UInt8(padding - 2))
            for i in o + 2..<total { buffer.setU8(i, 0) }
        }
        return total
    }
}
