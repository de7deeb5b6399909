import TernWire

/// Reassembly of fragmented IPv6 packets (RFC 8200 §4.5), bounded in memory, count and time.
///
/// Overlapping fragments discard the whole packet (RFC 5722); exact repeats of bytes
/// already received are tolerated as network duplicates, as RFC 8200 allows. The packet is
/// rebuilt from the first fragment's unfragmentable part (the IPv6 header and the extension
/// headers before the fragment header) and the fragments' data.
struct IPv6Reassembler {
    struct Key: Hashable {
        var source: IPv6Address
        var destination: IPv6Address
        var identification: UInt32
    }

    /// What adding a fragment led to.
    enum Outcome {
        case incomplete
        /// The whole packet, from its IPv6 header on, without the fragment header.
        case complete([UInt8])
        /// The packet was discarded (or the fragment refused) for this reason.
        case dropped(DropReason)
    }

    private struct Partial {
        var data: [UInt8] = []
        /// Received byte ranges of the fragmentable part, sorted and merged.
        var received: [Range<Int>] = []
        /// Length of the fragmentable part, known once the last fragment has arrived.
        var totalLength: Int?
        /// The first fragment's unfragmentable part with the next-header field that named
        /// the fragment header now naming what follows it; and the first fragment as
        /// received, for a time-exceeded quote.
        var prefix: [UInt8] = []
        var firstFragment: [UInt8] = []
        var firstHeader: IPv6Header?
        let expires: Instant
        let started: Instant

        var isComplete: Bool {
            guard let total = totalLength, !prefix.isEmpty else { return false }
            return received.count == 1 && received[0] == 0..<total
        }

        var cost: Int { data.count + prefix.count + firstFragment.count }
    }

    let timeout: Duration
    let memoryLimit: Int
    let countLimit: Int
    private var partials: [Key: Partial] = [:]
    private(set) var memoryUsed = 0
    private var evictions = 0

    init(configuration: IPv6Configuration) {
        timeout = configuration.reassemblyTimeout
        memoryLimit = configuration.reassemblyMemory
        countLimit = configuration.maximumReassemblies
    }

    var isEmpty: Bool { partials.isEmpty }

    /// The earliest timeout, if anything is being reassembled.
    var nextDeadline: Instant? { partials.values.lazy.map(\.expires).min() }

    /// How many incomplete packets were evicted since the last call (each one a drop).
    mutating func takeEvictions() -> Int {
        defer { evictions = 0 }
        return evictions
    }

    /// Adds one fragment: the whole packet as received (`bytes`, from the IPv6 header on),
    /// its header, its fragment header, where that header starts in `bytes`, and the offset
    /// in `bytes` of the next-header field that names it.
    mutating func add(_ bytes: UnsafeRawBufferPointer, header: IPv6Header, fragment: IPv6FragmentHeader,
                      fragmentHeaderOffset: Int, namingField: Int, now: Instant) -> Outcome {
        let key = Key(source: header.source, destination: header.destination, identification: fragment.identification)
        let dataStart = fragmentHeaderOffset + IPv6FragmentHeader.size
        guard dataStart <= bytes.count else { return .dropped(.ipv6Malformed) }
        let payload = bytes.view(dataStart..<bytes.count)
        let start = fragment.fragmentByteOffset
        let end = start + payload.count
        guard fragmentHeaderOffset - IPv6Header.size + IPv6FragmentHeader.size + end <= 65535 else {
            discard(key)
            return .dropped(.reassemblyTooLong)
        }
        var partial: Partial
        if let existing = partials.removeValue(forKey: key) {
            partial = existing
            memoryUsed -= partial.cost
        } else {
            if partials.count >= countLimit, let oldest = partials.min(by: { $0.value.started < $1.value.started }) {
                discard(oldest.key)
                evictions += 1
            }
            partial = Partial(expires: now + timeout, started: now)
        }
        if !fragment.moreFragments {
            if let total = partial.totalLength, total != end { return .dropped(.reassemblyOverlap) }
            if let last = partial.received.last, last.upperBound > end { return .dropped(.reassemblyOverlap) }
            partial.totalLength = end
        } else if let total = partial.totalLength, end > total {
            return .dropped(.reassemblyOverlap)
        }
        let keepsPrefix = start == 0 && partial.prefix.isEmpty
        switch FragmentRanges.placement(of: start..<end, in: partial.received, data: partial.data, payload: payload) {
        case .overlap:
            return .dropped(.reassemblyOverlap)
        case .duplicate:
            break
        case .new(let index):
            let growth = max(0, end - partial.data.count) + (keepsPrefix ? fragmentHeaderOffset + min(bytes.count, IPv6Header.minimumMTU) : 0)
            guard memoryUsed + partial.cost + growth <= memoryLimit else {
                // Kept as it was: the fragments already here may still complete it.
                memoryUsed += partial.cost
                partials[key] = partial
                return .dropped(.reassemblyNoMemory)
            }
            if partial.data.count < end {
                partial.data.append(contentsOf: [UInt8](repeating: 0, count: end - partial.data.count))
            }
            partial.data.withUnsafeMutableBytes { dst in
                UnsafeMutableRawBufferPointer(rebasing: dst[start..<end]).copyMemory(from: payload)
            }
            FragmentRanges.insert(start..<end, into: &partial.received, at: index)
        }
        if keepsPrefix {
            var prefix = Array(bytes.view(0..<fragmentHeaderOffset))
            prefix[namingField] = fragment.nextHeader.rawValue
            partial.prefix = prefix
            partial.firstFragment = Array(bytes.view(0..<min(bytes.count, IPv6Header.minimumMTU)))
            partial.firstHeader = header
        }
        if partial.isComplete {
            var whole = partial.prefix + partial.data
            let payloadLength = whole.count - IPv6Header.size
            whole[4] = UInt8(truncatingIfNeeded: payloadLength >> 8)
            whole[5] = UInt8(truncatingIfNeeded: payloadLength)
            return .complete(whole)
        }
        memoryUsed += partial.cost
        partials[key] = partial
        return .incomplete
    }

    /// Discards packets whose time is up. Returns how many, and for each whose first
    /// fragment had arrived, that fragment's header and its first 1280 bytes (for a
    /// time-exceeded message, RFC 8200 §4.5).
    mutating func expire(now: Instant) -> (count: Int, firstFragments: [(header: IPv6Header, bytes: [UInt8])]) {
        var firsts: [(header: IPv6Header, bytes: [UInt8])] = []
        var count = 0
        for (key, partial) in partials where partial.expires <= now {
            count += 1
            if let header = partial.firstHeader { firsts.append((header, partial.firstFragment)) }
            discard(key)
        }
        return (count, firsts)
    }

    private mutating func discard(_ key: Key) {
        if let partial = partials.removeValue(forKey: key) { memoryUsed -= partial.cost }
    }
}
