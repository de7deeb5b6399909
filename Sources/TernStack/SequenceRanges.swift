import TernWire

/// Disjoint, sorted ranges of sequence space: the out-of-order data a receiver holds.
/// Bounded in count, so a peer sending scattered one-byte segments cannot grow it.
struct SequenceRanges {
    struct Range: Equatable {
        var start: SequenceNumber
        var end: SequenceNumber
    }

    private(set) var ranges: [Range] = []
    /// The range most recently added to or created: reported first in SACK (RFC 2018 §4).
    private(set) var mostRecent: Range?
    let limit: Int

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    var isEmpty: Bool { ranges.isEmpty }
    var first: Range? { ranges.first }

    /// Adds `start..<end`, merging with overlapping or touching ranges. Returns false (and
    /// changes nothing) when it would need a new range beyond the limit.
    mutating func insert(start: SequenceNumber, end: SequenceNumber) -> Bool {
        guard start < end else { return true }
        var merged = Range(start: start, end: end)
        var firstTouching = ranges.count
        var lastTouching = -1
        for (i, r) in ranges.enumerated() where r.end >= merged.start && r.start <= merged.end {
            firstTouching = min(firstTouching, i)
            lastTouching = i
        }
        if lastTouching >= firstTouching {
            merged.start = SequenceNumber.min(merged.start, ranges[firstTouching].start)
            merged.end = SequenceNumber.max(merged.end, ranges[lastTouching].end)
            ranges.replaceSubrange(firstTouching...lastTouching, with: [merged])
        } else {
            guard ranges.count < limit else { return false }
            let index = ranges.firstIndex { $0.start > merged.start } ?? ranges.count
            ranges.insert(merged, at: index)
        }
        mostRecent = merged
        return true
    }

    /// Drops the ranges that `point` has reached (the data became in-order) and returns
    /// how far in-order data now extends, or nil when it extends no further than `point`.
    mutating func popContiguous(at point: SequenceNumber) -> SequenceNumber? {
        var reach = point
        var advanced = false
        while let r = ranges.first, r.start <= reach {
            ranges.removeFirst()
            if r.end > reach {
                reach = r.end
                advanced = true
            }
        }
        if let m = mostRecent, !ranges.contains(m) { mostRecent = nil }
        return advanced ? reach : nil
    }

    /// Forgets everything before `point`, trimming a range that straddles it.
    mutating func removeBelow(_ point: SequenceNumber) {
        while let r = ranges.first, r.start < point {
            if r.end <= point {
                ranges.removeFirst()
            } else {
                ranges[0].start = point
                break
            }
        }
        if let m = mostRecent, !ranges.contains(m) { mostRecent = nil }
    }

    /// Bytes covered by all ranges.
    var totalBytes: Int {
        ranges.reduce(0) { $0 + ($1.end - $1.start) }
    }

    /// The end of the last range.
    var highestEnd: SequenceNumber? { ranges.last?.end }

    /// Bytes covered within `start..<end`.
    func coveredBytes(from start: SequenceNumber, to end: SequenceNumber) -> Int {
        var total = 0
        for r in ranges {
            let lower = SequenceNumber.max(r.start, start), upper = SequenceNumber.min(r.end, end)
            if upper > lower { total += upper - lower }
        }
        return total
    }

    /// The first uncovered stretch at or after `point` that lies below the last range.
    func nextGap(from point: SequenceNumber) -> (start: SequenceNumber, end: SequenceNumber)? {
        var cursor = point
        for r in ranges {
            if r.end <= cursor { continue }
            if r.start > cursor { return (cursor, r.start) }
            cursor = r.end
        }
        return nil
    }

    mutating func removeAll() {
        ranges.removeAll()
        mostRecent = nil
    }

    /// Up to `count` SACK blocks: the most recent range first, then the others in order.
    func sackBlocks(count: Int) -> TCPSACKBlocks {
        var blocks = TCPSACKBlocks()
        guard count > 0 else { return blocks }
        if let m = mostRecent { blocks.append(TCPSACKBlock(left: m.start, right: m.end)) }
        for r in ranges where blocks.count < count && r != mostRecent {
            blocks.append(TCPSACKBlock(left: r.start, right: r.end))
        }
        return blocks
    }
}
