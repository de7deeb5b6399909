import Testing
@testable import TernStack
import TernWire

/// Forged segments outside the window, as an attacker who knows a connection's addresses
/// and ports but not its sequence numbers sends them (RFC 5961).
@Suite("Blind segments outside the window")
struct BlindSegmentTests {
    /// An established connection without timestamps, and the peer's state.
    func established(_ host: TestHost) throws -> (TCPConnection, ScriptedPeer) {
        host.introducePeer()
        let recorder = TCPRecorder()
        try host.stack.listenTCP(port: 80).delegate = recorder
        let (connection, peer, _) = host.openConnection(to: 80, recorder: recorder, synOptions: TCPOptions())
        _ = host.log.take()
        return (try #require(connection), peer)
    }

    @Test("a SYN outside the window draws a rate-limited challenge ACK, never one ACK per SYN")
    func synOutsideWindow() throws {
        let host = TestHost()
        let (connection, peer) = try established(host)
        for i in 0..<300 {
            host.deliver(host.tcp(peer.port, 80, seq: peer.sequence &+ 100_000_000 &+ UInt32(i) * 1000, flags: .syn))
        }
        let replies = host.log.take().compactMap(\.tcp)
        #expect(replies.allSatisfy { $0.header.flags == .ack && $0.header.acknowledgmentNumber.rawValue == peer.sequence })
        #expect(host.stack.counters[.tcpChallengeACKs] == UInt64(replies.count))
        #expect(replies.count == 1, "one challenge ACK per interval per connection")
        #expect(connection.state == .established)
    }

    @Test("a bare ACK outside the window is answered at most once per interval; data always is")
    func bareACKOutsideWindow() throws {
        let host = TestHost()
        let (connection, peer) = try established(host)
        let forged = { (i: UInt32) in
            host.tcp(peer.port, 80, seq: peer.sequence &+ 100_000_000 &+ i * 1000, ack: peer.acknowledgment, flags: .ack)
        }
        for i in 0..<50 { host.deliver(forged(UInt32(i))) }
        #expect(host.log.take().count == 1)
        host.advance(by: .milliseconds(600))
        _ = host.log.take()
        host.deliver(forged(99))
        #expect(host.log.take().count == 1, "answered again once the interval has passed")

        // Old data (the peer retransmitting because our ACK was lost) is always answered.
        for _ in 0..<5 {
            host.deliver(host.tcp(peer.port, 80, seq: peer.sequence &- 10, ack: peer.acknowledgment, flags: .ack,
                                  payload: [UInt8](repeating: 1, count: 10)))
        }
        #expect(host.log.take().count == 5)
        #expect(host.stack.counters[.tcpOutOfWindow] == 51)
        #expect(host.stack.counters[.tcpDuplicate] == 5)
        #expect(connection.state == .established)
    }
}
