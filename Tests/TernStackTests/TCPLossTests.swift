import Testing
@testable import TernStack
import TernWire

/// A peer that offers timestamps but not SACK: classic NewReno recovery, no tail loss probes.
let withoutSACK = TCPOptions(maximumSegmentSize: 1460, windowScale: 7, timestamps: TCPTimestamps(value: 5000, echoReply: 0))

@Suite("TCP loss recovery")
struct TCPLossTests {
    @Test("unacknowledged data is retransmitted with exponential backoff, then the connection gives up")
    func retransmissionBackoff() throws {
        let c = try Established(configure: { $0.tcp.maximumRetransmissions = 4 }, synOptions: withoutSACK)
        _ = [UInt8](repeating: 1, count: 100).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        _ = c.sentData()
        var times: [UInt64] = []
        let start = c.host.now
        for _ in 0..<400 {
            c.host.advance(by: .milliseconds(100))
            if !c.sentData().isEmpty { times.append((c.host.now - start).millisecondCount) }
        }
        // The handshake took no time on the virtual clock, so the RTO sits at its 200 ms
        // minimum, then doubles: 200, 400, 800, 1600 ms apart.
        #expect(times == [200, 600, 1400, 3000])
        #expect(c.connection.state == .closed)
        #expect(c.recorder.closures == [.timedOut])
        #expect(c.host.stack.counters[.tcpTimeouts] == 4)
    }

    @Test("RTT samples bring the timeout down to its minimum")
    func rttEstimation() throws {
        let c = try Established()
        for i in 0..<5 {
            _ = [UInt8](repeating: 1, count: 10).withUnsafeBytes { c.connection.send($0) }
            c.host.stack.poll(now: c.host.now)
            _ = c.host.log.take()
            c.host.advance(by: .milliseconds(2))
            c.peerAcks(c.ourNext &+ UInt32(10 * (i + 1)))
        }
        // The handshake took no time; five 2 ms samples pull the average up by 1/8 each.
        #expect(c.connection.rtt.smoothed.map { $0 > 500_000 && $0 < 2_000_000 } == true)
        #expect(c.connection.rtt.timeout == 200_000_000, "clamped to the 200 ms minimum")
    }

    @Test("three duplicate ACKs trigger a fast retransmit and NewReno recovery")
    func fastRetransmit() throws {
        let c = try Established(synOptions: withoutSACK)
        let data = [UInt8](repeating: 3, count: 10 * 1448)
        _ = data.withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        let first = c.sentData()
        #expect(first.count == 10, "initial window of ten segments")
        // Segment 0 is lost: the peer acknowledges nothing new, three times.
        for _ in 0..<3 { c.peerAcks(c.ourNext) }
        let retransmitted = c.sentData()
        #expect(retransmitted.first?.sequence == c.ourNext, "the lost segment is resent at once")
        #expect(c.host.stack.counters[.tcpFastRetransmits] == 1)
        #expect(c.connection.congestion.inRecovery)
        // Partial ACK: segment 0 arrived, segment 5 was lost too.
        c.peerAcks(c.ourNext &+ 5 * 1448)
        let partial = c.sentData()
        #expect(partial.first?.sequence == c.ourNext &+ 5 * 1448, "NewReno resends the next hole")
        #expect(c.connection.congestion.inRecovery)
        c.peerAcks(c.ourNext &+ 10 * 1448)
        #expect(!c.connection.congestion.inRecovery, "full ACK ends recovery")
        #expect(c.host.stack.counters[.tcpTimeouts] == 0)
    }

    @Test("SACK recovery resends every hole the scoreboard shows, without waiting a round trip each")
    func sackRecovery() throws {
        let c = try Established()
        _ = [UInt8](repeating: 3, count: 10 * 1448).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().count == 10)
        // Segments 0, 3 and 6 are lost; the peer SACKs 1–2, 4–5 and 7–9.
        let base = c.ourNext
        func block(_ from: UInt32, _ to: UInt32) -> TCPSACKBlock {
            TCPSACKBlock(left: SequenceNumber(base &+ from * 1448), right: SequenceNumber(base &+ to * 1448))
        }
        var options = c.peer.options()
        options.sackBlocks = TCPSACKBlocks([block(1, 3)])
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: base, flags: .ack, options: options))
        options.sackBlocks = TCPSACKBlocks([block(4, 6), block(1, 3)])
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: base, flags: .ack, options: options))
        options.sackBlocks = TCPSACKBlocks([block(7, 10), block(4, 6), block(1, 3)])
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: base, flags: .ack, options: options))
        let resent = c.sentData().map { ($0.sequence &- base) / 1448 }
        #expect(resent == [0, 3, 6], "all three holes within one round trip")
        #expect(c.connection.congestion.inRecovery)
        c.peerAcks(base &+ 10 * 1448)
        #expect(!c.connection.congestion.inRecovery)
        #expect(c.host.stack.counters[.tcpTimeouts] == 0)
    }

    @Test("a lost retransmission is noticed from later SACKs and sent again without a timeout")
    func lostRetransmission() throws {
        let c = try Established()
        let base = c.ourNext
        _ = [UInt8](repeating: 3, count: 40 * 1448).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        _ = c.sentData()
        var options = c.peer.options()
        func sack(upTo segments: UInt32) {
            options.sackBlocks = TCPSACKBlocks([TCPSACKBlock(left: SequenceNumber(base &+ 1448),
                                                             right: SequenceNumber(base &+ segments * 1448))])
            c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: base, flags: .ack, options: options))
        }
        sack(upTo: 5)
        let first = c.sentData()
        #expect(first.first?.sequence == base, "fast retransmit of segment 0")
        // Segment 0's retransmission is lost too; SACKs of data sent after it keep coming.
        var again = false
        for n in UInt32(6)...14 {
            sack(upTo: n)
            if c.sentData().contains(where: { $0.sequence == base }) { again = true }
        }
        #expect(again, "segment 0 resent once later data is SACKed beyond it")
        #expect(c.host.stack.counters[.tcpTimeouts] == 0)
    }

    @Test("tail loss probes draw out the loss of the last segments before the RTO, two at most, the second after twice the wait")
    func tailLossProbe() throws {
        let c = try Established()
        let base = c.sampleOneMillisecondRTT()
        _ = [UInt8](repeating: 2, count: 4 * 1448).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().count == 4)
        // No ACK at all: the probe comes after 2·SRTT + 8 ms (SRTT is 125 µs here: the
        // handshake took no time, then one 1 ms sample).
        c.host.advance(by: .microseconds(8200))
        #expect(c.sentData().isEmpty, "nothing before the probe timeout")
        c.host.advance(by: .microseconds(100))
        let probe = c.sentData()
        #expect(probe.map { $0.sequence &- base } == [2 * 1448, 3 * 1448],
                "the last two segments again (a Linux receiver acknowledges two at once)")
        #expect(c.host.stack.counters[.tcpTailLossProbes] == 1)
        // Its answer is lost as well: a second probe, after twice the wait.
        c.host.advance(by: .microseconds(16400))
        #expect(c.sentData().isEmpty, "the second probe waits twice as long")
        c.host.advance(by: .microseconds(200))
        #expect(c.sentData().map { $0.sequence &- base } == [2 * 1448, 3 * 1448])
        #expect(c.host.stack.counters[.tcpTailLossProbes] == 2)
        // Then only the retransmission timeout is left.
        c.host.advance(by: .milliseconds(150))
        #expect(c.sentData().isEmpty, "no third probe")
        c.host.advance(by: .milliseconds(60))
        #expect(c.sentData().map { $0.sequence &- base } == [0], "the RTO resends the first segment")
        #expect(c.host.stack.counters[.tcpTimeouts] == 1)
        #expect(c.host.stack.counters[.tcpTailLossProbes] == 2)
    }

    @Test("in SACK recovery, silence after the window is out brings a probe of the first hole, not the RTO")
    func probeInRecovery() throws {
        let c = try Established()
        let base = c.sampleOneMillisecondRTT()
        _ = [UInt8](repeating: 3, count: 10 * 1448).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().count == 10)
        // Segments 0 and 5 are lost; the peer SACKs 1–4.
        var options = c.peer.options()
        func block(_ from: UInt32, _ to: UInt32) -> TCPSACKBlocks {
            TCPSACKBlocks([TCPSACKBlock(left: SequenceNumber(base &+ from * 1448), right: SequenceNumber(base &+ to * 1448))])
        }
        options.sackBlocks = block(1, 5)
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: base, flags: .ack, options: options))
        #expect(c.connection.congestion.inRecovery)
        #expect(c.sentData().first?.sequence == base, "fast retransmit of segment 0")
        // Segment 0's retransmission arrives: a partial ACK up to the second hole, 6–9 SACKed.
        options.sackBlocks = block(6, 10)
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: base &+ 5 * 1448, flags: .ack,
                                  options: options))
        #expect(c.sentData().map { $0.sequence &- base } == [5 * 1448], "the second hole is resent")
        #expect(c.connection.congestion.inRecovery)
        // That retransmission is lost, and nothing else is left to send: silence.
        c.host.advance(by: .microseconds(8200))
        #expect(c.sentData().isEmpty, "the probe waits 2·SRTT + 8 ms")
        c.host.advance(by: .microseconds(100))
        #expect(c.sentData().map { $0.sequence &- base } == [5 * 1448], "the probe resends the hole")
        #expect(c.host.stack.counters[.tcpTailLossProbes] == 1)
        // Its ACK covers everything: recovery ends without a timeout.
        c.peerAcks(base &+ 10 * 1448)
        #expect(!c.connection.congestion.inRecovery)
        #expect(c.host.stack.counters[.tcpTimeouts] == 0)
    }

    @Test("a timeout collapses the window to one segment and resends from the first lost byte")
    func goBackAfterTimeout() throws {
        let c = try Established(synOptions: withoutSACK)
        _ = [UInt8](repeating: 4, count: 5 * 1448).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().count == 5)
        c.host.advance(by: .milliseconds(201))
        let resent = c.sentData()
        #expect(resent.count == 1, "one segment after a timeout")
        #expect(resent.first?.sequence == c.ourNext)
        #expect(c.connection.congestion.window == 1448)
        c.peerAcks(c.ourNext &+ 1448)
        #expect(c.sentData().count == 2, "slow start again")
    }

    @Test("leaving recovery with nothing in flight keeps two segments of window, so a delayed-ACK peer answers at once")
    func windowAfterRecoveryWithEmptyFlight() throws {
        let c = try Established(synOptions: withoutSACK)
        _ = [UInt8](repeating: 5, count: 10 * 1448).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().count == 10)
        for _ in 0..<3 { c.peerAcks(c.ourNext) }
        #expect(c.connection.congestion.inRecovery)
        _ = c.sentData()
        // The full ACK covers everything sent: nothing is in flight when recovery ends.
        c.peerAcks(c.ourNext &+ 10 * 1448)
        #expect(!c.connection.congestion.inRecovery)
        // RFC 6582 §3.2 step 3: min(ssthresh, max(FlightSize, SMSS) + SMSS) = two segments.
        #expect(c.connection.congestion.window == 2 * 1448)
        _ = [UInt8](repeating: 6, count: 4 * 1448).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().count == 2, "two segments, which a delayed-ACK receiver acknowledges at once")
    }

    @Test("an ACK for data never sent is dropped and answered")
    func ackOfUnsentData() throws {
        let c = try Established()
        c.peerAcks(c.ourNext &+ 5000)
        #expect(c.host.stack.counters[.tcpBadACK] == 1)
        #expect(c.host.log.take().first?.tcp?.header.acknowledgmentNumber.rawValue == c.peer.sequence)
    }
}

extension Established {
    /// Sends ten bytes the peer acknowledges 1 ms later, giving the connection an RTT
    /// estimate; returns our next sequence number after them.
    func sampleOneMillisecondRTT() -> UInt32 {
        _ = [UInt8](repeating: 1, count: 10).withUnsafeBytes { connection.send($0) }
        host.stack.poll(now: host.now)
        _ = sentData()
        host.advance(by: .milliseconds(1))
        peerAcks(ourNext &+ 10)
        return ourNext &+ 10
    }
}
