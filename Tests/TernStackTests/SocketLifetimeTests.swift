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
        /// The dropped stack, and the engine behind it.
        weak var stack: NetworkStack?
        weak var core: StackCore?
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
        host.stack.poll(now: host.now)
        held.stack = host.stack
        held.core = host.stack.core
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

    @Test("a stack dropped with sockets open is freed; its engine goes with the last socket")
    func droppedStackIsFreed() throws {
        var held: Held? = try socketsOfADroppedStack()
        #expect(held?.stack == nil, "the open sockets do not keep the application's stack alive")
        #expect(held?.core != nil, "the sockets still held keep the engine's memory")
        weak let core = held?.core
        held = nil
        #expect(core == nil, "no cycle between the sockets and the engine keeps it once they go")
    }

    @Test("a stack dropped with connections established and data in flight leaves nothing behind")
    func droppedBusyStackIsFreed() throws {
        weak var stack: NetworkStack?
        weak var core: StackCore?
        weak var connection: TCPConnection?
        do {
            let host = TestHost()
            host.introducePeer()
            let listener = try host.stack.listenTCP(port: 80)
            host.deliver(host.tcp(40000, 80, seq: 1, flags: .syn))
            let iss = try #require(host.log.take().last?.tcp?.header.sequenceNumber.rawValue)
            host.deliver(host.tcp(40000, 80, seq: 2, ack: iss &+ 1, flags: .ack, payload: [1, 2, 3]))
            let accepted = try #require(listener.accept())
            #expect([UInt8](repeating: 9, count: 3000).withUnsafeBytes { accepted.send($0) } == 3000)
            host.stack.poll(now: host.now)
            #expect(accepted.state == .established && !host.log.frames.isEmpty, "the reply is in flight")
            _ = try host.stack.bindUDP(port: 53)
            stack = host.stack
            core = host.stack.core
            connection = accepted
        }
        #expect(stack == nil && core == nil && connection == nil)
    }
}
