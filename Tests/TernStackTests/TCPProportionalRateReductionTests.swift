import Testing
@testable import TernStack
import TernWire

@Suite("Proportional rate reduction")
struct TCPProportionalRateReductionTests {
    @Test("in SACK recovery, one segment goes for every two delivered while the network holds more than ssthresh (RFC 6937)")
    func sendingPattern() throws {
        let c = try Established()
        let base = c.ourNext
        _ = [UInt8](repeating: 4, count: 60 * 1448).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().count == 10, "the initial window")
        c.peerAcks(base &+ 10 * 1448)
        #expect(c.sentData().count == 20, "slow start doubles it")
        // Segment 10 is lost; each ACK SACKs one more segment after it.
        var options = c.peer.options()
        func sack(through segments: UInt32) -> [UInt32] {
            options.sackBlocks = TCPSACKBlocks([TCPSACKBlock(left: SequenceNumber(base &+ 11 * 1448),
                                                             right: SequenceNumber(base &+ (11 + segments) * 1448))])
            c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: base &+ 10 * 1448, flags: .ack,
                                      options: options))
            return c.sentData().map { ($0.sequence &- base) / 1448 }
        }
        #expect(sack(through: 1) == [30], "limited transmit")
        #expect(sack(through: 2) == [31], "limited transmit")
        #expect(sack(through: 3) == [10], "three SACKed: recovery, the fast retransmit alone")
        #expect(c.connection.congestion.inRecovery)
        // 22 segments were in flight, ssthresh is 11: half a segment per segment delivered.
        let pattern = (4...11).map { sack(through: UInt32($0)).count }
        #expect(pattern == [0, 0, 1, 0, 1, 0, 1, 0])
        #expect(c.connection.congestion.prrOut == 4 * 1448, "the fast retransmit and three new segments")
        #expect(c.host.stack.counters[.tcpTimeouts] == 0)
    }

    @Test("below ssthresh, PRR's slow-start bound lets the window grow back by what is delivered plus one segment")
    func slowStartReductionBound() throws {
        let c = try Established()
        _ = [UInt8](repeating: 3, count: 10 * 1448).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().count == 10)
        let base = c.ourNext
        func block(_ from: UInt32, _ to: UInt32) -> TCPSACKBlock {
            TCPSACKBlock(left: SequenceNumber(base &+ from * 1448), right: SequenceNumber(base &+ to * 1448))
        }
        var options = c.peer.options()
        // Segments 0, 3 and 6 are lost. Two ACKs start recovery (four SACKed) ...
        options.sackBlocks = TCPSACKBlocks([block(1, 3)])
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: base, flags: .ack, options: options))
        options.sackBlocks = TCPSACKBlocks([block(4, 6), block(1, 3)])
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: base, flags: .ack, options: options))
        #expect(c.sentData().map { ($0.sequence &- base) / 1448 } == [0])
        // ... and the third SACKs three more: the network holds one segment, below ssthresh
        // (five): both remaining holes go at once (delivered 3 + 1 allows 4).
        options.sackBlocks = TCPSACKBlocks([block(7, 10), block(4, 6), block(1, 3)])
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: base, flags: .ack, options: options))
        #expect(c.sentData().map { ($0.sequence &- base) / 1448 } == [3, 6])
    }
}
