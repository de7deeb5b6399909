import Testing
@testable import TernStack
import TernWire

/// Buffer storage becomes resident memory page by page as it is written. A ring that keeps
/// emptying must reuse its first pages rather than sweep through all of its capacity, or a
/// long-lived connection that sends a little at a time ends up with its whole buffer resident.
@Suite("Buffer memory")
struct BufferMemoryTests {
    @Test("an emptied ring starts again at the beginning of its storage")
    func rewind() {
        var ring = ByteRing(capacity: 64)
        let bytes = [UInt8](repeating: 7, count: 40)
        bytes.withUnsafeBytes { _ = ring.append($0) }
        ring.consume(40)
        let before = ring.writableRegion().count
        #expect(before == 24, "without a rewind, the free space at the end is what is left")
        ring.rewindIfEmpty()
        let after = ring.writableRegion().count
        #expect(after == 64)
    }

    @Test("a ring holding bytes does not rewind")
    func noRewindWithData() {
        var ring = ByteRing(capacity: 64)
        let bytes: [UInt8] = Array(0..<10)
        bytes.withUnsafeBytes { _ = ring.append($0) }
        ring.consume(5)
        ring.rewindIfEmpty()
        let readable = Array(ring.readableRegion())
        #expect(readable == [5, 6, 7, 8, 9])
    }

    @Test("a connection sending small acknowledged messages keeps writing the start of its send buffer")
    func sendSideRewinds() throws {
        var c = try Established()
        let message = [UInt8](repeating: 0x61, count: 100)
        for _ in 0..<300 {
            let sent = message.withUnsafeBytes { c.connection.send($0) }
            #expect(sent == 100)
            c.host.advance(by: .milliseconds(1))
            c.ourNext &+= UInt32(c.sentData().reduce(0) { $0 + $1.payload.count })
            c.peerAcks(c.ourNext)
        }
        let empty = c.connection.sendBuffer.isEmpty
        let contiguous = c.connection.sendBuffer.writableRegion().count
        let capacity = c.connection.sendBuffer.capacity
        #expect(empty)
        #expect(contiguous == capacity, "30,000 bytes went through, yet the free space starts at the beginning")
    }

    @Test("a connection reading small messages keeps writing the start of its receive buffer")
    func receiveSideRewinds() throws {
        var c = try Established()
        for _ in 0..<300 { c.peerSends([UInt8](repeating: 0x62, count: 100)) }
        #expect(c.recorder.received.count == 30_000)
        let contiguous = c.connection.receiveBuffer.writableRegion().count
        let capacity = c.connection.receiveBuffer.capacity
        #expect(contiguous == capacity)
    }

    @Test("with out-of-order data parked, reading everything in order does not move it")
    func parkedDataStays() throws {
        var c = try Established()
        let first: [UInt8] = Array(repeating: 1, count: 100)
        let second: [UInt8] = Array(repeating: 2, count: 100)
        let third: [UInt8] = Array(repeating: 3, count: 100)
        c.peerSends(first)
        // The third part arrives before the second and is parked; the first is read meanwhile.
        let secondSequence = c.peer.sequence
        c.peer.sequence &+= 100
        c.peerSends(third)
        c.peer.sequence = secondSequence
        #expect(c.recorder.received == first)
        c.peerSends(second)
        #expect(c.recorder.received == first + second + third)
    }
}
