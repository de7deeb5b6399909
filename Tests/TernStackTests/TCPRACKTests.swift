import Testing
@testable import TernStack
import TernWire

@Suite("RACK-TLP loss detection")
struct TCPRACKTests {
    @Test("RACK marks a retransmission lost once a segment sent after it is delivered and a round trip has passed")
    func lostRetransmission() throws {
        let c = try Established()
        let base = c.sampleOneMillisecondRTT()
        #expect(c.sendSegments(30, of: 1) == 10, "the initial window")
        func sack(_ blocks: (UInt32, UInt32)...) -> [UInt32] { c.peerSACKs(base: base, ack: 0, blocks) }
        // A round trip later segments 1–4 are SACKed: past the duplicate threshold, segment 0,
        // sent before them, is lost.
        c.host.advance(by: .milliseconds(1))
        #expect(sack((1, 5)) == [0], "the fast retransmit")
        #expect(c.connection.congestion.inRecovery)
        // SACKs of the rest of the first flight (sent before the retransmission) say nothing
        // about it; PRR sends new data as they arrive.
        c.host.advance(by: .microseconds(100))
        #expect(sack((1, 7)) == [10])
        c.host.advance(by: .microseconds(100))
        #expect(sack((1, 10)) == [11, 12, 13], "PRR below ssthresh: what was delivered and one more, up to ssthresh")
        #expect(c.host.stack.counters[.tcpRetransmissions] == 1)
        // Segment 10, sent 100 µs after the retransmission, is SACKed 200 µs after it left:
        // the retransmission, outstanding longer than that round trip and still missing,
        // was lost as well, and goes again ahead of new data.
        c.host.advance(by: .microseconds(100))
        #expect(sack((1, 11)) == [0, 14])
        #expect(c.host.stack.counters[.tcpRetransmissions] == 2)
        #expect(c.host.stack.counters[.tcpTimeouts] == 0)
        #expect(c.host.stack.counters[.tcpTailLossProbes] == 0)
    }

    @Test("a segment overtaken within the reordering window is not lost; past it, the reorder timer resends it")
    func reorderingWindow() throws {
        for delivered in [true, false] {
            let c = try Established()
            let base = c.sampleOneMillisecondRTT()
            #expect(c.sendSegments(4, of: 2) == 4)
            // A round trip later the peer SACKs segment 1 but not 0: one segment SACKed,
            // below the duplicate threshold, so segment 0 has the reordering window (a
            // quarter of the 1 ms minimum RTT, no less than the 1 ms timer granularity)
            // after the round trip before it counts as lost.
            c.host.advance(by: .milliseconds(1))
            #expect(c.peerSACKs(base: base, ack: 0, [(1, 2)]).isEmpty, "not lost yet")
            c.host.advance(by: .microseconds(999))
            #expect(c.sentData().isEmpty, "still inside the window")
            if delivered {
                // Segment 0 arrives late, reordered: no retransmission, no recovery.
                c.peerAcks(base &+ 2 * 1448)
                c.host.advance(by: .milliseconds(2))
                #expect(c.sentData().isEmpty)
                #expect(!c.connection.congestion.inRecovery)
                #expect(c.connection.rack.reorderingSeen)
                #expect(c.host.stack.counters[.tcpRetransmissions] == 0)
            } else {
                c.host.advance(by: .microseconds(1))
                #expect(c.sentData().map { ($0.sequence &- base) / 1448 } == [0], "the reorder timer fired")
                #expect(c.connection.congestion.inRecovery)
                #expect(c.host.stack.counters[.tcpFastRetransmits] == 1)
                #expect(c.host.stack.counters[.tcpTailLossProbes] == 0)
            }
            #expect(c.host.stack.counters[.tcpTimeouts] == 0)
        }
    }

    @Test("once reordering has been seen, three segments SACKed beyond a hole wait out the window too")
    func reorderingSeenKeepsWindow() throws {
        let c = try Established()
        let base = c.sampleOneMillisecondRTT()
        #expect(c.sendSegments(8, of: 3) == 8)
        func sack(ack: UInt32, _ from: UInt32, _ to: UInt32) { _ = c.peerSACKs(base: base, ack: ack, [(from, to)]) }
        c.host.advance(by: .milliseconds(1))
        // Segment 0 is overtaken by 1, then arrives: reordering.
        sack(ack: 0, 1, 2)
        c.peerAcks(base &+ 2 * 1448)
        #expect(c.connection.rack.reorderingSeen)
        // Segment 2 is overtaken by 3–5: three SACKed, which alone would mean loss, but the
        // path reorders, so it gets the window.
        sack(ack: 2, 3, 6)
        #expect(c.sentData().isEmpty)
        #expect(!c.connection.congestion.inRecovery)
        c.host.advance(by: .microseconds(999))
        #expect(c.sentData().isEmpty)
        c.host.advance(by: .microseconds(1))
        #expect(c.sentData().map { ($0.sequence &- base) / 1448 } == [2])
    }

    @Test("a tail loss probe's SACK lets RACK find the lost segment before it, with no timeout")
    func probeThenRACK() throws {
        let c = try Established()
        let base = c.sampleOneMillisecondRTT()
        #expect(c.sendSegments(4, of: 4) == 4)
        // Only segment 0 arrives; 1–3 are lost, and nothing more is sent.
        c.host.advance(by: .milliseconds(1))
        c.peerAcks(base &+ 1448)
        #expect(c.sentData().isEmpty)
        // The probe timeout (2·SRTT + 8 ms) resends the last two segments.
        c.host.advance(by: .milliseconds(10))
        #expect(c.sentData().map { ($0.sequence &- base) / 1448 } == [2, 3])
        #expect(c.host.stack.counters[.tcpTailLossProbes] == 1)
        // Their SACK shows segment 1, sent long before them, still missing: lost at once.
        c.host.advance(by: .milliseconds(1))
        #expect(c.peerSACKs(base: base, ack: 1, [(2, 4)]) == [1])
        #expect(c.host.stack.counters[.tcpFastRetransmits] == 1)
        c.peerAcks(base &+ 4 * 1448)
        #expect(!c.connection.congestion.inRecovery)
        #expect(c.host.stack.counters[.tcpTimeouts] == 0)
    }

    @Test("a loss found during recovery and still missing when it ends starts the next recovery at once")
    func lossOutlivesRecovery() throws {
        let c = try Established()
        let base = c.sampleOneMillisecondRTT()
        #expect(c.sendSegments(30, of: 5) == 10)
        func ack(_ ack: UInt32, _ blocks: (UInt32, UInt32)...) -> [UInt32] { c.peerSACKs(base: base, ack: ack, blocks) }
        c.host.advance(by: .milliseconds(1))
        #expect(ack(0, (1, 5)) == [0], "segment 0 lost: recovery up to segment 10")
        c.host.advance(by: .microseconds(100))
        #expect(ack(0, (1, 7)) == [10])
        c.host.advance(by: .microseconds(100))
        #expect(ack(0, (1, 10)) == [11, 12, 13])
        // Segment 11 is lost. A round trip later 12 is SACKed: 11 (and 10, still on its
        // way) are marked lost, but PRR has room for nothing now.
        c.host.advance(by: .milliseconds(1))
        let marked = ack(0, (1, 10), (12, 13))
        #expect(c.connection.congestion.inRecovery)
        // Segments 0 and 10 arrive: the ACK passes the recovery point, 11 is still missing.
        c.host.advance(by: .microseconds(100))
        let next = ack(11, (12, 14))
        #expect((marked + next).filter { $0 == 11 } == [11], "segment 11 resent, once, without a probe")
        #expect(c.connection.congestion.inRecovery, "a new recovery for the later loss")
        #expect(c.host.stack.counters[.tcpFastRetransmits] == 2)
        #expect(c.host.stack.counters[.tcpTailLossProbes] == 0)
        #expect(c.host.stack.counters[.tcpTimeouts] == 0)
    }
}

extension Established {
    /// Queues `count` full-sized segments of `byte` and lets the stack send what its window
    /// allows; returns how many data segments left.
    func sendSegments(_ count: Int, of byte: UInt8) -> Int {
        _ = [UInt8](repeating: byte, count: count * 1448).withUnsafeBytes { connection.send($0) }
        host.stack.poll(now: host.now)
        return sentData().count
    }

    /// An ACK from the peer, counted in 1,448-byte segments from `base`: everything below
    /// segment `ack`, and SACK blocks of segment ranges. Returns the segments sent in answer.
    func peerSACKs(base: UInt32, ack: UInt32, _ blocks: [(UInt32, UInt32)]) -> [UInt32] {
        var options = peer.options()
        options.sackBlocks = TCPSACKBlocks(blocks.map {
            TCPSACKBlock(left: SequenceNumber(base &+ $0.0 * 1448), right: SequenceNumber(base &+ $0.1 * 1448))
        })
        host.deliver(host.tcp(peer.port, 80, seq: peer.sequence, ack: base &+ ack * 1448, flags: .ack,
                              options: options))
        return sentData().map { ($0.sequence &- base) / 1448 }
    }
}

