import Testing
@testable import TernStack
import TernWire

@Suite("TCP loss recovery")
struct TCPLossTests {
    @Test("unacknowledged data is retransmitted with exponential backoff, then the connection gives up")
    func retransmissionBackoff() throws {
        let c = try Established(configure: { $0.tcp.maximumRetransmissions = 4 })
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
        var c = try Established()
        for i in 0..<5 {
            _ = [UInt8](repeating: 1, count: 10).withUnsafeBytes { c.connection.send($0) }
            c.host.stack.poll(now: c.host.now)
            let sent = try #require(c.host.log.take().first?.tcp)
            c.host.advance(by: .milliseconds(2))
            c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: c.ourNext &+ UInt32(10 * (i + 1)),
                                      flags: .ack, options: c.peer.options(echo: sent.options.timestamps?.value ?? 0)))
        }
        #expect(c.connection.rtt.timeout == 200_000_000, "clamped to the 200 ms minimum")
        c.ourNext &+= 50
    }

    @Test("three duplicate ACKs trigger a fast retransmit and NewReno recovery")
    func fastRetransmit() throws {
        let c = try Established()
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

    @Test("a timeout collapses the window to one segment and resends from the first lost byte")
    func goBackAfterTimeout() throws {
        let c = try Established()
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

    @Test("an ACK for data never sent is dropped and answered")
    func ackOfUnsentData() throws {
        let c = try Established()
        c.peerAcks(c.ourNext &+ 5000)
        #expect(c.host.stack.counters[.tcpBadACK] == 1)
        #expect(c.host.log.take().first?.tcp?.header.acknowledgmentNumber.rawValue == c.peer.sequence)
    }
}
