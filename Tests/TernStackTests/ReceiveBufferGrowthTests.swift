import Testing
@testable import TernStack
import TernWire

/// Receive buffers that start at 16 KiB and may grow to 64 KiB (window scale 1).
private func growable(_ configuration: inout StackConfiguration) {
    configuration.tcp.receiveBufferSize = 16384
    configuration.tcp.maximumReceiveBufferSize = 65536
}

@Suite("Receive-buffer growth")
struct ReceiveBufferGrowthTests {
    /// The window of the last segment we sent, scaled.
    private func lastWindow(_ c: Established) -> Int? {
        guard let tcp = c.host.log.take().last?.tcp else { return nil }
        return Int(tcp.header.window) << Int(c.connection.receiveScale)
    }

    @Test("the buffer doubles each time the peer fills the window and the application reads it, up to its maximum")
    func doublesToMaximum() throws {
        var c = try Established(configure: growable)
        #expect(c.host.stack.core.tcp.ourWindowScale == 1, "a shift big enough for the largest buffer")
        var sent: [UInt8] = []
        // The last segment nearly fills the 64 KiB window (an IPv4 datagram holds no more).
        for (round, size) in [16384, 32768, 65000].enumerated() {
            let chunk = (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ round) }
            c.peerSends(chunk)
            sent += chunk
            let grown = min(2 * size, 65536)
            #expect(c.connection.receiveBuffer.capacity == grown)
            #expect(lastWindow(c) == grown, "the wider window is announced at once")
        }
        #expect(c.host.stack.counters[.tcpReceiveBufferGrowths] == 2)
        #expect(c.recorder.received == sent, "every byte delivered in order")
        #expect(c.host.stack.resourceUsage.tcpReceiveBufferGrowth == 65536 - 16384)
    }

    @Test("a sender that never reaches the edge of the window gets no growth")
    func noGrowthBelowTheEdge() throws {
        var c = try Established(configure: growable)
        for _ in 0..<40 { c.peerSends([UInt8](repeating: 1, count: 1000)) }
        #expect(c.connection.receiveBuffer.capacity == 16384)
        #expect(c.host.stack.counters[.tcpReceiveBufferGrowths] == 0)
    }

    @Test("an application that leaves the buffer full gets no growth until it reads it down")
    func slowReader() throws {
        var c = try Established(configure: growable)
        c.recorder.autoRead = false
        c.peerSends([UInt8](repeating: 2, count: 16384))
        #expect(c.connection.receiveBuffer.capacity == 16384)
        var some = [UInt8](repeating: 0, count: 8192)
        _ = some.withUnsafeMutableBytes { c.connection.receive(into: $0) }
        #expect(c.connection.receiveBuffer.capacity == 16384, "half the buffer still unread")
        c.recorder.drain(c.connection)
        #expect(c.connection.receiveBuffer.capacity == 32768, "read down: the window was the limit")
    }

    @Test("data parked behind a hole keeps its place when the buffer grows under it")
    func parkedDataSurvivesGrowth() throws {
        let c = try Established(configure: growable)
        let data = (0..<16384).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let start = c.peer.sequence
        func deliver(_ range: Range<Int>) {
            c.host.deliver(c.host.tcp(c.peer.port, 80, seq: start &+ UInt32(range.lowerBound), ack: c.ourNext,
                                      flags: .ack, options: c.peer.options(), payload: Array(data[range])))
        }
        // Bytes 1448..<2896 are late; the data after them reaches the edge of the window first.
        deliver(2896..<16384)
        #expect(c.connection.receiveBuffer.capacity == 16384, "nothing read yet")
        // The first segment is read while the rest is parked: the buffer grows under it.
        deliver(0..<1448)
        #expect(c.recorder.received == Array(data[0..<1448]))
        #expect(c.connection.receiveBuffer.capacity == 32768)
        #expect(c.connection.outOfOrder.ranges.count == 1, "the parked data is still out of order")
        deliver(1448..<2896)
        #expect(c.recorder.received == data, "the parked bytes came through the growth intact")
    }

    @Test("growth stops at the stack-wide limit and is given back when the connection ends")
    func stackWideLimit() throws {
        var c = try Established(configure: {
            growable(&$0)
            $0.tcp.receiveBufferGrowthLimit = 16384
        })
        c.peerSends([UInt8](repeating: 3, count: 16384))
        #expect(c.connection.receiveBuffer.capacity == 32768)
        c.peerSends([UInt8](repeating: 4, count: 32768))
        #expect(c.connection.receiveBuffer.capacity == 32768, "a second doubling would pass the limit")
        #expect(c.host.stack.resourceUsage.tcpReceiveBufferGrowth == 16384)
        c.connection.abort()
        #expect(c.host.stack.resourceUsage.tcpReceiveBufferGrowth == 0)
    }

    @Test("a ring grows with its readable and parked bytes where they were, wrapped or not")
    func ringGrowth() {
        var ring = ByteRing(capacity: 8)
        let first: [UInt8] = [1, 2, 3, 4, 5]
        first.withUnsafeBytes { _ = ring.append($0) }
        ring.consume(5)
        // The readable bytes wrap around the end of the storage; two more are parked beyond them.
        let readable: [UInt8] = [10, 11, 12, 13], parked: [UInt8] = [20, 21]
        readable.withUnsafeBytes { _ = ring.append($0) }
        parked.withUnsafeBytes { ring.write($0, at: 1) }
        ring.grow(to: 32)
        #expect(ring.capacity == 32)
        #expect(ring.count == 4)
        var out = [UInt8](repeating: 0, count: 4)
        out.withUnsafeMutableBytes { ring.copy(from: 0, length: 4, to: $0.baseAddress!) }
        #expect(out == [10, 11, 12, 13])
        // The byte between them was never written: make the parked ones readable and look.
        ring.commit(3)
        var all = [UInt8](repeating: 0, count: 7)
        #expect(all.withUnsafeMutableBytes { ring.read(into: $0) } == 7)
        #expect(Array(all[0..<4]) == readable)
        #expect(Array(all[5...]) == parked)
    }
}
