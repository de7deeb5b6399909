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

/// Half-open connections are cheap for an attacker (one spoofed SYN each); they must give
/// way to real clients when the host's connection limit is reached.
@Suite("Connection limit under a SYN flood")
struct ConnectionLimitTests {
    /// A host whose table holds 8 connections, with `flooded` listeners each given SYNs
    /// that are never completed until the table is full.
    func floodedHost(floodPorts: [UInt16]) throws -> (TestHost, TCPRecorder) {
        let host = TestHost { $0.tcp.maximumConnections = 8 }
        host.introducePeer()
        let recorder = TCPRecorder()
        for port in Set(floodPorts + [80]) { try host.stack.listenTCP(port: port).delegate = recorder }
        for index in 0..<8 {
            host.deliver(host.tcp(UInt16(30000 + index), floodPorts[index % floodPorts.count], seq: 1, flags: .syn))
        }
        _ = host.log.take()
        #expect(host.stack.tcpConnectionCount == 8)
        return (host, recorder)
    }

    @Test("a real client gets in when half-open connections of its own port fill the table")
    func samePort() throws {
        let (host, recorder) = try floodedHost(floodPorts: [80])
        let (connection, _, _) = host.openConnection(to: 80, recorder: recorder, synOptions: TCPOptions())
        #expect(connection?.state == .established)
        #expect(host.stack.tcpConnectionCount == 8, "the limit still holds")
        #expect(host.stack.counters[.tcpTooManyConnections] == 1, "the half-open connection pushed out")
    }

    @Test("a real client gets in when half-open connections of other ports fill the table")
    func otherPorts() throws {
        let (host, recorder) = try floodedHost(floodPorts: [81, 82])
        let (connection, _, _) = host.openConnection(to: 80, recorder: recorder, synOptions: TCPOptions())
        #expect(connection?.state == .established)
        #expect(host.stack.tcpConnectionCount == 8)
    }

    @Test("established connections are never pushed out: at the limit with none half-open, SYNs are refused with a reset")
    func establishedStay() throws {
        let host = TestHost { $0.tcp.maximumConnections = 2 }
        host.introducePeer()
        let recorder = TCPRecorder()
        try host.stack.listenTCP(port: 80).delegate = recorder
        for port: UInt16 in [40000, 40001] {
            let (connection, _, _) = host.openConnection(to: 80, recorder: recorder, peer: ScriptedPeer(port: port),
                                                         synOptions: TCPOptions())
            #expect(connection?.state == .established)
            _ = host.log.take()
        }
        host.deliver(host.tcp(40002, 80, seq: 1, flags: .syn))
        // A reset, so that the client fails at once instead of retrying its SYN for a minute.
        let reply = try #require(host.log.take().first?.tcp)
        #expect(reply.header.flags == [.rst, .ack] && reply.header.acknowledgmentNumber.rawValue == 2)
        #expect(reply.header.destinationPort == 40002)
        #expect(host.stack.counters[.tcpTooManyConnections] == 1)
        #expect(recorder.accepted.allSatisfy { $0.state == .established })
    }
}
