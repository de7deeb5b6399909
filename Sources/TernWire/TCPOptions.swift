/// TCP option kinds (IANA "TCP Option Kind Numbers").
public enum TCPOptionKind {
    public static let endOfOptionList: UInt8 = 0
    public static let noOperation: UInt8 = 1
    public static let maximumSegmentSize: UInt8 = 2
    public static let windowScale: UInt8 = 3
    public static let sackPermitted: UInt8 = 4
    public static let sack: UInt8 = 5
    public static let timestamps: UInt8 = 8
}

/// One SACK block (RFC 2018): the sequence range `left..<right` the receiver holds.
public struct TCPSACKBlock: Hashable, Sendable {
    public var left: SequenceNumber
    public var right: SequenceNumber
    @inlinable
    public init(left: SequenceNumber, right: SequenceNumber) {
        self.left = left
        self.right = right
    }
}

/// Up to four SACK blocks, stored inline so parsing allocates nothing.
public struct TCPSACKBlocks: Hashable, Sendable, RandomAccessCollection {
    /// Four blocks fill the 40-byte options area (2 + 4 × 8 = 34 bytes).
    public static let capacity = 4
    @usableFromInline var b0, b1, b2, b3: TCPSACKBlock
    @usableFromInline var storedCount: Int

    /// How many blocks are held (0…4).
    @inlinable
    public var count: Int { storedCount }

    @inlinable
    public init() {
        let zero = TCPSACKBlock(left: SequenceNumber(0), right: SequenceNumber(0))
        (b0, b1, b2, b3) = (zero, zero, zero, zero)
        storedCount = 0
    }

    public init(_ blocks: some Sequence<TCPSACKBlock>) {
        self.init()
        for b in blocks where count < TCPSACKBlocks.capacity { append(b) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(i: Int) -> TCPSACKBlock {
        get {
            precondition(i >= 0 && i < count, "SACK block index out of range")
            switch i {
            case 0: return b0
            case 1: return b1
            case 2: return b2
            default: return b3
            }
        }
    }

    /// Appends a block; returns false (and changes nothing) when all four are in use.
    @discardableResult @inlinable
    public mutating func append(_ block: TCPSACKBlock) -> Bool {
        switch storedCount {
        case 0: b0 = block
        case 1: b1 = block
        case 2: b2 = block
        case 3: b3 = block
        default: return false
        }
        storedCount += 1
        return true
    }

    public static func == (a: TCPSACKBlocks, b: TCPSACKBlocks) -> Bool {
        a.elementsEqual(b)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for block in self { hasher.combine(block) }
    }
}

/// The timestamps option (RFC 7323 §3): the sender's clock and the echo of the peer's.
public struct TCPTimestamps: Hashable, Sendable {
    public var value: UInt32
    public var echoReply: UInt32
    @inlinable
    public init(value: UInt32, echoReply: UInt32) {
        self.value = value
        self.echoReply = echoReply
    }
}

/// One TCP option, as it appears in the options area.
public enum TCPOption: Hashable, Sendable {
    case endOfOptionList
    case noOperation
    case maximumSegmentSize(UInt16)
    case windowScale(UInt8)
    case sackPermitted
    case sack(TCPSACKBlocks)
    case timestamps(TCPTimestamps)
    /// An option this codec does not interpret, kept with its data so it can be rewritten.
    case unknown(kind: UInt8, data: [UInt8])

    /// Bytes the option occupies.
    public var encodedLength: Int {
        switch self {
        case .endOfOptionList, .noOperation: 1
        case .maximumSegmentSize: 4
        case .windowScale: 3
        case .sackPermitted: 2
        case .sack(let blocks): 2 + 8 * blocks.count
        case .timestamps: 10
        case .unknown(_, let data): 2 + data.count
        }
    }

    /// Writes the option at `offset`; returns the offset after it.
    func write(to buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(WireError) -> Int {
        let end = offset + encodedLength
        guard end <= buffer.count else { throw .bufferTooSmall }
        switch self {
        case .endOfOptionList:
            buffer.setU8(offset, TCPOptionKind.endOfOptionList)
        case .noOperation:
            buffer.setU8(offset, TCPOptionKind.noOperation)
        case .maximumSegmentSize(let mss):
            buffer.setU8(offset, TCPOptionKind.maximumSegmentSize)
            buffer.setU8(offset + 1, 4)
            buffer.setU16(offset + 2, mss)
        case .windowScale(let shift):
            buffer.setU8(offset, TCPOptionKind.windowScale)
            buffer.setU8(offset + 1, 3)
            buffer.setU8(offset + 2, shift)
        case .sackPermitted:
            buffer.setU8(offset, TCPOptionKind.sackPermitted)
            buffer.setU8(offset + 1, 2)
        case .sack(let blocks):
            guard !blocks.isEmpty else { throw .badOption }
            buffer.setU8(offset, TCPOptionKind.sack)
            buffer.setU8(offset + 1, UInt8(2 + 8 * blocks.count))
            for (i, block) in blocks.enumerated() {
                buffer.setU32(offset + 2 + 8 * i, block.left.rawValue)
                buffer.setU32(offset + 6 + 8 * i, block.right.rawValue)
            }
        case .timestamps(let ts):
            buffer.setU8(offset, TCPOptionKind.timestamps)
            buffer.setU8(offset + 1, 10)
            buffer.setU32(offset + 2, ts.value)
            buffer.setU32(offset + 6, ts.echoReply)
        case .unknown(let kind, let data):
            // EOL and NOP are one byte long: a length byte after them would be misread.
            guard data.count <= 253, kind != TCPOptionKind.endOfOptionList, kind != TCPOptionKind.noOperation
            else { throw .badOption }
            buffer.setU8(offset, kind)
            buffer.setU8(offset + 1, UInt8(2 + data.count))
            for (i, byte) in data.enumerated() { buffer.setU8(offset + 2 + i, byte) }
        }
        return end
    }

    /// Writes `options` in order at the start of `buffer`, then zero padding up to a
    /// multiple of 4. Returns the padded length.
    public static func write(_ options: [TCPOption], to buffer: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        var offset = 0
        for option in options { offset = try option.write(to: buffer, at: offset) }
        let padded = (offset + 3) & ~3
        guard padded <= buffer.count else { throw .bufferTooSmall }
        while offset < padded {
            buffer.setU8(offset, 0)
            offset += 1
        }
        return padded
    }
}

/// Walks an options area, yielding every option in order. Stops after End of Option List
/// (what follows is padding). Throws `badOption` on a length byte that is missing, below 2,
/// past the end of the area, or wrong for a known kind.
public struct TCPOptionIterator {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    public init(_ options: UnsafeRawBufferPointer) {
        bytes = options
    }

    public mutating func next() throws(WireError) -> TCPOption? {
        guard offset < bytes.count else { return nil }
        let kind = bytes.u8(offset)
        switch kind {
        case TCPOptionKind.endOfOptionList:
            offset = bytes.count
            return .endOfOptionList
        case TCPOptionKind.noOperation:
            offset += 1
            return .noOperation
        default:
            break
        }
        guard offset + 1 < bytes.count else { throw .badOption }
        let length = Int(bytes.u8(offset + 1))
        guard length >= 2, offset + length <= bytes.count else { throw .badOption }
        let start = offset
        offset += length
        switch kind {
        case TCPOptionKind.maximumSegmentSize:
            guard length == 4 else { throw .badOption }
            return .maximumSegmentSize(bytes.u16(start + 2))
        case TCPOptionKind.windowScale:
            guard length == 3 else { throw .badOption }
            return .windowScale(bytes.u8(start + 2))
        case TCPOptionKind.sackPermitted:
            guard length == 2 else { throw .badOption }
            return .sackPermitted
        case TCPOptionKind.sack:
            guard length >= 10, (length - 2) % 8 == 0, (length - 2) / 8 <= TCPSACKBlocks.capacity
            else { throw .badOption }
            var blocks = TCPSACKBlocks()
            var p = start + 2
            while p < start + length {
                blocks.append(TCPSACKBlock(left: SequenceNumber(bytes.u32(p)),
                                           right: SequenceNumber(bytes.u32(p + 4))))
                p += 8
            }
            return .sack(blocks)
        case TCPOptionKind.timestamps:
            guard length == 10 else { throw .badOption }
            return .timestamps(TCPTimestamps(value: bytes.u32(start + 2), echoReply: bytes.u32(start + 6)))
        default:
            return .unknown(kind: kind, data: Array(bytes.view(start + 2..<start + length)))
        }
    }

    /// Every option in order.
    public static func all(_ options: UnsafeRawBufferPointer) throws(WireError) -> [TCPOption] {
        var iterator = TCPOptionIterator(options)
        var result: [TCPOption] = []
        while let option = try iterator.next() { result.append(option) }
        return result
    }
}

/// The options a TCP implementation acts on, gathered in one pass without allocating.
/// Unknown options are skipped by their length.
public struct TCPOptions: Hashable, Sendable {
    public var maximumSegmentSize: UInt16?
    /// The shift count as sent (RFC 7323 caps its use at 14).
    public var windowScale: UInt8?
    public var sackPermitted: Bool
    public var timestamps: TCPTimestamps?
    /// Empty when the segment carries no SACK option.
    public var sackBlocks: TCPSACKBlocks

    @inlinable
    public init(maximumSegmentSize: UInt16? = nil, windowScale: UInt8? = nil, sackPermitted: Bool = false,
                timestamps: TCPTimestamps? = nil, sackBlocks: TCPSACKBlocks = TCPSACKBlocks()) {
        self.maximumSegmentSize = maximumSegmentSize
        self.windowScale = windowScale
        self.sackPermitted = sackPermitted
        self.timestamps = timestamps
        self.sackBlocks = sackBlocks
    }

    /// Parses an options area. Same validation as `TCPOptionIterator`, but unknown options
    /// are skipped rather than copied.
    @inlinable @inline(__always)
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> TCPOptions {
        var result = TCPOptions()
        var offset = 0
        let n = bytes.count
        while offset < n {
            let kind = bytes.u8(offset)
            if kind == TCPOptionKind.endOfOptionList { break }
            if kind == TCPOptionKind.noOperation {
                offset += 1
                continue
            }
            guard offset + 1 < n else { throw .badOption }
            let length = Int(bytes.u8(offset + 1))
            guard length >= 2, offset + length <= n else { throw .badOption }
            switch kind {
            case TCPOptionKind.maximumSegmentSize:
                guard length == 4 else { throw .badOption }
                result.maximumSegmentSize = bytes.u16(offset + 2)
            case TCPOptionKind.windowScale:
                guard length == 3 else { throw .badOption }
                result.windowScale = bytes.u8(offset + 2)
            case TCPOptionKind.sackPermitted:
                guard length == 2 else { throw .badOption }
                result.sackPermitted = true
            case TCPOptionKind.sack:
                guard length >= 10, (length - 2) % 8 == 0, (length - 2) / 8 <= TCPSACKBlocks.capacity
                else { throw .badOption }
                var p = offset + 2
                while p < offset + length {
                    result.sackBlocks.append(TCPSACKBlock(left: SequenceNumber(bytes.u32(p)),
                                                          right: SequenceNumber(bytes.u32(p + 4))))
                    p += 8
                }
            case TCPOptionKind.timestamps:
                guard length == 10 else { throw .badOption }
                result.timestamps = TCPTimestamps(value: bytes.u32(offset + 2), echoReply: bytes.u32(offset + 6))
            default:
                break
            }
            offset += length
        }
        return result
    }

    /// Parses an options area as Linux reads a SYN's: an option of a known kind with the
    /// wrong length is ignored, and parsing stops at a length that is below 2 or runs past
    /// the area, keeping what came before. Never fails. For SYNs, which a peer with a
    /// slightly broken stack should still be able to open a connection with.
    public static func parseLeniently(_ bytes: UnsafeRawBufferPointer) -> TCPOptions {
        var result = TCPOptions()
        var offset = 0
        let n = bytes.count
        while offset < n {
            let kind = bytes.u8(offset)
            if kind == TCPOptionKind.endOfOptionList { break }
            if kind == TCPOptionKind.noOperation {
                offset += 1
                continue
            }
            guard offset + 1 < n else { break }
            let length = Int(bytes.u8(offset + 1))
            guard length >= 2, offset + length <= n else { break }
            switch kind {
            case TCPOptionKind.maximumSegmentSize where length == 4:
                result.maximumSegmentSize = bytes.u16(offset + 2)
            case TCPOptionKind.windowScale where length == 3:
                result.windowScale = bytes.u8(offset + 2)
            case TCPOptionKind.sackPermitted where length == 2:
                result.sackPermitted = true
            case TCPOptionKind.timestamps where length == 10:
                result.timestamps = TCPTimestamps(value: bytes.u32(offset + 2), echoReply: bytes.u32(offset + 6))
            default:
                // SACK blocks mean nothing in a SYN; unknown kinds and wrong lengths are skipped.
                break
            }
            offset += length
        }
        return result
    }

    /// The options in the order Linux sends them: MSS, SACK-permitted and timestamps
    /// (sharing one 12-byte word group), window scale after a NOP, then SACK blocks after
    /// two NOPs. Every option lands on its natural alignment.
    public var layout: [TCPOption] {
        var list: [TCPOption] = []
        if let mss = maximumSegmentSize { list.append(.maximumSegmentSize(mss)) }
        switch (sackPermitted, timestamps) {
        case (true, let ts?): list += [.sackPermitted, .timestamps(ts)]
        case (false, let ts?): list += [.noOperation, .noOperation, .timestamps(ts)]
        case (true, nil): list += [.noOperation, .noOperation, .sackPermitted]
        case (false, nil): break
        }
        if let shift = windowScale { list += [.noOperation, .windowScale(shift)] }
        if !sackBlocks.isEmpty { list += [.noOperation, .noOperation, .sack(sackBlocks)] }
        return list
    }

    /// Bytes `write` produces (a multiple of 4, at most 40 when the SACK blocks fit).
    public var encodedLength: Int {
        var n = maximumSegmentSize == nil ? 0 : 4
        if sackPermitted || timestamps != nil { n += timestamps == nil ? 4 : 12 }
        if windowScale != nil { n += 4 }
        if !sackBlocks.isEmpty { n += 4 + 8 * sackBlocks.count }
        return n
    }

    /// Writes the options in `layout` order at the start of `buffer`; returns the length.
    /// Allocation-free: this runs for every segment that carries timestamps.
    @inline(__always)
    public func write(to buffer: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        let total = encodedLength
        guard buffer.count >= total else { throw .bufferTooSmall }
        var o = 0
        if let mss = maximumSegmentSize {
            buffer.setU32(o, UInt32(TCPOptionKind.maximumSegmentSize) << 24 | 4 << 16 | UInt32(mss))
            o += 4
        }
        if let ts = timestamps {
            let lead: UInt32 = sackPermitted
                ? UInt32(TCPOptionKind.sackPermitted) << 24 | 2 << 16
                : UInt32(TCPOptionKind.noOperation) << 24 | UInt32(TCPOptionKind.noOperation) << 16
            buffer.setU32(o, lead | UInt32(TCPOptionKind.timestamps) << 8 | 10)
            buffer.setU32(o + 4, ts.value)
            buffer.setU32(o + 8, ts.echoReply)
            o += 12
        } else if sackPermitted {
            buffer.setU32(o, UInt32(TCPOptionKind.noOperation) << 24 | UInt32(TCPOptionKind.noOperation) << 16
                | UInt32(TCPOptionKind.sackPermitted) << 8 | 2)
            o += 4
        }
        if let shift = windowScale {
            buffer.setU32(o, UInt32(TCPOptionKind.noOperation) << 24 | UInt32(TCPOptionKind.windowScale) << 16
                | 3 << 8 | UInt32(shift))
            o += 4
        }
        if !sackBlocks.isEmpty {
            buffer.setU32(o, UInt32(TCPOptionKind.noOperation) << 24 | UInt32(TCPOptionKind.noOperation) << 16
                | UInt32(TCPOptionKind.sack) << 8 | UInt32(2 + 8 * sackBlocks.count))
            o += 4
            for block in sackBlocks {
                buffer.setU32(o, block.left.rawValue)
                buffer.setU32(o + 4, block.right.rawValue)
                o += 8
            }
        }
        return o
    }
}
