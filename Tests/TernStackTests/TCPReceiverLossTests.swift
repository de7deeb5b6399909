import Testing
@testable import TernStack
import TernLink
import TernTestSupport
import TernWire

/// The receiving side of a transfer under loss: what a sender needs from us to recover
/// quickly — an ACK for every second segment, a duplicate ACK for every out-of-order one,
/// SACK blocks in RFC 2018's order, timestamps echoed as RFC 7323 §4.3 says — and room for
/// as many out-of-order ranges as the window holds.
@Suite("TCP receiver under loss")
struct TCPReceiverLossTests {
    static let segment = 1448

    /// Feeds segments `indices` (each `segment` bytes from the peer's sequence number) to
    /// the stack in one batch, as the daemon does with the frames of one read, then polls.
    /// `timestamps` gives each segment's TSval (default: the peer's current one).
    func deliverBatch(_ c: Established, _ indices: [Int], timestamps: [UInt32]? = nil) {
        let base = c.peer.sequence
        for (n, index) in indices.enumerated() {
            var options = c.peer.options()
            if let timestamps { options.timestamps = TCPTimestamps(value: timestamps[n], echoReply: 0) }
            let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: Self.segment)
            let frame = c.host.tcp(c.peer.port, 80, seq: base &+ UInt32(index * Self.segment), ack: c.ourNext,
                                   flags: .ack, options: options, payload: payload)
            frame.withUnsafeBytes { c.host.stack.receive(frame: $0, now: c.host.now) }
        }
        c.host.stack.poll(now: c.host.now)
    }

    /// The ACKs sent since the last look: acknowledgment (in segments from the peer's
    /// sequence number at the start), SACK blocks (likewise), TSecr.
    func acks(_ c: Established) -> [(ack: Int, sack: [[Int]], echo: UInt32?)] {
        let base = c.peer.sequence
        return c.host.log.take().compactMap(\.tcp).map { tcp in
            let offset = { (s: SequenceNumber) in Int(s.rawValue &- base) / Self.segment }
            return (offset(tcp.header.acknowledgmentNumber),
                    tcp.options.sackBlocks.map { [offset($0.left), offset($0.right)] },
                    tcp.options.timestamps?.echoReply)
        }
    }

    @Test("full-sized segments arriving in one batch are acknowledged every second segment, the odd one delayed")
    func ackEverySecondSegment() throws {
        let c = try Established()
        c.recorder.autoRead = false
        deliverBatch(c, Array(0..<7))
        let sent = acks(c)
        #expect(sent.map(\.ack) == [2, 4, 6], "one ACK per two segments, each sent before the next segment")
        #expect(sent.allSatisfy { $0.sack.isEmpty })
        c.host.advance(by: .milliseconds(39))
        #expect(acks(c).isEmpty)
        c.host.advance(by: .milliseconds(2))
        #expect(acks(c).map(\.ack) == [7], "the seventh after the delayed-ACK timeout")
    }

    @Test("every out-of-order segment brings its own duplicate ACK; SACK blocks newest first, then the most recently reported")
    func duplicateACKsAndSACKOrder() throws {
        let c = try Established()
        c.recorder.autoRead = false
        // Segment 0 arrives; 1, 5 and 9 are lost; the rest arrive in this order.
        deliverBatch(c, [0, 2, 4, 6, 3, 8, 10, 7])
        let sent = acks(c)
        #expect(sent.map(\.ack) == [1, 1, 1, 1, 1, 1, 1], "one duplicate ACK per out-of-order segment")
        #expect(sent.map(\.sack) == [
            [[2, 3]],
            [[4, 5], [2, 3]],
            [[6, 7], [4, 5], [2, 3]],
            [[2, 5], [6, 7]],
            [[8, 9], [2, 5], [6, 7]],
            [[10, 11], [8, 9], [2, 5]],
            // 7 joins 6 and 8; 10 was reported more recently than 2–5.
            [[6, 9], [10, 11], [2, 5]],
        ])
        // Segment 1 fills the first hole: acknowledged at once, up to the next hole.
        deliverBatch(c, [1])
        let filled = acks(c)
        #expect(filled.map(\.ack) == [5])
        #expect(filled.first?.sack == [[6, 9], [10, 11]])
    }

    @Test("after three duplicate ACKs for a hole, those for segments that only extend a SACKed range wait for the end of the batch, 44 at most")
    func compressedDuplicateACKs() throws {
        let c = try Established()
        c.recorder.autoRead = false
        // Segment 1 is lost; 0 and 2–61 arrive in one batch.
        deliverBatch(c, [0] + Array(2...61))
        let sent = acks(c)
        #expect(sent.allSatisfy { $0.ack == 1 })
        #expect(sent.map { $0.sack.first?[1] } == [3, 4, 5, 6, 51, 62],
                "four at once, then one for 44 merged (with the 49th after them), then the rest at the end of the batch")
        #expect(sent.allSatisfy { $0.sack.count == 1 && $0.sack.first?[0] == 2 })
        // A new range is reported at once; the ACK for the next one carries the extension
        // that was waiting.
        deliverBatch(c, [63, 64, 66])
        #expect(acks(c).map(\.sack) == [[[63, 64], [2, 62]], [[66, 67], [63, 65], [2, 62]]])
        deliverBatch(c, [1])
        #expect(acks(c).map(\.ack) == [62])
    }

    @Test("TSecr: a delayed ACK echoes the earliest segment it covers, the ACK for a filled hole the segment that filled it")
    func timestampEcho() throws {
        let c = try Established()
        c.recorder.autoRead = false
        // Two in-order segments: the ACK covers both and echoes the first one's timestamp.
        deliverBatch(c, [0, 1], timestamps: [6100, 6101])
        #expect(acks(c).map(\.echo) == [6100])
        // 2 is lost; 3 and 4 arrive out of order: they leave TS.Recent alone, so their
        // duplicate ACKs echo what the last ACK did.
        deliverBatch(c, [3, 4], timestamps: [6103, 6104])
        let duplicates = acks(c)
        #expect(duplicates.map(\.ack) == [2, 2])
        #expect(duplicates.map(\.echo) == [6100, 6100])
        // The retransmission of 2, sent much later, fills the hole: its ACK echoes it.
        deliverBatch(c, [2], timestamps: [6900])
        let filled = acks(c)
        #expect(filled.map(\.ack) == [5])
        #expect(filled.map(\.echo) == [6900])
    }

    @Test("every other full-sized segment of a whole window lost: every out-of-order range is kept")
    func manyRangesKept() throws {
        let c = try Established()
        c.recorder.autoRead = false
        let window = c.connection.receiveBuffer.freeSpace
        let odd = Array(stride(from: 1, to: window / Self.segment, by: 2))
        deliverBatch(c, odd)
        #expect(c.connection.outOfOrder.ranges.count == odd.count)
        #expect(odd.count > 32, "more than the old fixed limit")
        #expect(c.host.stack.counters[.tcpOutOfOrderFull] == 0)
        #expect(acks(c).count == odd.count, "a duplicate ACK for each")
        // The retransmissions fill every hole: everything is in order, nothing was dropped.
        deliverBatch(c, Array(stride(from: 0, to: window / Self.segment, by: 2)))
        #expect(c.connection.outOfOrder.isEmpty)
        #expect(c.connection.availableBytes == (odd.last! + 1) * Self.segment)
    }

    @Test("scattered tiny segments cannot grow the out-of-order bookkeeping past one range per KiB of buffer")
    func rangesBounded() throws {
        let c = try Established()
        c.recorder.autoRead = false
        let limit = c.connection.outOfOrder.limit
        #expect(limit == 512, "512 KiB buffer")
        let base = c.peer.sequence
        for i in 0..<(limit + 100) {
            let frame = c.host.tcp(c.peer.port, 80, seq: base &+ UInt32(2 + 2 * i), ack: c.ourNext, flags: .ack,
                                   options: c.peer.options(), payload: [0x55])
            frame.withUnsafeBytes { c.host.stack.receive(frame: $0, now: c.host.now) }
        }
        c.host.stack.poll(now: c.host.now)
        #expect(c.connection.outOfOrder.ranges.count == limit)
        #expect(c.connection.outOfOrder.totalBytes == limit)
        #expect(c.host.stack.counters[.tcpOutOfOrderFull] == 100)
        #expect(c.host.stack.resourceUsage.tcpLargestRangeCount == limit)
    }

    @Test("the hard bound holds whatever the buffer size")
    func hardBound() throws {
        let c = try Established { $0.tcp.maximumOutOfOrderRanges = 40 }
        #expect(c.connection.outOfOrder.limit == 40)
        #expect(c.connection.scoreboard.limit == 40)
    }

    @Test("a one-way upload with 10% of frames dropped and 5% reordered: byte-exact, every out-of-order segment kept",
          arguments: [UInt64(3), 4])
    func lossyUpload(seed: UInt64) throws {
        let size = 4_000_000
        let faults = try FaultProfile(drop: 0.10, reorder: 0.05)
        let network = try StackNetwork.twoStacks(faults: faults, seed: seed)
        let receiver = BulkEndpoint(total: 0, sendSeed: 0xB0, receiveSeed: 0xA0)
        let sender = BulkEndpoint(total: size, sendSeed: 0xA0, receiveSeed: 0xB0)
        let listener = try network.b.listenTCP(port: 9000)
        listener.delegate = receiver
        sender.attach(try network.a.connectTCP(to: StackNetwork.addressB, port: 9000))
        let finished = network.run(for: .seconds(600)) { receiver.received == size && receiver.endOfStream }
        #expect(finished)
        #expect(receiver.received == size && receiver.mismatches == 0)
        let b = network.b.counters
        #expect(b[.tcpOutOfOrderFull] == 0)
        #expect(b[.tcpDataBytesReceived] == UInt64(size))
    }
}
