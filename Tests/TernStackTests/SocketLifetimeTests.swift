import Testing
@testable import TernStack
import TernWire

/// Sockets the application keeps after dropping its stack are closed sockets, not
/// pointers into freed memory.
@Suite("Sockets outliving their stack")
struct SocketLifetimeTests {
    final class Held {
        var udp: UDPSocket?
        var listener: TCPListener?
        var accepted: TCPConnection?
        var outgoing: TCPConnection?
    }

    /// A stack with a bound UDP socket, a listener with an accepted connection and an
    /// outgoing connection attempt; only the sockets are returned.
    func socketsOfADroppedStack() throws -> Held {
        let held = Held()
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        recorder.autoRead = false
        let listener = try host.stack.listenTCP(port: 80)
        listener.delegate = recorder
        host.deliver(host.tcp(40000, 80, seq: 1, flags: .syn))
        let iss = try #require(host.log.take().last?.tcp?.header.sequenceNumber.rawValue)
        host.deliver(host.tcp(40000, 80, seq: 2, ack: iss &+ 1, flags: .ack, payload: [1, 2, 3]))
        #expect(recorder.accepted.count == 1)
        held.accepted = recorder.accepted.first
        held.accepted?.delegate = nil
        held.listener = listener
        held.udp = try host.stack.bindUDP(port: 9000)
        held.outgoing = try host.stack.connectTCP(to: TestHost.peerIP, port: 443)
        return held
    }

    @Test("every socket call answers as on a closed socket, and unread bytes stay readable")
    func closedAfterTheStack() throws {
        let held = try socketsOfADroppedStack()
        let udp = try #require(held.udp), listener = try #require(held.listener)
        let accepted = try #require(held.accepted), outgoing = try #require(held.outgoing)
        #expect(throws: SocketError.closed) {
            try [UInt8](repeating: 0, count: 4).withUnsafeBytes { try udp.send($0, to: TestHost.peerIP, port: 9) }
        }
        udp.close()
        #expect(!listener.isOpen && listener.accept() == nil)
        listener.close()
        for connection in [accepted, outgoing] {
            #expect(connection.state == .closed && connection.error == .closed)
            #expect([UInt8](repeating: 7, count: 10).withUnsafeBytes { connection.send($0) } == 0)
            #expect(connection.sendSpace == 0)
            connection.noDelay = true
            connection.shutdownWrite()
            connection.close()
            connection.abort()
        }
        var unread = [UInt8](repeating: 0, count: 8)
        let n = unread.withUnsafeMutableBytes { accepted.receive(into: $0) }
        #expect(Array(unread.prefix(n)) == [1, 2, 3], "what had arrived can still be read")
    }
}
