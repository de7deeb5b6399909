import Testing
@testable import TernStack
import TernWire

/// The congestion window around SACK loss recovery when acknowledgments are read in batches,
/// as the daemon reads them from a link (a whole window's ACKs can arrive between two polls).
@Suite("TCP recovery window")
struct TCPRecoveryWindowTests {
    /// Delivers `frames` one after the other and polls once, as the daemon does with a batch.
    func deliverBatch(_ c: Established, _ frames: [[UInt8]]) {
        for frame in frames { frame.withUnsafeBytes { c.host.stack.receive(frame: $0, now: c.host.now) } }
        c.host.stack.poll(now: c.host.now)
    }

    /// An ACK of `ack` segments with one SACK block of segments `from..<to`, relative to `base`.
    func sack(_ c: Established, base: UInt32, ack: UInt32, _ from: UInt32, _ to: UInt32) -> [UInt8] {
        var options = c.peer.options()
        options.sackBlocks = TCPSACKBlocks([TCPSACKBlock(left: SequenceNumber(base &+ from * 1448),
                                                         right: SequenceNumber(base &+ to * 1448))])
        return c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: base &+ ack * 1448, flags: .ack, options: options)
    }

    @Test("ssthresh is half the flight the loss was sent in, not what is left once a batch of ACKs is read")
    func thresholdFromFlightAtTransmission() throws {
        let c = try Established()
        let base = c.ourNext
        _ = [UInt8](repeating: 7, count: 10 * 1448).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().count == 10)
        // Segment 6 is lost. One batch: the ACK of 0–5, then SACKs of 7, 7–8 and 7–9.
        deliverBatch(c, [c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: base &+ 6 * 1448, flags: .ack,
                                    options: c.peer.options()),
                         sack(c, base: base, ack: 6, 7, 8), sack(c, base: base, ack: 6, 7, 9),
                         sack(c, base: base, ack: 6, 7, 10)])
        #expect(c.connection.congestion.inRecovery)
        #expect(c.host.stack.counters[.tcpFastRetransmits] == 1)
        // Ten segments were in flight when segment 6 was sent; four remain when the loss shows.
        #expect(c.connection.congestion.slowStartThreshold == 5 * 1448)
        // The window comes from PRR on the ACKs that follow: until then, the fast retransmit alone.
        #expect(c.sentData().map { ($0.sequence &- base) / 1448 } == [6])
    }

    @Test("SACK recovery ends with the window at ssthresh even when nothing is left in flight")
    func windowAfterSACKRecovery() throws {
        let c = try Established()
        let base = c.ourNext
        _ = [UInt8](repeating: 8, count: 30 * 1448).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().count == 10)
        // Segment 0 is lost; SACKs of 1, 1–2, 1–3 start recovery with ssthresh five segments.
        deliverBatch(c, [sack(c, base: base, ack: 0, 1, 2), sack(c, base: base, ack: 0, 1, 3),
                         sack(c, base: base, ack: 0, 1, 4)])
        #expect(c.connection.congestion.inRecovery)
        #expect(c.connection.congestion.slowStartThreshold == 5 * 1448)
        // Six segments are still in the network (pipe above the window): only the retransmission goes.
        #expect(c.sentData().map { ($0.sequence &- base) / 1448 } == [0])
        // The rest arrives and the retransmission fills the hole; the full ACK is read before
        // anything new could be sent.
        c.peerAcks(base &+ 10 * 1448)
        #expect(!c.connection.congestion.inRecovery)
        #expect(c.connection.congestion.window == 5 * 1448)
        #expect(c.sentData().count == 5, "a window of ssthresh, not two segments")
        #expect(c.host.stack.counters[.tcpTimeouts] == 0)
    }
}
