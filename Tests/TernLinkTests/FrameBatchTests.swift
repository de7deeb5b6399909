import Testing
import TernLink

@Suite("FrameBatch")
struct FrameBatchTests {
    @Test("append copies frames in and exposes them as views")
    func appendAndRead() {
        var batch = FrameBatch(capacity: 3, bufferSize: 64)
        #expect(batch.isEmpty == true)
        let first: [UInt8] = [1, 2, 3]
        let second = [UInt8](repeating: 0xAB, count: 64)
        #expect(first.withUnsafeBytes { batch.append(copying: $0) })
        #expect(second.withUnsafeBytes { batch.append(copying: $0) })
        #expect(batch.count == 2)
        #expect(Array(batch[0]) == first)
        #expect(Array(batch[1]) == second)
    }

    @Test("a full batch and an oversized frame are refused")
    func refusals() {
        var batch = FrameBatch(capacity: 2, bufferSize: 8)
        let tooBig = [UInt8](repeating: 7, count: 9)
        #expect(!tooBig.withUnsafeBytes { batch.append(copying: $0) })
        #expect(batch.count == 0)
        let small: [UInt8] = [9]
        #expect(small.withUnsafeBytes { batch.append(copying: $0) })
        #expect(small.withUnsafeBytes { batch.append(copying: $0) })
        #expect(batch.isFull == true)
        #expect(!small.withUnsafeBytes { batch.append(copying: $0) })
        #expect(batch.nextBuffer == nil)
        batch.removeAll()
        #expect(batch.isEmpty == true)
        #expect(batch.nextBuffer?.count == 8)
    }

    @Test("nextBuffer and commitNext fill in place; lengths are clamped")
    func fillInPlace() {
        var batch = FrameBatch(capacity: 2, bufferSize: 16)
        guard let buffer = batch.nextBuffer else {
            Issue.record("an empty batch has a next buffer")
            return
        }
        for i in 0..<4 { buffer[i] = UInt8(i + 10) }
        batch.commitNext(length: 4)
        #expect(Array(batch[0]) == [10, 11, 12, 13])
        batch.commitNext(length: 1000)
        #expect(batch[1].count == 16)
        batch.commitNext(length: 1)
        #expect(batch.count == 2)
    }

    @Test("frames can be rewritten in place")
    func mutableFrame() {
        var batch = FrameBatch(capacity: 1, bufferSize: 4)
        let frame: [UInt8] = [1, 2, 3, 4]
        frame.withUnsafeBytes { _ = batch.append(copying: $0) }
        batch.mutableFrame(at: 0)[2] = 99
        #expect(Array(batch[0]) == [1, 2, 99, 4])
    }

    @Test("capacity and buffer size are at least one")
    func minimumSizes() {
        let batch = FrameBatch(capacity: 0, bufferSize: -5)
        #expect(batch.capacity == 1)
        #expect(batch.bufferSize == 1)
    }
}
