import Testing
@testable import TernStack
import TernWire

/// A host with one established connection from the scripted peer to port 80.
struct Established {
    let host: TestHost
    let recorder: TCPRecorder
    let listener: TCPListener
    let connection: TCPConnection
    var peer: ScriptedPeer
    /// Our next sequence number as the peer sees it (what it acknowledges).
    var ourNext: UInt32

    init(configure: (inout StackConfiguration) -> Void = { _ in },
         synOptions: TCPOptions = TCPOptions(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true,
                                             timestamps: TCPTimestamps(value: 5000, echoReply: 0)),
         window: UInt16 = 65535) throws {
        host = TestHost(configure: configure)
        host.introducePeer()
        recorder = TCPRecorder()
        listener = try host.stack.listenTCP(port: 80)
        listener.delegate = recorder
        let (connection, peer, _) = host.openConnection(to: 80, recorder: recorder, synOptions: synOptions, window: window)
        self.connection = try #require(connection)
        self.peer = peer
        ourNext = peer.acknowledgment
    }

    /// The peer sends data (with the next sequence number) and advances.
    mutating func peerSends(_ bytes: [UInt8], flags: TCPFlags = [.ack, .psh], window: UInt16 = 65535) {
        host.deliver(host.tcp(peer.port, 80, seq: peer.sequence, ack: ourNext, flags: flags, window: window,
                              options: peer.options(), payload: bytes))
        peer.sequence &+= UInt32(bytes.count)
        if flags.contains(.fin) { peer.sequence &+= 1 }
    }

    /// The peer acknowledges up to `ack` with `window`.
    func peerAcks(_ ack: UInt32, window: UInt16 = 65535) {
        host.deliver(host.tcp(peer.port, 80, seq: peer.sequence, ack: ack, flags: .ack, window: window, options: peer.options()))
    }

    /// Data segments we sent since the last look.
    func sentData() -> [(sequence: UInt32, payload: [UInt8], flags: TCPFlags)] {
        host.log.take().compactMap { frame in
            guard let tcp = frame.tcp, tcp.payloadLength > 0 else { return nil }
            return (tcp.header.sequenceNumber.rawValue, frame.tcpPayload, tcp.header.flags)
        }
    }
}

@Suite("TCP data")
struct TCPDataTests {
    @Test("data is delivered; one segment is acknowledged after the delayed-ACK timeout, two at once")
    func delayedAck() throws {
        var c = try Established()
        // The first read lets the window grow past what the SYN-ACK could say: that update
        // goes out at once.
        c.peerSends([0])
        let update = try #require(c.host.log.take().first?.tcp)
        #expect(update.header.window == 4096, "512 KiB free, scaled by 128 (the shift a 4 MiB buffer needs)")
        c.recorder.received.removeAll()
        c.peerSends(Array("GET".utf8))
        #expect(c.recorder.received == Array("GET".utf8))
        #expect(c.host.log.take().isEmpty, "a lone segment's ACK is delayed")
        c.host.advance(by: .milliseconds(39))
        #expect(c.host.log.take().isEmpty)
        c.host.advance(by: .milliseconds(2))
        let delayed = try #require(c.host.log.take().first?.tcp)
        #expect(delayed.header.acknowledgmentNumber.rawValue == c.peer.sequence)
        c.peerSends([1])
        #expect(c.host.log.take().isEmpty)
        c.peerSends([2])
        let immediate = try #require(c.host.log.take().first?.tcp)
        #expect(immediate.header.acknowledgmentNumber.rawValue == c.peer.sequence, "every second segment at once")
    }

    @Test("out-of-order data is held, SACKed at once, and delivered in order when the hole fills")
    func outOfOrder() throws {
        let c = try Established()
        let first = [UInt8](repeating: 1, count: 100), second = [UInt8](repeating: 2, count: 100)
        let third = [UInt8](repeating: 3, count: 100)
        let start = c.peer.sequence
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: start &+ 200, ack: c.ourNext, flags: .ack, options: c.peer.options(), payload: third))
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: start &+ 100, ack: c.ourNext, flags: .ack, options: c.peer.options(), payload: second))
        let dupAcks = c.host.log.take().compactMap(\.tcp)
        #expect(dupAcks.count == 2)
        #expect(dupAcks.allSatisfy { $0.header.acknowledgmentNumber.rawValue == start })
        let sack = try #require(dupAcks.last?.options.sackBlocks.first)
        #expect(sack.left.rawValue == start &+ 100 && sack.right.rawValue == start &+ 300)
        #expect(c.recorder.received.isEmpty)
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: start, ack: c.ourNext, flags: .ack, options: c.peer.options(), payload: first))
        #expect(c.recorder.received == first + second + third)
        let ack = try #require(c.host.log.take().first?.tcp)
        #expect(ack.header.acknowledgmentNumber.rawValue == start &+ 300, "ACK at once when the hole fills")
        #expect(ack.options.sackBlocks.isEmpty)
    }

    @Test("duplicates are discarded and acknowledged; overlapping retransmissions deliver only new bytes")
    func duplicates() throws {
        var c = try Established()
        let start = c.peer.sequence
        c.peerSends(Array("hello".utf8))
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: start, ack: c.ourNext, flags: .ack, options: c.peer.options(),
                                  payload: Array("hello".utf8)))
        let ack = try #require(c.host.log.take().last?.tcp)
        #expect(ack.header.acknowledgmentNumber.rawValue == start &+ 5)
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: start &+ 3, ack: c.ourNext, flags: .ack, options: c.peer.options(),
                                  payload: Array("lo world".utf8)))
        #expect(String(decoding: c.recorder.received, as: UTF8.self) == "hello world")
        #expect(c.host.stack.counters[.tcpDuplicate] == 1)
    }

    @Test("a segment beyond the window is acknowledged and dropped")
    func outOfWindow() throws {
        var c = try Established()
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence &+ 3_000_000, ack: c.ourNext, flags: .ack,
                                  options: c.peer.options(), payload: [1, 2, 3]))
        let ack = try #require(c.host.log.take().first?.tcp)
        #expect(ack.header.acknowledgmentNumber.rawValue == c.peer.sequence)
        #expect(c.host.stack.counters[.tcpOutOfWindow] == 1)
        c.peerSends([9])
        #expect(c.recorder.received == [9])
    }

    @Test("the window advertises free buffer space, closes to zero, answers probes, and reopens")
    func receiveWindow() throws {
        var c = try Established(configure: {
            $0.tcp.receiveBufferSize = 16384
            $0.tcp.maximumReceiveBufferSize = 16384
        })
        c.recorder.autoRead = false
        #expect(c.host.stack.core.tcp.ourWindowScale == 0)
        let chunk = [UInt8](repeating: 7, count: 1448)
        for _ in 0..<11 { c.peerSends(chunk) }
        c.peerSends([UInt8](repeating: 7, count: 16384 - 11 * 1448))
        c.host.advance(by: .milliseconds(50))
        let last = try #require(c.host.log.take().last?.tcp)
        #expect(last.header.window == 0)
        #expect(last.header.acknowledgmentNumber.rawValue == c.peer.sequence)
        // A one-byte probe into the closed window is answered with window 0, not accepted.
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: c.ourNext, flags: .ack,
                                  options: c.peer.options(), payload: [1]))
        let probeAnswer = try #require(c.host.log.take().first?.tcp)
        #expect(probeAnswer.header.window == 0)
        #expect(probeAnswer.header.acknowledgmentNumber.rawValue == c.peer.sequence)
        // Reading a little does not reopen it (receiver SWS avoidance); reading enough does.
        var small = [UInt8](repeating: 0, count: 100)
        _ = small.withUnsafeMutableBytes { c.connection.receive(into: $0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.host.log.take().isEmpty)
        c.recorder.drain(c.connection)
        c.host.stack.poll(now: c.host.now)
        let update = try #require(c.host.log.take().first?.tcp)
        #expect(update.header.window == 16384)
        #expect(c.recorder.received.count == 16384 - 100)
    }

    @Test("sends within the peer's window and MSS, with PSH on the last segment")
    func sending() throws {
        let c = try Established(synOptions: TCPOptions(maximumSegmentSize: 1000), window: 3000)
        let data = (0..<5000).map { UInt8(truncatingIfNeeded: $0) }
        let queued = data.withUnsafeBytes { c.connection.send($0) }
        #expect(queued == 5000)
        c.host.stack.poll(now: c.host.now)
        let first = c.sentData()
        #expect(first.map(\.payload.count) == [1000, 1000, 1000], "window of 3000")
        #expect(first.allSatisfy { !$0.flags.contains(.psh) })
        c.peerAcks(c.ourNext &+ 3000, window: 3000)
        let second = c.sentData()
        #expect(second.map(\.payload.count) == [1000, 1000])
        #expect(second.last?.flags.contains(.psh) == true)
        #expect((first + second).flatMap(\.payload) == data)
    }

    @Test("Nagle holds small segments while data is unacknowledged; noDelay sends them")
    func nagle() throws {
        let c = try Established()
        _ = [UInt8](repeating: 1, count: 10).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().count == 1)
        _ = [UInt8](repeating: 2, count: 10).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().isEmpty, "held: 10 bytes in flight")
        c.peerAcks(c.ourNext &+ 10)
        #expect(c.sentData().map(\.payload.count) == [10], "released by the ACK")
        c.connection.noDelay = true
        _ = [UInt8](repeating: 3, count: 10).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().count == 1, "noDelay: sent with data in flight")
    }

    @Test("the peer's window scale applies to every segment after the SYN")
    func windowScale() throws {
        let c = try Established(synOptions: TCPOptions(maximumSegmentSize: 1460, windowScale: 3))
        c.peerAcks(c.ourNext, window: 100)
        #expect(c.connection.sendWindow == 800)
    }

    @Test("a closed peer window is probed with backoff until it opens")
    func zeroWindowProbing() throws {
        let c = try Established()
        c.peerAcks(c.ourNext, window: 0)
        _ = [UInt8](repeating: 5, count: 3000).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().isEmpty)
        var probeTimes: [UInt64] = []
        let start = c.host.now
        for _ in 0..<40 {
            c.host.advance(by: .milliseconds(100))
            for frame in c.host.log.take() where frame.tcp?.header.sequenceNumber.rawValue == c.ourNext &- 1 {
                probeTimes.append((c.host.now - start).millisecondCount)
                c.peerAcks(c.ourNext, window: 0)
            }
        }
        #expect(probeTimes.count >= 3)
        let gaps = zip(probeTimes.dropFirst(), probeTimes).map { $0 - $1 }
        #expect(gaps == gaps.sorted() && (gaps.last ?? 0) > (gaps.first ?? 0), "the interval grows: \(probeTimes)")
        c.peerAcks(c.ourNext, window: 65535)
        let opened = c.sentData()
        #expect(opened.map(\.payload.count) == [1448, 1448], "full segments at once; the tail waits for Nagle")
        c.peerAcks(c.ourNext &+ 2896, window: 65535)
        #expect(c.sentData().map(\.payload.count) == [104])
    }

    @Test("timestamps echo the peer and a stale timestamp is refused (PAWS)")
    func timestampsAndPAWS() throws {
        var c = try Established()
        c.peer.timestamp = 6000
        c.peerSends([1])
        c.peerSends([2])
        let ack = try #require(c.host.log.take().last?.tcp)
        #expect(ack.options.timestamps?.echoReply == 6000)
        c.peer.timestamp = 100
        c.peerSends([3])
        #expect(c.recorder.received == [1, 2])
        #expect(c.host.stack.counters[.tcpPAWS] == 1)
    }

    @Test("urgent data is treated as ordinary data")
    func urgent() throws {
        var c = try Established()
        c.peerSends(Array("urgent!".utf8), flags: [.ack, .urg, .psh])
        #expect(String(decoding: c.recorder.received, as: UTF8.self) == "urgent!")
    }
}
