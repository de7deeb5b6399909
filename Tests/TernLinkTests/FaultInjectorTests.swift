import Testing
import TernLink
import TernWire

/// Runs `count` numbered frames through an injector on `a`'s transmit side and returns
/// what arrived at `b`, with the injector's counters.
private func sendThrough(profile: FaultProfile, seed: UInt64, count: Int, size: Int = 100)
    throws -> (received: [[UInt8]], counters: FaultCounters)
{
    let (a, b) = MemoryLink.makePair(queueLimit: count * 3)
    let injector = FaultInjector(wrapping: a, inbound: .none, outbound: profile, seed: seed)
    for i in 0..<count { try injector.transmit(bytes: TestFrames.numbered(UInt32(i), size: size)) }
    #expect(injector.inboundCounters == FaultCounters())
    return (b.receiveAll(), injector.outboundCounters)
}

/// Injects `count` numbered frames at `a` and receives them through an injector on `a`,
/// `batchCapacity` at a time.
private func receiveThrough(profile: FaultProfile, seed: UInt64, count: Int, batchCapacity: Int)
    throws -> (received: [[UInt8]], counters: FaultCounters)
{
    let (a, _) = MemoryLink.makePair(queueLimit: count)
    for i in 0..<count { a.inject(TestFrames.numbered(UInt32(i))) }
    let injector = FaultInjector(wrapping: a, inbound: profile, outbound: .none, seed: seed)
    var batch = injector.makeBatch(capacity: batchCapacity)
    var received: [[UInt8]] = []
    while try injector.receive(into: &batch) > 0 {
        #expect(batch.count <= batchCapacity)
        for i in 0..<batch.count { received.append(Array(batch[i])) }
    }
    #expect(injector.outboundCounters == FaultCounters())
    return (received, injector.inboundCounters)
}

/// Whether `value` is within `tolerance` (a fraction of `expected`) of `expected`.
private func near(_ value: Int, _ expected: Double, tolerance: Double = 0.1) -> Bool {
    abs(Double(value) - expected) <= expected * tolerance
}

/// The bit positions where `a` and `b` (same length) differ.
private func differingBits(_ a: [UInt8], _ b: [UInt8]) -> [Int] {
    var bits: [Int] = []
    for i in 0..<min(a.count, b.count) where a[i] != b[i] {
        let x = a[i] ^ b[i]
        for bit in 0..<8 where x & (1 << bit) != 0 { bits.append(i * 8 + bit) }
    }
    return bits
}

@Suite("FaultInjector")
struct FaultInjectorTests {
    static let frames = 20_000

    @Test("probability 0 passes every frame untouched, in both directions")
    func perfectLink() throws {
        let out = try sendThrough(profile: .none, seed: 1, count: 500)
        #expect(out.received == (0..<500).map { TestFrames.numbered(UInt32($0)) })
        #expect(out.counters.frames == 500)
        #expect(out.counters.dropped + out.counters.duplicated + out.counters.reordered + out.counters.corrupted == 0)

        let back = try receiveThrough(profile: .none, seed: 1, count: 500, batchCapacity: 7)
        #expect(back.received == (0..<500).map { TestFrames.numbered(UInt32($0)) })
        #expect(back.counters.frames == 500)
    }

    @Test("drop removes about the requested share, and exactly the counted frames")
    func drop() throws {
        let profile = try FaultProfile(drop: 0.1)
        let out = try sendThrough(profile: profile, seed: 42, count: Self.frames)
        #expect(near(out.counters.dropped, 0.1 * Double(Self.frames)))
        #expect(out.received.count == Self.frames - out.counters.dropped)
        let sequences = out.received.compactMap(TestFrames.sequence(of:))
        #expect(sequences == sequences.sorted())  // order kept
        #expect(out.received.allSatisfy { TestFrames.numbered(TestFrames.sequence(of: $0) ?? 0) == $0 })
    }

    @Test("duplicate repeats about the requested share, each copy right after its original")
    func duplicate() throws {
        let profile = try FaultProfile(duplicate: 0.25)
        let out = try sendThrough(profile: profile, seed: 7, count: Self.frames)
        #expect(near(out.counters.duplicated, 0.25 * Double(Self.frames)))
        #expect(out.received.count == Self.frames + out.counters.duplicated)
        let sequences = out.received.compactMap(TestFrames.sequence(of:))
        #expect(sequences == sequences.sorted())
        #expect(Set(sequences).count == Self.frames)
        #expect(sequences.count - Set(sequences).count == out.counters.duplicated)
    }

    @Test("reorder swaps a held frame with its successor, about the requested share")
    func reorder() throws {
        let profile = try FaultProfile(reorder: 0.2)
        let out = try sendThrough(profile: profile, seed: 9, count: Self.frames)
        // A frame is held only when none is held already, so the expected rate is p/(1+p)
        // per frame when every held frame is released by the next one.
        #expect(near(out.counters.reordered, 0.2 / 1.2 * Double(Self.frames)))
        let sequences = out.received.compactMap(TestFrames.sequence(of:))
        // The last frame may still be held: everything else arrives exactly once.
        #expect(sequences.count >= Self.frames - 1)
        #expect(Set(sequences).count == sequences.count)
        var swaps = 0
        var i = 0
        while i < sequences.count {
            if i + 1 < sequences.count && sequences[i] > sequences[i + 1] {
                #expect(sequences[i] == sequences[i + 1] + 1)  // only neighbours trade places
                swaps += 1
                i += 2
            } else {
                i += 1
            }
        }
        let stillHeld = sequences.count == Self.frames ? 0 : 1
        #expect(swaps + stillHeld == out.counters.reordered)
    }

    @Test("corrupt flips exactly one bit after the Ethernet header, about the requested share")
    func corrupt() throws {
        let profile = try FaultProfile(corrupt: 0.05)
        let out = try sendThrough(profile: profile, seed: 3, count: Self.frames)
        #expect(near(out.counters.corrupted, 0.05 * Double(Self.frames)))
        #expect(out.received.count == Self.frames)
        var corrupted = 0
        var positions = Set<Int>()
        for (i, frame) in out.received.enumerated() {
            let bits = differingBits(frame, TestFrames.numbered(UInt32(i)))
            guard !bits.isEmpty else { continue }
            corrupted += 1
            #expect(bits.count == 1)
            #expect(bits.allSatisfy { $0 >= EthernetHeader.size * 8 && $0 < frame.count * 8 })
            positions.formUnion(bits)
        }
        #expect(corrupted == out.counters.corrupted)
        #expect(positions.count > 200)  // spread over the frame, not one favourite bit
    }

    @Test("probability 1: drop loses all, duplicate doubles all, reorder swaps every pair, corrupt hits all")
    func certainty() throws {
        let lost = try sendThrough(profile: try FaultProfile(drop: 1), seed: 5, count: 100)
        #expect(lost.received.isEmpty)
        #expect(lost.counters.dropped == 100)

        let doubled = try sendThrough(profile: try FaultProfile(duplicate: 1), seed: 5, count: 100)
        let twice: [UInt32] = (0..<100).flatMap { (n: UInt32) -> [UInt32] in [n, n] }
        #expect(doubled.received.compactMap(TestFrames.sequence(of:)) == twice)

        let swapped = try sendThrough(profile: try FaultProfile(reorder: 1), seed: 5, count: 100)
        let pairwise: [UInt32] = (0..<50).flatMap { (pair: UInt32) -> [UInt32] in [2 * pair + 1, 2 * pair] }
        #expect(swapped.received.compactMap(TestFrames.sequence(of:)) == pairwise)
        #expect(swapped.counters.reordered == 50)

        let damaged = try sendThrough(profile: try FaultProfile(corrupt: 1), seed: 5, count: 100)
        #expect(damaged.counters.corrupted == 100)
        for (i, frame) in damaged.received.enumerated() {
            #expect(differingBits(frame, TestFrames.numbered(UInt32(i))).count == 1)
        }
    }

    @Test("a frame no longer than the Ethernet header is never corrupted")
    func headerOnly() throws {
        let (a, b) = MemoryLink.makePair()
        let injector = FaultInjector(wrapping: a, profile: try FaultProfile(corrupt: 1), seed: 1)
        let frame = Array(TestFrames.numbered(1).prefix(14))
        try injector.transmit(bytes: frame)
        #expect(b.receiveAll() == [frame])
        #expect(injector.outboundCounters.corrupted == 0)
    }

    @Test("the same seed gives the same faults; another seed gives others")
    func determinism() throws {
        let profile = try FaultProfile(drop: 0.1, duplicate: 0.1, reorder: 0.1, corrupt: 0.1)
        let first = try sendThrough(profile: profile, seed: 1234, count: 2000)
        let again = try sendThrough(profile: profile, seed: 1234, count: 2000)
        let other = try sendThrough(profile: profile, seed: 1235, count: 2000)
        #expect(first.received == again.received)
        #expect(first.counters == again.counters)
        #expect(first.received != other.received)

        let inFirst = try receiveThrough(profile: profile, seed: 99, count: 2000, batchCapacity: 5)
        let inAgain = try receiveThrough(profile: profile, seed: 99, count: 2000, batchCapacity: 5)
        #expect(inFirst.received == inAgain.received)
        #expect(inFirst.counters == inAgain.counters)
    }

    @Test("received frames: duplicates beyond the batch wait for the next receive, in order")
    func receiveOverflow() throws {
        let result = try receiveThrough(profile: try FaultProfile(duplicate: 1), seed: 11, count: 25, batchCapacity: 3)
        let twice: [UInt32] = (0..<25).flatMap { (n: UInt32) -> [UInt32] in [n, n] }
        #expect(result.received.compactMap(TestFrames.sequence(of:)) == twice)
        #expect(result.counters.duplicated == 25)

        let swapped = try receiveThrough(profile: try FaultProfile(reorder: 1), seed: 11, count: 10, batchCapacity: 1)
        #expect(swapped.received.compactMap(TestFrames.sequence(of:)) == [1, 0, 3, 2, 5, 4, 7, 6, 9, 8])
    }

    @Test("received frames: rates match in the inbound direction too")
    func inboundRates() throws {
        let profile = try FaultProfile(drop: 0.2, duplicate: 0.1)
        let result = try receiveThrough(profile: profile, seed: 21, count: Self.frames, batchCapacity: 32)
        #expect(near(result.counters.dropped, 0.2 * Double(Self.frames)))
        #expect(near(result.counters.duplicated, 0.1 * 0.8 * Double(Self.frames)))
        #expect(result.received.count == Self.frames - result.counters.dropped + result.counters.duplicated)
    }

    @Test("directions are configured separately")
    func perDirection() throws {
        let (a, b) = MemoryLink.makePair()
        let injector = FaultInjector(wrapping: a, inbound: try FaultProfile(drop: 1), outbound: .none, seed: 1)
        try injector.transmit(bytes: TestFrames.numbered(1))
        #expect(b.receiveAll().count == 1)
        try b.transmit(bytes: TestFrames.numbered(2))
        var batch = injector.makeBatch()
        #expect(try injector.receive(into: &batch) == 0)
        #expect(injector.inboundCounters.dropped == 1)
        #expect(injector.outboundCounters.frames == 1)
    }

    @Test("probabilities outside 0...1 are refused with a clear message")
    func invalidProbability() {
        #expect(throws: FaultProfile.InvalidProbability(fault: "drop", value: 1.5)) { try FaultProfile(drop: 1.5) }
        #expect(throws: FaultProfile.InvalidProbability.self) { try FaultProfile(corrupt: -0.1) }
        #expect(throws: FaultProfile.InvalidProbability.self) { try FaultProfile(reorder: .nan) }
        #expect(FaultProfile.InvalidProbability(fault: "duplicate", value: 2).description
            == "the duplicate probability must be between 0 and 1, not 2.0")
    }
}

@Suite("SeededRandom")
struct SeededRandomTests {
    @Test("matches the reference algorithm seeded through splitmix64")
    func knownAnswers() {
        var zero = SeededRandom(seed: 0)
        #expect((0..<4).map { _ in zero.next() }
            == [0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0, 0x6AA5_94F1_262D_2D2C])
        var fortyTwo = SeededRandom(seed: 42)
        #expect((0..<4).map { _ in fortyTwo.next() }
            == [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1, 0xECB8_AD47_03B3_60A1])
    }

    @Test("chance(0) never and chance(1) always; bounded values stay below the bound")
    func edges() {
        var generator = SeededRandom(seed: 8)
        var violations = 0
        var seen = Set<UInt64>()
        for _ in 0..<10_000 {
            if generator.chance(0) { violations += 1 }
            if !generator.chance(1) { violations += 1 }
            let value = generator.nextValue(below: 10)
            if value >= 10 { violations += 1 }
            seen.insert(value)
            let unit = generator.nextUnitInterval()
            if !(unit >= 0 && unit < 1) { violations += 1 }
        }
        #expect(violations == 0)
        #expect(seen == Set(0..<10))
        #expect(generator.nextValue(below: 0) == 0)
    }
}
