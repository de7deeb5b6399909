import Testing
@testable import TernStack
import TernWire

@Suite("Sequence ranges")
struct SequenceRangesTests {
    /// Random inserts and trims near the wrap of sequence space, checked after every step
    /// against a plain array of flags.
    @Test("inserts, trims and queries agree with a byte-by-byte model", arguments: [UInt64(1), 2, 3])
    func againstModel(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let base = SequenceNumber(UInt32.max - 2000)
        let span = 4000
        var ranges = SequenceRanges(limit: 10_000)
        var covered = [Bool](repeating: false, count: span)
        var floor = 0
        for step in 0..<3000 {
            if step % 97 == 96 {
                floor = min(span, floor + Int.random(in: 0..<200, using: &random))
                ranges.removeBelow(base + floor)
                for i in 0..<floor { covered[i] = false }
            } else {
                let start = Int.random(in: floor..<span, using: &random)
                let end = min(span, start + Int.random(in: 1..<40, using: &random))
                let inserted = ranges.insert(start: base + start, end: base + end)
                #expect(inserted)
                for i in start..<end { covered[i] = true }
                #expect(ranges.recent.first == ranges.ranges.first { $0.start <= base + start && base + end <= $0.end })
            }
            #expect(ranges.totalBytes == covered.filter { $0 }.count)
            let probe = Int.random(in: 0..<span, using: &random), probeEnd = min(span, probe + 300)
            #expect(ranges.coveredBytes(from: base + probe, to: base + probeEnd)
                    == covered[probe..<probeEnd].filter { $0 }.count)
            if let gap = ranges.nextGap(from: base + probe) {
                let start = gap.start - base, end = gap.end - base
                #expect(start >= probe && start < end)
                #expect(covered[probe..<start].allSatisfy { $0 } && covered[start..<end].allSatisfy { !$0 })
                #expect(covered[end])
            } else {
                let last = covered.lastIndex(of: true) ?? -1
                #expect(last < probe || covered[probe...last].allSatisfy { $0 })
            }
            // Sorted, disjoint, not touching; recent ranges are current ones.
            for (a, b) in zip(ranges.ranges, ranges.ranges.dropFirst()) { #expect(a.end < b.start) }
            #expect(ranges.recent.allSatisfy { ranges.ranges.contains($0) })
        }
    }

    @Test("a new range beyond the limit is refused; growing an existing one is not")
    func limit() {
        var ranges = SequenceRanges(limit: 2)
        let results = [(10, 20), (30, 40), (50, 60), (20, 25)].map {
            ranges.insert(start: SequenceNumber(UInt32($0.0)), end: SequenceNumber(UInt32($0.1)))
        }
        #expect(results == [true, true, false, true])
        #expect(ranges.ranges == [.init(start: SequenceNumber(10), end: SequenceNumber(25)),
                                  .init(start: SequenceNumber(30), end: SequenceNumber(40))])
        let reach = ranges.popContiguous(at: SequenceNumber(10))
        #expect(reach == SequenceNumber(25))
        #expect(ranges.totalBytes == 10 && ranges.recent == [.init(start: SequenceNumber(30), end: SequenceNumber(40))])
    }
}
