import Testing
@testable import TernStack
import TernWire

/// A listener's bookkeeping must not hold on to connections that are over, whatever a
/// peer leaves half-open in front of them.
@Suite("Listener memory")
struct ListenerMemoryTests {
    @Test("a half-open connection that never completes does not keep later connections alive")
    func halfOpenAtTheFront() throws {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        let listener = try host.stack.listenTCP(port: 80)
        listener.delegate = recorder
        // A SYN whose SYN-ACK is never answered: it stays half-open for a minute.
        host.deliver(host.tcp(30000, 80, seq: 1, flags: .syn))
        _ = host.log.take()
        weak var firstFinished: TCPConnection?
        for index in 0..<500 {
            let peer = ScriptedPeer(port: UInt16(40000 + index))
            let (connection, _, _) = host.openConnection(to: 80, recorder: recorder, peer: peer,
                                                         synOptions: TCPOptions())
            let accepted = try #require(connection)
            accepted.abort()
            _ = host.log.take()
            if index == 0 { firstFinished = accepted }
        }
        #expect(recorder.accepted.count == 500)
        recorder.accepted.removeAll()
        // Past every timer the finished connections had, well before the half-open one gives up.
        host.advance(by: .seconds(2))
        _ = host.log.take()
        #expect(listener.halfOpenCount == 1)
        #expect(listener.halfOpen.count <= 2 + TCPListener.sweepSlack,
                "the queue holds \(listener.halfOpen.count) records for 1 half-open connection")
        #expect(firstFinished == nil, "a connection that is over is freed")
    }
}
