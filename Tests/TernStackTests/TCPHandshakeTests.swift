import Testing
@testable import TernStack
import TernWire

@Suite("TCP handshake and resets")
struct TCPHandshakeTests {
    @Test("SYN-ACK answers every option the SYN offered")
    func synAckFields() throws {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        let listener = try host.stack.listenTCP(port: 80)
        listener.delegate = recorder
        let (connection, peer, synAck) = host.openConnection(to: 80, recorder: recorder)
        let reply = try #require(synAck?.tcp)
        #expect(reply.header.flags == [.syn, .ack])
        #expect(reply.header.acknowledgmentNumber.rawValue == 1_000_001)
        #expect(reply.header.sourcePort == 80 && reply.header.destinationPort == 40000)
        #expect(reply.options.maximumSegmentSize == 1460)
        #expect(reply.options.windowScale == 7, "a receive buffer that may grow to 4 MiB needs a shift of 7")
        #expect(reply.options.sackPermitted)
        #expect(reply.options.timestamps?.echoReply == 5000)
        #expect(reply.header.window == 65535, "the window in a SYN is not scaled")
        #expect(synAck?.ipv4?.flags.contains(.dontFragment) == true)
        #expect(synAck?.checksumsValid == true)
        let accepted = try #require(connection)
        #expect(accepted.state == .established)
        #expect(accepted.remotePort == 40000)
        #expect(accepted.sendScale == 7)
        #expect(accepted.sendWindow == 65535 << 7)
        #expect(accepted.sendMSS == 1448, "MSS less the 12 bytes of timestamps")
        #expect(peer.acknowledgment == reply.header.sequenceNumber.rawValue &+ 1)
    }

    @Test("a SYN without options gets a SYN-ACK with only MSS")
    func plainSyn() throws {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        try host.stack.listenTCP(port: 80).delegate = recorder
        let (connection, _, synAck) = host.openConnection(to: 80, recorder: recorder, synOptions: TCPOptions())
        let options = try #require(synAck?.tcp?.options)
        #expect(options.maximumSegmentSize == 1460)
        #expect(options.windowScale == nil && options.timestamps == nil && !options.sackPermitted)
        #expect(connection?.sendMSS == 536, "no MSS option means 536")
        #expect(connection?.timestampsEnabled == false)
    }

    @Test("initial sequence numbers differ per connection and over time")
    func initialSequenceNumbers() throws {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        try host.stack.listenTCP(port: 80).delegate = recorder
        var seen = Set<UInt32>()
        for port in UInt16(40000)..<40010 {
            host.deliver(host.tcp(port, 80, seq: 1, flags: .syn))
            if let seq = host.log.take().first?.tcp?.header.sequenceNumber.rawValue { seen.insert(seq) }
            host.advance(by: .milliseconds(1))
        }
        #expect(seen.count == 10)
    }

    @Test("a SYN to a closed port is answered with RST-ACK; an ACK with RST at its ack number")
    func resetsForClosedPorts() throws {
        let host = TestHost()
        host.introducePeer()
        host.deliver(host.tcp(40000, 81, seq: 500, flags: .syn))
        let rst = try #require(host.log.take().first?.tcp)
        #expect(rst.header.flags == [.rst, .ack])
        #expect(rst.header.sequenceNumber.rawValue == 0)
        #expect(rst.header.acknowledgmentNumber.rawValue == 501)
        host.deliver(host.tcp(40000, 81, seq: 500, ack: 7777, flags: .ack, payload: [1, 2, 3]))
        let rst2 = try #require(host.log.take().first?.tcp)
        #expect(rst2.header.flags == .rst)
        #expect(rst2.header.sequenceNumber.rawValue == 7777)
        host.deliver(host.tcp(40000, 81, seq: 500, flags: .rst))
        #expect(host.log.take().isEmpty, "never a reset for a reset")
        #expect(host.stack.counters[.tcpNoListener] == 3)
    }

    @Test("SYN+FIN opens nothing")
    func synFin() throws {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        try host.stack.listenTCP(port: 80).delegate = recorder
        host.deliver(host.tcp(40000, 80, seq: 1, flags: [.syn, .fin]))
        #expect(host.log.take().isEmpty)
        #expect(host.stack.tcpConnectionCount == 0)
        #expect(host.stack.counters[.tcpInvalidInState] == 1)
    }

    @Test("SYN-ACK is retransmitted with backoff, and the half-open connection given up")
    func synAckRetransmission() throws {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        try host.stack.listenTCP(port: 80).delegate = recorder
        host.deliver(host.tcp(40000, 80, seq: 1, flags: .syn))
        #expect(host.log.take().count == 1)
        var gaps: [Int] = []
        var last = host.now
        for _ in 0..<70 {
            host.advance(by: .seconds(1))
            let sent = host.log.take().filter { $0.tcp?.header.flags == [.syn, .ack] }
            if !sent.isEmpty {
                gaps.append(Int((host.now - last).millisecondCount / 1000))
                last = host.now
            }
        }
        #expect(gaps == [1, 2, 4, 8, 16], "five retransmissions, doubling")
        #expect(host.stack.tcpConnectionCount == 0)
    }

    @Test("a repeated SYN in SYN-RECEIVED brings the SYN-ACK again")
    func repeatedSyn() throws {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        try host.stack.listenTCP(port: 80).delegate = recorder
        host.deliver(host.tcp(40000, 80, seq: 1, flags: .syn))
        let first = try #require(host.log.take().first?.tcp)
        host.deliver(host.tcp(40000, 80, seq: 1, flags: .syn))
        let second = try #require(host.log.take().first?.tcp)
        #expect(second.header.flags == [.syn, .ack])
        #expect(second.header.sequenceNumber == first.header.sequenceNumber)
    }

    @Test("the accept backlog is bounded: further SYNs are dropped until connections are accepted")
    func backlog() throws {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        recorder.autoAccept = false
        let listener = try host.stack.listenTCP(port: 80, backlog: 2)
        listener.delegate = recorder
        for port in UInt16(40001)...40002 {
            _ = host.openConnection(to: 80, recorder: recorder, peer: ScriptedPeer(port: port))
        }
        #expect(listener.pendingConnections == 2)
        host.deliver(host.tcp(40003, 80, seq: 1, flags: .syn))
        #expect(host.log.take().isEmpty, "dropped: the client will retry")
        #expect(host.stack.counters[.tcpBacklogFull] == 1)
        #expect(listener.accept() != nil)
        host.deliver(host.tcp(40003, 80, seq: 1, flags: .syn))
        #expect(host.log.take().first?.tcp?.header.flags == [.syn, .ack])
    }

    @Test("the SYN queue evicts the oldest half-open connection when full")
    func synQueue() throws {
        let host = TestHost { $0.tcp.synQueueLength = 4 }
        host.introducePeer()
        let recorder = TCPRecorder()
        try host.stack.listenTCP(port: 80).delegate = recorder
        for port in UInt16(41000)..<41010 { host.deliver(host.tcp(port, 80, seq: 1, flags: .syn)) }
        _ = host.log.take()
        #expect(host.stack.tcpConnectionCount == 4)
        #expect(host.stack.counters[.tcpSynQueueFull] == 6)
        let (connection, _, _) = host.openConnection(to: 80, recorder: recorder, peer: ScriptedPeer(port: 42000))
        #expect(connection?.state == .established, "a real client still gets in during a flood")
    }

    @Test("an in-window RST that is not exact draws a challenge ACK; an exact one resets")
    func rstChecks() throws {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        try host.stack.listenTCP(port: 80).delegate = recorder
        let (connection, peer, _) = host.openConnection(to: 80, recorder: recorder)
        host.deliver(host.tcp(peer.port, 80, seq: peer.sequence + 100, flags: .rst))
        let challenge = try #require(host.log.take().first?.tcp)
        #expect(challenge.header.flags == .ack)
        #expect(challenge.header.acknowledgmentNumber.rawValue == peer.sequence)
        #expect(connection?.state == .established)
        host.deliver(host.tcp(peer.port, 80, seq: peer.sequence &+ 10_000_000, flags: .rst))
        #expect(host.log.take().isEmpty, "an RST outside the window is dropped silently")
        host.deliver(host.tcp(peer.port, 80, seq: peer.sequence, flags: .rst))
        #expect(connection?.state == .closed)
        #expect(recorder.closures.count == 1 && recorder.closures.first == .connectionReset)
        #expect(host.stack.counters[.tcpChallengeACKs] == 1)
    }

    @Test("a SYN on an established connection draws a challenge ACK, never a reset")
    func synInWindow() throws {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        try host.stack.listenTCP(port: 80).delegate = recorder
        let (connection, peer, _) = host.openConnection(to: 80, recorder: recorder)
        host.deliver(host.tcp(peer.port, 80, seq: peer.sequence + 5, flags: .syn))
        let reply = try #require(host.log.take().first?.tcp)
        #expect(reply.header.flags == .ack)
        #expect(connection?.state == .established)
    }

    @Test("an ACK in SYN-RECEIVED that does not cover our SYN is answered with RST")
    func badHandshakeAck() throws {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        try host.stack.listenTCP(port: 80).delegate = recorder
        host.deliver(host.tcp(40000, 80, seq: 1, flags: .syn))
        let synAck = try #require(host.log.take().first?.tcp)
        host.deliver(host.tcp(40000, 80, seq: 2, ack: synAck.header.sequenceNumber.rawValue &+ 5, flags: .ack))
        let rst = try #require(host.log.take().first?.tcp)
        #expect(rst.header.flags == .rst)
        #expect(rst.header.sequenceNumber.rawValue == synAck.header.sequenceNumber.rawValue &+ 5)
    }

    @Test("active open: SYN with all options, established on SYN-ACK")
    func activeOpen() throws {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        let connection = try host.stack.connectTCP(to: TestHost.peerIP, port: 7)
        connection.delegate = recorder
        host.stack.poll(now: host.now)
        let syn = try #require(host.log.take().first?.tcp)
        #expect(syn.header.flags == .syn)
        #expect(syn.options.maximumSegmentSize == 1460 && syn.options.windowScale == 7 && syn.options.sackPermitted)
        #expect(syn.options.timestamps != nil)
        #expect(connection.localPort >= 49152)
        let iss = syn.header.sequenceNumber.rawValue
        host.deliver(host.tcp(7, connection.localPort, seq: 9000, ack: iss &+ 1, flags: [.syn, .ack],
                              options: TCPOptions(maximumSegmentSize: 1400, windowScale: 2, sackPermitted: true,
                                                  timestamps: TCPTimestamps(value: 1, echoReply: syn.options.timestamps!.value))))
        #expect(connection.state == .established)
        #expect(recorder.connectedCount == 1)
        let ack = try #require(host.log.take().first?.tcp)
        #expect(ack.header.flags == .ack && ack.header.acknowledgmentNumber.rawValue == 9001)
        #expect(connection.sendMSS == 1388)
    }

    @Test("active open refused by RST-ACK reports connection refused")
    func refused() throws {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        let connection = try host.stack.connectTCP(to: TestHost.peerIP, port: 7)
        connection.delegate = recorder
        host.stack.poll(now: host.now)
        let syn = try #require(host.log.take().first?.tcp)
        host.deliver(host.tcp(7, connection.localPort, seq: 0, ack: syn.header.sequenceNumber.rawValue &+ 1, flags: [.rst, .ack]))
        #expect(connection.state == .closed)
        #expect(recorder.closures == [.connectionRefused])
    }

    @Test("simultaneous open: crossing SYNs both end established")
    func simultaneousOpen() throws {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        let connection = try host.stack.connectTCP(to: TestHost.peerIP, port: 7, localPort: 5555)
        connection.delegate = recorder
        host.stack.poll(now: host.now)
        let syn = try #require(host.log.take().first?.tcp)
        host.deliver(host.tcp(7, 5555, seq: 100, flags: .syn, options: TCPOptions(maximumSegmentSize: 1460)))
        let synAck = try #require(host.log.take().first?.tcp)
        #expect(synAck.header.flags == [.syn, .ack])
        #expect(synAck.header.sequenceNumber == syn.header.sequenceNumber)
        #expect(synAck.header.acknowledgmentNumber.rawValue == 101)
        host.deliver(host.tcp(7, 5555, seq: 100, ack: syn.header.sequenceNumber.rawValue &+ 1, flags: [.syn, .ack]))
        #expect(connection.state == .established)
        #expect(recorder.connectedCount == 1)
    }
}
