import Glibc
import Testing
import TernLink
import TernWire

@Suite("MemoryLink")
struct MemoryLinkTests {
    @Test("frames cross in both directions, byte-exact and in order")
    func deliveryAndOrder() throws {
        let (a, b) = MemoryLink.makePair()
        var batch = b.makeBatch(capacity: 64)
        #expect(try b.receive(into: &batch) == 0)

        let sent = (0..<10).map { TestFrames.numbered(UInt32($0), size: 60 + $0 * 100) }
        for frame in sent { try a.transmit(bytes: frame) }
        #expect(b.waitingCount == 10)
        #expect(try b.receive(into: &batch) == 10)
        #expect((0..<batch.count).map { Array(batch[$0]) } == sent)
        #expect(try b.receive(into: &batch) == 0)

        let back = TestFrames.numbered(77)
        try b.transmit(bytes: back)
        var batchA = a.makeBatch()
        #expect(try a.receive(into: &batchA) == 1)
        #expect(Array(batchA[0]) == back)
    }

    @Test("a batch takes at most its capacity; the rest waits for the next receive")
    func batchCapacity() throws {
        let (a, b) = MemoryLink.makePair()
        for i in 0..<7 { try a.transmit(bytes: TestFrames.numbered(UInt32(i))) }
        var batch = b.makeBatch(capacity: 3)
        var order: [UInt32] = []
        var sizes: [Int] = []
        while try b.receive(into: &batch) > 0 {
            sizes.append(batch.count)
            for i in 0..<batch.count { order.append(TestFrames.sequence(of: Array(batch[i])) ?? 9999) }
        }
        #expect(sizes == [3, 3, 1])
        #expect(order == Array(0..<7))
    }

    @Test("the device properties follow the MTU")
    func properties() {
        let (a, _) = MemoryLink.makePair(mtu: 9000, names: ("left", "right"))
        #expect(a.name == "left")
        #expect(a.mtu == 9000)
        #expect(a.maximumFrameSize == 9014)
        #expect(a.fileDescriptor == nil)
    }

    @Test("a frame larger than MTU + 14 is refused with EMSGSIZE")
    func oversizedTransmit() {
        let (a, b) = MemoryLink.makePair(mtu: 100)
        let error = #expect(throws: SystemError.self) { try a.transmit(bytes: [UInt8](repeating: 0, count: 115)) }
        #expect(error?.code == EMSGSIZE)
        #expect(error?.description.contains("115 bytes") == true)
        #expect(b.waitingCount == 0)
        #expect((try? a.transmit(bytes: [UInt8](repeating: 0, count: 114))) != nil)
        #expect(b.waitingCount == 1)
    }

    @Test("a full queue drops and counts like a real link")
    func queueLimit() throws {
        let (a, b) = MemoryLink.makePair(queueLimit: 5)
        for i in 0..<8 { try a.transmit(bytes: TestFrames.numbered(UInt32(i))) }
        #expect(b.waitingCount == 5)
        #expect(b.droppedFrames == 3)
        #expect(b.receiveAll().compactMap(TestFrames.sequence(of:)) == [0, 1, 2, 3, 4])
    }

    @Test("frames larger than the receiving batch's buffers are dropped and counted")
    func smallBatch() throws {
        let (a, b) = MemoryLink.makePair()
        try a.transmit(bytes: TestFrames.numbered(1, size: 200))
        try a.transmit(bytes: TestFrames.numbered(2, size: 50))
        var batch = FrameBatch(capacity: 4, bufferSize: 100)
        #expect(try b.receive(into: &batch) == 1)
        #expect(TestFrames.sequence(of: Array(batch[0])) == 2)
        #expect(b.droppedFrames == 1)
    }

    @Test("inject, waitingFrames and receiveAll script a peer")
    func scripting() throws {
        let (a, b) = MemoryLink.makePair()
        let injected = TestFrames.numbered(5)
        #expect(a.inject(injected))
        #expect(a.waitingFrames() == [injected])
        #expect(a.waitingCount == 1)  // looking does not consume
        var batch = a.makeBatch()
        #expect(try a.receive(into: &batch) == 1)
        #expect(Array(batch[0]) == injected)

        try a.transmit(bytes: TestFrames.numbered(6))
        try a.transmit(bytes: TestFrames.numbered(7))
        #expect(b.receiveAll().compactMap(TestFrames.sequence(of:)) == [6, 7])
        #expect(b.waitingCount == 0)
    }

    @Test("a closed end refuses I/O with EBADF and its peer's frames vanish")
    func closing() throws {
        let (a, b) = MemoryLink.makePair()
        try a.transmit(bytes: TestFrames.numbered(1))
        b.close()
        var batch = b.makeBatch()
        #expect(throws: SystemError(code: EBADF, operation: "mem1: cannot receive, the link end is closed")) {
            try b.receive(into: &batch)
        }
        try a.transmit(bytes: TestFrames.numbered(2))  // into the void, like an unplugged cable
        #expect(b.waitingCount == 0)
    }
}
