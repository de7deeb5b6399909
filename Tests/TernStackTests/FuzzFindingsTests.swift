import Testing
@testable import TernStack
import TernWire

/// Inputs the fuzz-stack target found, replayed as tests (see docs/fuzzing.md).
@Suite("Fuzz findings")
struct FuzzFindingsTests {
    /// A segment with a newer sequence number but an acknowledgment below SND.UNA used to
    /// update the send window, measured from SND.UNA: the window then reached past every
    /// edge the peer had offered, and data went out beyond it. RFC 9293 §3.10.7.4 takes a
    /// window only from a segment with SND.UNA ≤ SEG.ACK.
    @Test("an old acknowledgment with a newer sequence number does not move the window edge")
    func oldAcknowledgmentDoesNotUpdateWindow() throws {
        let c = try Established(synOptions: TCPOptions(maximumSegmentSize: 536), window: 1072)
        let start = c.ourNext
        c.connection.noDelay = true
        let queued = [UInt8](repeating: 0x61, count: 2048).withUnsafeBytes { c.connection.send($0) }
        #expect(queued == 2048)
        c.host.advance(by: .milliseconds(1))
        #expect(c.sentData().map(\.payload.count) == [536, 536], "two segments fill the 1072-byte window")

        c.peerAcks(start &+ 1072, window: 536)
        #expect(c.sentData().map(\.payload.count) == [536])

        // Acknowledges less than already acknowledged, from one byte further on, with a
        // window whose edge (start + 536 + 1100) lies below all but 28 bytes of what is sent.
        c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence &+ 1, ack: start &+ 536, flags: .ack,
                                  window: 1100))
        c.host.advance(by: .milliseconds(1))
        let furthestOffered = start &+ 536 &+ 1100
        for segment in c.sentData() {
            let end = segment.sequence &+ UInt32(segment.payload.count)
            #expect(Int32(bitPattern: end &- furthestOffered) <= 0,
                    "data up to \(end &- start) sent; the peer offered up to \(furthestOffered &- start)")
        }
    }

    /// An acknowledgment that advanced SND.UNA but came with a sequence number below SND.WL1
    /// (the peer's handshake ACK had claimed a later one) left the old window in place,
    /// measured from the new SND.UNA: again the edge reached past every offer. As Linux does,
    /// an acknowledgment that advances SND.UNA now always brings its window along.
    @Test("an acknowledgment that advances SND.UNA brings its window even with an older sequence number")
    func advancingAcknowledgmentUpdatesWindow() throws {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        try host.stack.listenTCP(port: 80).delegate = recorder
        host.deliver(host.tcp(40000, 80, seq: 1000, flags: .syn, options: TCPOptions(maximumSegmentSize: 536)))
        let synAck = try #require(host.log.take().first?.tcp)
        let start = synAck.header.sequenceNumber.rawValue &+ 1
        // The handshake's ACK claims sequence 1038, 37 bytes into our window, with no data.
        host.deliver(host.tcp(40000, 80, seq: 1038, ack: start, flags: .ack, window: 1072))
        let connection = try #require(recorder.accepted.first)
        connection.noDelay = true
        let queued = [UInt8](repeating: 0x62, count: 2048).withUnsafeBytes { connection.send($0) }
        #expect(queued == 2048)
        host.advance(by: .milliseconds(1))
        #expect(host.log.take().compactMap { $0.tcp?.payloadLength } == [536, 536])

        host.deliver(host.tcp(40000, 80, seq: 1001, ack: start &+ 1072, flags: .ack, window: 536))
        host.advance(by: .milliseconds(1))
        let furthestOffered = start &+ 1072 &+ 536
        for frame in host.log.take() {
            guard let tcp = frame.tcp, tcp.payloadLength > 0 else { continue }
            let end = tcp.header.sequenceNumber.rawValue &+ UInt32(tcp.payloadLength)
            #expect(Int32(bitPattern: end &- furthestOffered) <= 0,
                    "data up to \(end &- start) sent; the peer offered up to \(furthestOffered &- start)")
        }
    }

    /// The memory check for a fragment counted its data but not the first fragment's header,
    /// which is kept for ICMP quotes: a first fragment arriving last could push reassembly
    /// past its bound by up to 60 bytes per datagram.
    @Test("the first fragment's header counts against the reassembly memory bound")
    func reassemblyCountsTheFirstHeader() {
        let host = TestHost { $0.ipv4.reassemblyMemory = 100 }
        host.introducePeer()
        host.deliver(host.fromPeer(.udp, [UInt8](repeating: 1, count: 80), identification: 7, flags: .moreFragments,
                                   fragmentOffset: 1))
        #expect(host.stack.resourceUsage.reassemblyBytes == 88, "80 bytes at offset 8, the 8 before them reserved")
        host.deliver(host.fromPeer(.udp, [UInt8](repeating: 2, count: 8), identification: 7, flags: .moreFragments))
        let usage = host.stack.resourceUsage
        #expect(usage.reassemblyBytes <= 100, "\(usage.reassemblyBytes) bytes held, bound 100")
        #expect(host.stack.counters[.reassemblyNoMemory] == 1)
    }
}
