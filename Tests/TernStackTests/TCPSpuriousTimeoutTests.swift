import Testing
@testable import TernStack
import TernWire

@Suite("Spurious retransmission timeouts")
struct TCPSpuriousTimeoutTests {
    @Test("an ACK echoing a timestamp older than the timeout's retransmission undoes the timeout; one echoing the retransmission does not",
          arguments: [true, false])
    func undoOnSpuriousTimeout(spurious: Bool) throws {
        let c = try Established()
        let base = c.sampleOneMillisecondRTT()
        _ = [UInt8](repeating: 1, count: 20 * 1448).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().count == 10)
        c.host.advance(by: .milliseconds(1))
        c.peerAcks(base &+ 10 * 1448)
        let flight = c.host.log.take().compactMap(\.tcp).filter { $0.payloadLength > 0 }
        #expect(flight.count == 10, "slow start: the other ten")
        let originalStamp = try #require(flight.first?.options.timestamps?.value)
        let window = c.connection.congestion.window
        let threshold = c.connection.congestion.slowStartThreshold
        // The ACKs are delayed: two loss probes, then the timeout collapses the window.
        c.host.advance(by: .milliseconds(300))
        #expect(c.host.stack.counters[.tcpTailLossProbes] == 2)
        #expect(c.host.stack.counters[.tcpTimeouts] == 1)
        #expect(c.connection.congestion.window == 1448)
        #expect(c.connection.congestion.slowStartThreshold == 5 * 1448, "half the flight")
        let resent = c.host.log.take().compactMap(\.tcp).filter { $0.payloadLength > 0 }
        #expect(resent.last?.header.sequenceNumber.rawValue == base &+ 10 * 1448, "the timeout resends the first")
        let retransmissionStamp = try #require(resent.last?.options.timestamps?.value)
        #expect(retransmissionStamp != originalStamp)
        // The ACK arrives, echoing the original's timestamp (it was only late) or the
        // retransmission's (the original was lost).
        let echo = spurious ? originalStamp : retransmissionStamp
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: base &+ 12 * 1448, flags: .ack,
                                  options: c.peer.options(echo: echo)))
        if spurious {
            #expect(c.host.stack.counters[.tcpSpuriousTimeouts] == 1)
            #expect(c.connection.congestion.window == window + 2 * 1448,
                    "the window as before the timeout, then slow start for the two acknowledged")
            #expect(c.connection.congestion.slowStartThreshold == threshold)
            #expect(c.sentData().isEmpty, "nothing resent: the rest of the window was never lost")
        } else {
            #expect(c.host.stack.counters[.tcpSpuriousTimeouts] == 0)
            #expect(c.connection.congestion.window == 3 * 1448, "slow start from one segment, two acknowledged")
            #expect(c.sentData().map { ($0.sequence &- base) / 1448 } == [12, 13, 14], "go-back-N goes on")
        }
    }
}
