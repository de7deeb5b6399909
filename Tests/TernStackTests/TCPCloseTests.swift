import Testing
@testable import TernStack
import TernWire

@Suite("TCP closing")
struct TCPCloseTests {
    @Test("passive close: peer FIN → CLOSE-WAIT and end of stream; our close → LAST-ACK → CLOSED")
    func passiveClose() throws {
        var c = try Established()
        c.peerSends(Array("bye".utf8), flags: [.ack, .fin])
        #expect(c.connection.state == .closeWait)
        #expect(c.recorder.endOfStreamSeen)
        let ack = try #require(c.host.log.take().last?.tcp)
        #expect(ack.header.acknowledgmentNumber.rawValue == c.peer.sequence, "FIN acknowledged at once")
        c.connection.close()
        c.host.stack.poll(now: c.host.now)
        let fin = try #require(c.host.log.take().first?.tcp)
        #expect(fin.header.flags.contains(.fin))
        #expect(c.connection.state == .lastAck)
        c.peerAcks(c.ourNext &+ 1)
        #expect(c.connection.state == .closed)
        #expect(c.recorder.closures == [nil])
        #expect(c.host.stack.tcpConnectionCount == 0)
        #expect(c.host.stack.tcpTimeWaitCount == 0, "the passive closer has no TIME-WAIT")
    }

    @Test("active close: FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT, which re-acknowledges a repeated FIN and expires")
    func activeClose() throws {
        var c = try Established()
        c.connection.close()
        c.host.stack.poll(now: c.host.now)
        let fin = try #require(c.host.log.take().first?.tcp)
        #expect(fin.header.flags == [.fin, .ack])
        #expect(c.connection.state == .finWait1)
        c.peerAcks(c.ourNext &+ 1)
        #expect(c.connection.state == .finWait2)
        c.peerSends([], flags: [.fin, .ack])
        #expect(c.connection.state == .timeWait)
        let lastAck = try #require(c.host.log.take().first?.tcp)
        #expect(lastAck.header.acknowledgmentNumber.rawValue == c.peer.sequence)
        #expect(c.host.stack.tcpTimeWaitCount == 1)
        #expect(c.host.stack.tcpConnectionCount == 0)
        // The peer did not get our ACK and repeats its FIN.
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence &- 1, ack: c.ourNext &+ 1, flags: [.fin, .ack],
                                  options: c.peer.options()))
        let again = try #require(c.host.log.take().first?.tcp)
        #expect(again.header.acknowledgmentNumber.rawValue == c.peer.sequence)
        #expect(again.header.sequenceNumber.rawValue == c.ourNext &+ 1)
        c.host.advance(by: .seconds(5))
        #expect(c.host.stack.tcpTimeWaitCount == 0, "2·MSL with the default MSL of 2 s")
    }

    @Test("simultaneous close: FIN-WAIT-1 → CLOSING → TIME-WAIT")
    func simultaneousClose() throws {
        var c = try Established()
        c.connection.close()
        c.host.stack.poll(now: c.host.now)
        _ = c.host.log.take()
        // The peer's FIN crosses ours: it does not acknowledge our FIN yet.
        c.peerSends([], flags: [.fin, .ack])
        #expect(c.connection.state == .closing)
        c.peerAcks(c.ourNext &+ 1)
        #expect(c.connection.state == .timeWait)
    }

    @Test("FIN and its ACK in one segment go straight to TIME-WAIT")
    func finAckTogether() throws {
        let c = try Established()
        c.connection.close()
        c.host.stack.poll(now: c.host.now)
        _ = c.host.log.take()
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: c.ourNext &+ 1, flags: [.fin, .ack],
                                  options: c.peer.options()))
        #expect(c.connection.state == .timeWait)
    }

    @Test("half-close: after shutdownWrite we still receive")
    func halfClose() throws {
        var c = try Established()
        c.connection.shutdownWrite()
        c.host.stack.poll(now: c.host.now)
        _ = c.host.log.take()
        c.peerAcks(c.ourNext &+ 1)
        #expect(c.connection.state == .finWait2)
        c.peerSends(Array("still talking".utf8))
        #expect(String(decoding: c.recorder.received, as: UTF8.self) == "still talking")
    }

    @Test("a FIN that arrives before missing data waits for it")
    func outOfOrderFIN() throws {
        let c = try Established()
        let start = c.peer.sequence
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: start &+ 5, ack: c.ourNext, flags: [.fin, .ack],
                                  options: c.peer.options(), payload: Array("world".utf8)))
        #expect(c.connection.state == .established)
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: start, ack: c.ourNext, flags: .ack,
                                  options: c.peer.options(), payload: Array("hello".utf8)))
        #expect(c.connection.state == .closeWait)
        #expect(String(decoding: c.recorder.received, as: UTF8.self) == "helloworld")
        #expect(c.recorder.endOfStreamSeen)
    }

    @Test("closing with unread data, or receiving data after close, resets")
    func resetOnUnreadData() throws {
        var c = try Established()
        c.recorder.autoRead = false
        c.peerSends([1, 2, 3])
        _ = c.host.log.take()
        c.connection.close()
        let rst = try #require(c.host.log.take().first?.tcp)
        #expect(rst.header.flags.contains(.rst))
        #expect(c.connection.state == .closed)

        var d = try Established()
        d.connection.close()
        d.host.stack.poll(now: d.host.now)
        _ = d.host.log.take()
        d.peerSends([9, 9])
        #expect(d.host.log.take().contains { $0.tcp?.header.flags.contains(.rst) == true })
        #expect(d.connection.state == .closed)
    }

    @Test("closeDiscardingInput: unread data and data sent afterwards are acknowledged and dropped, never reset")
    func lingeringClose() throws {
        var c = try Established()
        c.recorder.autoRead = false
        c.peerSends(Array("hello".utf8))
        _ = c.host.log.take()
        _ = Array("refused".utf8).withUnsafeBytes { c.connection.send($0) }
        c.connection.closeDiscardingInput()
        c.host.stack.poll(now: c.host.now)
        let sent = c.host.log.take().compactMap(\.tcp)
        #expect(!sent.contains { $0.header.flags.contains(.rst) })
        #expect(sent.contains { $0.header.flags.contains(.fin) }, "the answer, then a FIN")
        #expect(c.connection.state == .finWait1)
        // The peer goes on sending before it sees our FIN: acknowledged, dropped, no reset.
        c.peerSends(Array("more".utf8))
        c.host.stack.poll(now: c.host.now)
        let answer = c.host.log.take().compactMap(\.tcp)
        #expect(!answer.contains { $0.header.flags.contains(.rst) })
        #expect(answer.last?.header.acknowledgmentNumber.rawValue == c.peer.sequence, "everything acknowledged")
        #expect(c.recorder.received.isEmpty, "nothing delivered")
        // Data beyond a gap is not acknowledged (nothing is stored to fill it later).
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence &+ 10, ack: c.ourNext, flags: .ack,
                                  options: c.peer.options(), payload: [1, 2, 3]))
        #expect(c.host.log.take().compactMap(\.tcp).last?.header.acknowledgmentNumber.rawValue == c.peer.sequence)
        // Our data and FIN are acknowledged, then the peer's FIN ends it normally.
        c.peerAcks(c.ourNext &+ 8)
        #expect(c.connection.state == .finWait2)
        c.peerSends(Array("bye".utf8), flags: [.fin, .ack])
        #expect(c.connection.state == .timeWait)
        #expect(c.host.stack.counters[.tcpResetsSent] == 0)
    }

    @Test("abort sends RST and forgets the connection")
    func abort() throws {
        let c = try Established()
        c.connection.abort()
        let rst = try #require(c.host.log.take().first?.tcp)
        #expect(rst.header.flags == [.rst, .ack])
        #expect(rst.header.sequenceNumber.rawValue == c.ourNext)
        #expect(c.host.stack.tcpConnectionCount == 0)
    }

    @Test("TIME-WAIT accepts a new SYN with a higher sequence number (RFC 6191) and refuses an older one")
    func timeWaitReuse() throws {
        var c = try Established(synOptions: TCPOptions(maximumSegmentSize: 1460))
        c.connection.close()
        c.host.stack.poll(now: c.host.now)
        c.peerAcks(c.ourNext &+ 1)
        c.peerSends([], flags: [.fin, .ack])
        _ = c.host.log.take()
        #expect(c.host.stack.tcpTimeWaitCount == 1)
        // An old SYN (lower sequence number) gets an ACK for the old connection.
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence &- 1000, flags: .syn))
        let old = try #require(c.host.log.take().first?.tcp)
        #expect(old.header.flags == .ack)
        // A new incarnation: higher sequence number.
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence &+ 100_000, flags: .syn))
        let synAck = try #require(c.host.log.take().first?.tcp)
        #expect(synAck.header.flags == [.syn, .ack])
        #expect(synAck.header.sequenceNumber > SequenceNumber(c.ourNext &+ 1), "new ISN clear of the old connection")
        #expect(c.host.stack.tcpTimeWaitCount == 0)
        #expect(c.host.stack.counters[.tcpTimeWaitReused] == 1)
    }

    @Test("TIME-WAIT reuse is judged by timestamps when the connection had them")
    func timeWaitReuseByTimestamp() throws {
        var c = try Established()
        c.connection.close()
        c.host.stack.poll(now: c.host.now)
        c.peerAcks(c.ourNext &+ 1)
        c.peerSends([], flags: [.fin, .ack])
        _ = c.host.log.take()
        // Lower sequence number but a newer timestamp: a new connection.
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: 5, flags: .syn,
                                  options: TCPOptions(maximumSegmentSize: 1460, timestamps: TCPTimestamps(value: 9000, echoReply: 0))))
        #expect(c.host.log.take().first?.tcp?.header.flags == [.syn, .ack])
    }

    @Test("an orphaned FIN-WAIT-2 connection is dropped after its timeout")
    func finWait2Timeout() throws {
        let c = try Established()
        c.connection.close()
        c.host.stack.poll(now: c.host.now)
        c.peerAcks(c.ourNext &+ 1)
        #expect(c.connection.state == .finWait2)
        c.host.advance(by: .seconds(61))
        #expect(c.connection.state == .closed)
    }
}
