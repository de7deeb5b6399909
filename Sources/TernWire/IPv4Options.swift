/// The IPv4 options (RFC 791 §3.1) a host acts on. Any other option is skipped by its
/// length, as RFC 1122 §3.2.1.8 asks of options a host does not implement.
public enum IPv4OptionType {
    public static let endOfList: UInt8 = 0
    public static let noOperation: UInt8 = 1
    public static let recordRoute: UInt8 = 7
    public static let timestamp: UInt8 = 68
    public static let looseSourceRoute: UInt8 = 131
    public static let strictSourceRoute: UInt8 = 137

    /// Whether an option of this type goes into every fragment (the "copied" flag, its
    /// high bit), not only the first.
    @inlinable
    public static func isCopied(_ type: UInt8) -> Bool { type & 0x80 != 0 }
}

/// Where the options a host acts on sit in an options area: offsets of their type bytes.
public struct IPv4OptionIndex: Equatable, Sendable {
    public var recordRoute: Int?
    public var timestamp: Int?
    /// A loose or strict source route.
    public var sourceRoute: Int?

    public init(recordRoute: Int? = nil, timestamp: Int? = nil, sourceRoute: Int? = nil) {
        self.recordRoute = recordRoute
        self.timestamp = timestamp
        self.sourceRoute = sourceRoute
    }
}

/// A malformed options area: `offset` is the octet at fault, counted from the start of the
/// options area (add the 20 bytes of the fixed header for an ICMP parameter problem's
/// pointer, RFC 792).
public struct IPv4OptionError: Error, Equatable, Sendable {
    public var offset: Int
    public init(offset: Int) { self.offset = offset }
}

/// Reading and updating the options area of an IPv4 header. The area comes from the wire:
/// every length and pointer is checked before it is used.
public enum IPv4Options {
    /// Walks the options area and checks the options a host acts on as Linux does: a length
    /// below 2 or beyond the area, a pointer below its minimum or leaving less than a whole
    /// slot, a full timestamp whose overflow count can go no higher, or the same option
    /// twice is an error at the octet that holds the fault.
    public static func index(_ area: UnsafeRawBufferPointer) throws(IPv4OptionError) -> IPv4OptionIndex {
        var index = IPv4OptionIndex()
        try walk(area) { type, offset, length throws(IPv4OptionError) in
            let option = area.view(offset..<offset + length)
            switch type {
            case IPv4OptionType.recordRoute:
                guard index.recordRoute == nil else { throw IPv4OptionError(offset: offset) }
                try checkRoute(option, at: offset)
                index.recordRoute = offset
            case IPv4OptionType.looseSourceRoute, IPv4OptionType.strictSourceRoute:
                guard index.sourceRoute == nil else { throw IPv4OptionError(offset: offset) }
                try checkRoute(option, at: offset)
                index.sourceRoute = offset
            case IPv4OptionType.timestamp:
                guard index.timestamp == nil else { throw IPv4OptionError(offset: offset) }
                try checkTimestamp(option, at: offset)
                index.timestamp = offset
            default:
                break
            }
        }
        return index
    }

    /// Calls `visit` with the type, offset and length of each option up to the end of the
    /// list, skipping no-operation octets; a length below 2 or beyond the area is an error
    /// at the option's type octet.
    private static func walk(_ area: UnsafeRawBufferPointer,
                             _ visit: (UInt8, Int, Int) throws(IPv4OptionError) -> Void) throws(IPv4OptionError) {
        var offset = 0
        while offset < area.count {
            let type = area.u8(offset)
            if type == IPv4OptionType.endOfList { return }
            if type == IPv4OptionType.noOperation {
                offset += 1
                continue
            }
            guard offset + 1 < area.count else { throw IPv4OptionError(offset: offset) }
            let length = Int(area.u8(offset + 1))
            guard length >= 2, length <= area.count - offset else { throw IPv4OptionError(offset: offset) }
            try visit(type, offset, length)
            offset += length
        }
    }

    /// A route option (record, loose or strict source): type, length, pointer, then
    /// addresses; the pointer (1-based) is at least 4 and, while there is room, starts a
    /// whole address slot.
    private static func checkRoute(_ option: UnsafeRawBufferPointer, at offset: Int) throws(IPv4OptionError) {
        guard option.count >= 3 else { throw IPv4OptionError(offset: offset + 1) }
        let pointer = Int(option.u8(2))
        guard pointer >= 4 else { throw IPv4OptionError(offset: offset + 2) }
        if pointer <= option.count, pointer + 3 > option.count { throw IPv4OptionError(offset: offset + 2) }
    }

    /// A timestamp option: type, length, pointer, overflow and flags, then 4-byte stamps
    /// (flag 0) or address and stamp pairs (flags 1 and 3).
    private static func checkTimestamp(_ option: UnsafeRawBufferPointer, at offset: Int) throws(IPv4OptionError) {
        guard option.count >= 4 else { throw IPv4OptionError(offset: offset + 1) }
        let pointer = Int(option.u8(2))
        guard pointer >= 5 else { throw IPv4OptionError(offset: offset + 2) }
        let flags = option.u8(3) & 0x0F
        // A flag RFC 791 does not define is let through unstamped, as Linux does.
        guard flags == 0 || flags == 1 || flags == 3 else { return }
        let slot = flags == 0 ? 4 : 8
        if pointer <= option.count {
            guard pointer + slot - 1 <= option.count else { throw IPv4OptionError(offset: offset + 2) }
        } else if option.u8(3) >> 4 == 15 {
            throw IPv4OptionError(offset: offset + 3)
        }
    }

    /// Records `address` in the record-route option at `offset` (its pointer moves on a
    /// slot), or leaves a full option as it is (RFC 791).
    public static func recordRoute(in area: UnsafeMutableRawBufferPointer, at offset: Int, address: IPv4Address) {
        let bytes = UnsafeRawBufferPointer(area)
        guard offset + 3 <= bytes.count else { return }
        let length = Int(bytes.u8(offset + 1)), pointer = Int(bytes.u8(offset + 2))
        guard length <= area.count - offset, pointer >= 4, pointer + 3 <= length else { return }
        area.setU32(offset + pointer - 1, address.rawValue)
        area.setU8(offset + 2, UInt8(pointer + 4))
    }

    /// Stamps the timestamp option at `offset` for a host with `address`, at
    /// `milliseconds` since midnight UT: a stamp (flag 0), our address and a stamp (flag
    /// 1), or a stamp in the next slot if it names us (flag 3). A full option counts the
    /// hop in its overflow field instead, which saturates (RFC 791).
    public static func timestamp(in area: UnsafeMutableRawBufferPointer, at offset: Int, address: IPv4Address,
                                 milliseconds: UInt32) {
        let bytes = UnsafeRawBufferPointer(area)
        guard offset + 4 <= bytes.count else { return }
        let length = Int(bytes.u8(offset + 1)), pointer = Int(bytes.u8(offset + 2))
        guard length <= bytes.count - offset, pointer >= 5 else { return }
        let control = bytes.u8(offset + 3), flags = control & 0x0F
        guard flags == 0 || flags == 1 || flags == 3 else { return }
        let slot = flags == 0 ? 4 : 8
        guard pointer + slot - 1 <= length else {
            let overflow = control >> 4
            if overflow < 15 { area.setU8(offset + 3, (overflow + 1) << 4 | flags) }
            return
        }
        let at = offset + pointer - 1
        switch flags {
        case 0:
            area.setU32(at, milliseconds)
        case 1:
            area.setU32(at, address.rawValue)
            area.setU32(at + 4, milliseconds)
        case 3:
            guard bytes.u32(at) == address.rawValue else { return }
            area.setU32(at + 4, milliseconds)
        default:
            return
        }
        area.setU8(offset + 2, UInt8(pointer + slot))
    }

    /// Copies the options an echo reply carries back (record route and timestamp, RFC 1122
    /// §3.2.2.6) from `area` into `destination`, padded with end-of-list octets to a whole
    /// number of 32-bit words. Returns the bytes written; `destination` holds at least
    /// `area.count` rounded up to 4.
    public static func copyEchoed(from area: UnsafeRawBufferPointer, index: IPv4OptionIndex,
                                  into destination: UnsafeMutableRawBufferPointer) -> Int {
        var written = 0
        func copy(_ offset: Int?) {
            guard let offset else { return }
            let length = Int(area.u8(offset + 1))
            destination.view(written..<written + length).copyMemory(from: area.view(offset..<offset + length))
            written += length
        }
        // In the order they came.
        if let route = index.recordRoute, let stamp = index.timestamp, stamp < route {
            copy(stamp)
            copy(route)
        } else {
            copy(index.recordRoute)
            copy(index.timestamp)
        }
        while written % 4 != 0 {
            destination.setU8(written, IPv4OptionType.endOfList)
            written += 1
        }
        return written
    }

    /// Copies the options that go into every fragment (RFC 791 §3.2) into `destination`,
    /// padded to whole words. Returns the bytes written.
    public static func copyCopied(from area: UnsafeRawBufferPointer,
                                  into destination: UnsafeMutableRawBufferPointer) -> Int {
        var written = 0
        // A malformed option ends the copy; what came before it is kept.
        try? walk(area) { type, offset, length in
            guard IPv4OptionType.isCopied(type) else { return }
            destination.view(written..<written + length).copyMemory(from: area.view(offset..<offset + length))
            written += length
        }
        while written % 4 != 0 {
            destination.setU8(written, IPv4OptionType.endOfList)
            written += 1
        }
        return written
    }
}
