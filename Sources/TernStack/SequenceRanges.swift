import TernWire

/// Disjoint, sorted ranges of sequence space: the out-of-order data a receiver holds, or
/// what a peer has SACKed. Bounded in count (`limit`), so a peer sending scattered one-byte
/// segments cannot grow it without end; lookups are binary searches, so a few thousand
/// ranges (a large window under heavy loss) cost little per segment.
struct SequenceRanges {
    struct Range: Equatable {
        var start: SequenceNumber
        var end: SequenceNumber
    }

    /// How many of the most recently changed ranges are remembered for SACK: as many
    /// blocks as a segment can carry.
    static let recentCapacity = 4

    private(set) var ranges: [Range] = []
    /// The ranges most recently added to or created, newest first: SACK reports them in
    /// this order, so the first block holds the segment that triggered the ACK and the
    /// others repeat what was reported most recently (RFC 2018 §4).
    private(set) var recent: [Range] = []
    /// Bytes covered by all ranges.
    private(set) var totalBytes = 0
    /// The most ranges held; an insert that would need another fails.
    var limit: Int

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    var isEmpty: Bool { ranges.isEmpty }
    var first: Range? { ranges.first }

    /// The index of the first range that ends at or after `point` (ranges.count if none).
    private func firstIndex(endingAtOrAfter point: SequenceNumber) -> Int {
        var low = 0, high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].end < point { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Adds `start..<end`, merging with overlapping or touching ranges. Returns false (and
    /// changes nothing) when it would need a new range beyond the limit.
    mutating func insert(start: SequenceNumber, end: SequenceNumber) -> Bool {
        guard start < end else { return true }
        let first = firstIndex(endingAtOrAfter: start)
        var last = first
        while last < ranges.count && ranges[last].start <= end { last += 1 }
        var merged = Range(start: start, end: end)
        var replaced = 0
        if last > first {
            merged.start = SequenceNumber.min(merged.start, ranges[first].start)
            merged.end = SequenceNumber.max(merged.end, ranges[last - 1].end)
            for r in ranges[first..<last] { replaced += r.end - r.start }
            ranges.replaceSubrange(first..<last, with: CollectionOfOne(merged))
        } else {
            guard ranges.count < limit else { return false }
            if ranges.isEmpty { ranges.reserveCapacity(8) }
            ranges.insert(merged, at: first)
        }
        totalBytes += (merged.end - merged.start) - replaced
        noteRecent(merged)
        return true
    }

    /// Puts `merged` first among the recent ranges; any it swallowed go.
    private mutating func noteRecent(_ merged: Range) {
        recent.removeAll { $0.start >= merged.start && $0.end <= merged.end }
        if recent.isEmpty { recent.reserveCapacity(Self.recentCapacity) }
        if recent.count == Self.recentCapacity { recent.removeLast() }
        recent.insert(merged, at: 0)
    }

    /// Drops the ranges that `point` has reached (the data became in-order) and returns
    /// how far in-order data now extends, or nil when it extends no further than `point`.
    mutating func popContiguous(at point: SequenceNumber) -> SequenceNumber? {
        var reach = point
        var count = 0
        for r in ranges {
            guard r.start <= reach else { break }
            if r.end > reach { reach = r.end }
            totalBytes -= r.end - r.start
            count += 1
        }
        guard count > 0 else { return nil }
        ranges.removeFirst(count)
        recent.removeAll { $0.start <= reach }
        return reach > point ? reach : nil
    }

    /// Forgets everything before `point`, trimming a range that straddles it.
    mutating func removeBelow(_ point: SequenceNumber) {
        var count = 0
        while count < ranges.count && ranges[count].end <= point {
            totalBytes -= ranges[count].end - ranges[count].start
            count += 1
        }
        if count > 0 { ranges.removeFirst(count) }
        if let r = ranges.first, r.start < point {
            totalBytes -= point - r.start
            ranges[0].start = point
        }
        recent.removeAll { $0.end <= point }
        for i in recent.indices where recent[i].start < point { recent[i].start = point }
        if ranges.isEmpty { removeAll() }
    }

    /// The end of the last range.
    var highestEnd: SequenceNumber? { ranges.last?.end }

    /// Bytes covered within `start..<end`.
    func coveredBytes(from start: SequenceNumber, to end: SequenceNumber) -> Int {
        var total = 0
        var i = firstIndex(endingAtOrAfter: start)
        while i < ranges.count && ranges[i].start < end {
            let r = ranges[i]
            let lower = SequenceNumber.max(r.start, start), upper = SequenceNumber.min(r.end, end)
            if upper > lower { total += upper - lower }
            i += 1
        }
        return total
    }

    /// The first uncovered stretch at or after `point` that lies below the last range.
    func nextGap(from point: SequenceNumber) -> (start: SequenceNumber, end: SequenceNumber)? {
        var cursor = point
        var i = firstIndex(endingAtOrAfter: point)
        while i < ranges.count {
            let r = ranges[i]
            if r.end > cursor {
                if r.start > cursor { return (cursor, r.start) }
                cursor = r.end
            }
            i += 1
        }
        return nil
    }

    /// Forgets every range and gives the storage back.
    mutating func removeAll() {
        ranges = []
        recent = []
        totalBytes = 0
    }

    /// Up to `count` SACK blocks: the recent ranges, newest first, then the others from
    /// the lowest up (the sender repairs the lowest holes first).
    func sackBlocks(count: Int) -> TCPSACKBlocks {
        var blocks = TCPSACKBlocks()
        guard count > 0 else { return blocks }
        for r in recent where blocks.count < count {
            blocks.append(TCPSACKBlock(left: r.start, right: r.end))
        }
        for r in ranges where blocks.count < count && !recent.contains(r) {
            blocks.append(TCPSACKBlock(left: r.start, right: r.end))
        }
        return blocks
    }
}
