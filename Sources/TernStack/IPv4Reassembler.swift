import TernWire

/// Reassembly of fragmented IPv4 datagrams (RFC 791 §3.2, RFC 815), bounded in memory,
/// count and time.
///
/// Fragments that repeat bytes already received unchanged are harmless duplicates and are
/// ignored; fragments that overlap with different bytes (or straddle a received range)
/// discard the whole datagram, as Linux does: overlaps have no legitimate use and are a
/// classic way to smuggle data past filters.
///
/// Public so that tools reassembling a capture (`tern-checksum --pcap`) run the very code
/// the stack does.
public struct IPv4Reassembler {
    struct Key: Hashable {
        var source: IPv4Address
        var destination: IPv4Address
        var proto: IPProtocol
        var identification: UInt16
    }

    /// A datagram put back together.
    public struct Datagram {
        /// The first fragment's header, its lengths and flags now those of the whole datagram.
        public var header: IPv4Header
        /// The first fragment's header bytes (options included), for quoting in ICMP errors.
        public var headerBytes: [UInt8]
        public var payload: [UInt8]
    }

    /// What adding a fragment led to.
    public enum Outcome {
        case incomplete
        case complete(Datagram)
        /// The datagram was discarded (or the fragment refused) for this reason.
        case dropped(DropReason)
    }

    private struct Partial {
        var data: [UInt8] = []
        /// Received byte ranges of the payload, sorted and merged.
        var received: [Range<Int>] = []
        /// Payload length, known once the last fragment (MF clear) has arrived.
        var totalLength: Int?
        /// Header of the fragment at offset 0, once it has arrived.
        var firstHeader: IPv4Header?
        var firstHeaderBytes: [UInt8] = []
        let expires: Instant
        let started: Instant

        var isComplete: Bool {
            guard let total = totalLength else { return false }
            return received.count == 1 && received[0] == 0..<total
        }

        /// Bytes charged against the memory bound.
        var cost: Int { data.count + firstHeaderBytes.count }
    }

    /// Largest IPv4 payload: 65535 minus a minimal header.
    static let maximumPayload = 65535 - IPv4Header.minimumSize

    let configuration: IPv4Configuration
    private var partials: [Key: Partial] = [:]
    private(set) var memoryUsed = 0
    /// Incomplete datagrams pushed out to make room for new ones, not yet reported by
    /// `takeEvictions()`.
    private var evictions = 0

    public init(configuration: IPv4Configuration) {
        self.configuration = configuration
    }

    var isEmpty: Bool { partials.isEmpty }
    /// Datagrams being reassembled.
    var datagramCount: Int { partials.count }

    /// How many incomplete datagrams were evicted since the last call (each one a drop).
    mutating func takeEvictions() -> Int {
        defer { evictions = 0 }
        return evictions
    }

    /// The earliest timeout, if anything is being reassembled.
    var nextDeadline: Instant? { partials.values.lazy.map(\.expires).min() }

    /// Adds one fragment: its parsed header, its raw header bytes and its payload.
    public mutating func add(header: IPv4Header, headerBytes: UnsafeRawBufferPointer,
                      payload: UnsafeRawBufferPointer, now: Instant) -> Outcome {
        let key = Key(source: header.source, destination: header.destination,
                      proto: header.protocol, identification: header.identification)
        let start = header.fragmentByteOffset
        let end = start + payload.count
        let more = header.flags.contains(.moreFragments)

        guard end <= IPv4Reassembler.maximumPayload else {
            discard(key)
            return .dropped(.reassemblyTooLong)
        }
        // Every fragment but the last carries a multiple of 8 bytes (RFC 791).
        guard !more || (payload.count > 0 && payload.count % 8 == 0) else { return .dropped(.ipBadLength) }

        var partial: Partial
        if let existing = partials.removeValue(forKey: key) {
            partial = existing
            memoryUsed -= partial.cost
        } else {
            guard makeRoom(forNewDatagram: true) else { return .dropped(.reassemblyNoMemory) }
            partial = Partial(expires: now + configuration.reassemblyTimeout, started: now)
        }

        // The last fragment fixes the length; a second, different end is a contradiction.
        if !more {
            if let total = partial.totalLength, total != end { return .dropped(.reassemblyOverlap) }
            if let last = partial.received.last, last.upperBound > end { return .dropped(.reassemblyOverlap) }
            partial.totalLength = end
        } else if let total = partial.totalLength, end > total {
            return .dropped(.reassemblyOverlap)
        }

        // The first fragment's header is kept too (for ICMP quotes), and counts like data.
        let keepsHeader = start == 0 && partial.firstHeader == nil
        switch FragmentRanges.placement(of: start..<end, in: partial.received, data: partial.data, payload: payload) {
        case .overlap:
            return .dropped(.reassemblyOverlap)
        case .duplicate:
            break
        case .new(let index):
            let growth = max(0, end - partial.data.count) + (keepsHeader ? headerBytes.count : 0)
            guard memoryUsed + partial.cost + growth <= configuration.reassemblyMemory else {
                return .dropped(.reassemblyNoMemory)
            }
            if partial.data.count < end {
                // From a zeroed array, copied at once: appending a repeated element goes a byte
                // at a time through the generic collection path, which in a debug build made a
                // flood of fragments far into their datagrams (60 KB of gap each) take seconds.
                partial.data.append(contentsOf: [UInt8](repeating: 0, count: end - partial.data.count))
            }
            partial.data.withUnsafeMutableBytes { dst in
                UnsafeMutableRawBufferPointer(rebasing: dst[start..<end]).copyMemory(from: payload)
            }
            FragmentRanges.insert(start..<end, into: &partial.received, at: index)
        }

        if keepsHeader {
            partial.firstHeader = header
            partial.firstHeaderBytes = Array(headerBytes)
        }

        if partial.isComplete, var first = partial.firstHeader {
            first.flags.remove(.moreFragments)
            first.fragmentOffset = 0
            first.totalLength = UInt16(clamping: first.headerLength + partial.data.count)
            return .complete(Datagram(header: first, headerBytes: partial.firstHeaderBytes, payload: partial.data))
        }
        memoryUsed += partial.cost
        partials[key] = partial
        return .incomplete
    }

    /// Discards datagrams whose time is up. Returns, for each that had its first fragment,
    /// that fragment's header bytes and leading payload (for an ICMP time-exceeded message).
    mutating func expire(now: Instant) -> (count: Int, quotes: [[UInt8]]) {
        var quotes: [[UInt8]] = []
        var count = 0
        for (key, partial) in partials where partial.expires <= now {
            count += 1
            if partial.firstHeader != nil {
                quotes.append(partial.firstHeaderBytes + partial.data.prefix(8))
            }
            discard(key)
        }
        return (count, quotes)
    }

    private mutating func discard(_ key: Key) {
        if let partial = partials.removeValue(forKey: key) { memoryUsed -= partial.cost }
    }

    /// Makes room for one more datagram by evicting the oldest when the count is at its limit.
    private mutating func makeRoom(forNewDatagram: Bool) -> Bool {
        if partials.count < configuration.maximumReassemblies { return true }
        guard let oldest = partials.min(by: { $0.value.started < $1.value.started }) else { return false }
        discard(oldest.key)
        evictions += 1
        return true
    }
}
