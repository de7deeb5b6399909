import Testing
@testable import TernStack
import TernWire

/// Small cases where the engine answers as Linux does, found by probing both with scapy
/// and hping3: a SYN with a malformed option, a RST in SYN-RECEIVED, a reordered duplicate
/// ACK under PAWS, a full connection table, the loss-probe timeout on a clean link.
@Suite("TCP as Linux answers")
struct TCPLinuxParityTests {
    /// A segment from the peer whose options area is `raw` (a multiple of 4 bytes).
    func segment(_ host: TestHost, sourcePort: UInt16 = 40000, seq: UInt32, ack: UInt32 = 0, flags: TCPFlags,
                 rawOptions raw: [UInt8]) -> [UInt8] {
        let headerLength = TCPHeader.minimumSize + raw.count
        var bytes = [UInt8](repeating: 0, count: headerLength)
        bytes.withUnsafeMutableBytes { buffer in
            place(raw, into: buffer, at: TCPHeader.minimumSize)
            let header = TCPHeader(sourcePort: sourcePort, destinationPort: 80, sequenceNumber: SequenceNumber(seq),
                                   acknowledgmentNumber: SequenceNumber(ack), headerLength: headerLength,
                                   flags: flags, window: 65535)
            _ = try? header.write(to: buffer, payloadLength: 0, source: TestHost.peerIP, destination: TestHost.hostIP)
        }
        return host.fromPeer(.tcp, bytes)
    }

    func listeningHost() throws -> (TestHost, TCPRecorder) {
        let host = TestHost()
        host.introducePeer()
        let recorder = TCPRecorder()
        try host.stack.listenTCP(port: 80).delegate = recorder
        return (host, recorder)
    }

    @Test("a SYN with an MSS option of length 3 is answered, the option ignored and the rest read")
    func malformedMSS() throws {
        let (host, _) = try listeningHost()
        // MSS with length 3, then NOP, SACK-permitted, NOP, NOP.
        host.deliver(segment(host, seq: 100, flags: .syn, rawOptions: [2, 3, 0x05, 1, 4, 2, 1, 1]))
        let reply = try #require(host.log.take().first?.tcp)
        #expect(reply.header.flags == [.syn, .ack])
        #expect(reply.header.acknowledgmentNumber.rawValue == 101)
        #expect(reply.options.sackPermitted, "the options after the malformed one still count")
        #expect(host.stack.counters[.tcpBadOptions] == 0)
        let connection = try #require(host.stack.core.tcp.connections.values.first)
        #expect(connection.peerMSS == 536, "no MSS read: RFC 9293's default")
    }

    @Test("a SYN with a timestamp option of length 2 is answered without timestamps")
    func malformedTimestamps() throws {
        let (host, _) = try listeningHost()
        host.deliver(segment(host, seq: 100, flags: .syn, rawOptions: [2, 4, 0x05, 0xB4, 8, 2, 1, 1]))
        let reply = try #require(host.log.take().first?.tcp)
        #expect(reply.header.flags == [.syn, .ack])
        #expect(reply.options.timestamps == nil)
        #expect(reply.options.maximumSegmentSize != nil)
        #expect(host.stack.core.tcp.connections.values.first?.peerMSS == 1460)
    }

    @Test("an option whose length runs past the header ends the parsing of a SYN, not the SYN")
    func overrunningOption() throws {
        let (host, _) = try listeningHost()
        host.deliver(segment(host, seq: 100, flags: .syn, rawOptions: [4, 2, 3, 9, 7, 1, 1, 1]))
        let reply = try #require(host.log.take().first?.tcp)
        #expect(reply.header.flags == [.syn, .ack])
        #expect(reply.options.sackPermitted && reply.options.windowScale == nil)
    }

    @Test("a malformed option in any other segment still drops it")
    func malformedOptionOutsideSYN() throws {
        let (host, _) = try listeningHost()
        host.deliver(segment(host, seq: 100, ack: 5, flags: .ack, rawOptions: [2, 3, 0x05, 1]))
        #expect(host.log.take().isEmpty)
        #expect(host.stack.counters[.tcpBadOptions] == 1)
    }

    @Test("an in-window RST that is not exact in SYN-RECEIVED draws a challenge ACK, the exact one closes")
    func challengeACKInSynReceived() throws {
        let (host, recorder) = try listeningHost()
        host.deliver(host.tcp(40000, 80, seq: 1000, flags: .syn, options: TCPOptions(maximumSegmentSize: 1460)))
        let synAck = try #require(host.log.take().first?.tcp)
        let iss = synAck.header.sequenceNumber.rawValue
        host.deliver(host.tcp(40000, 80, seq: 1101, flags: .rst))
        let challenge = try #require(host.log.take().first?.tcp)
        #expect(challenge.header.flags == .ack, "an ACK, not the SYN-ACK again")
        #expect(challenge.header.sequenceNumber.rawValue == iss &+ 1)
        #expect(challenge.header.acknowledgmentNumber.rawValue == 1001)
        #expect(host.stack.counters[.tcpChallengeACKs] == 1)
        #expect(host.stack.tcpConnectionCount == 1, "still half-open")
        host.deliver(host.tcp(40000, 80, seq: 1001, flags: .rst))
        #expect(host.log.take().isEmpty)
        #expect(host.stack.tcpConnectionCount == 0)
        #expect(recorder.accepted.isEmpty)
    }

    @Test("PAWS lets a reordered duplicate ACK through, as Linux does, and still drops older data and new ACKs")
    func pawsExemptsReorderedACKs() throws {
        var c = try Established()
        c.peer.timestamp = 6000
        c.peerSends([1, 2, 3])
        _ = [UInt8](repeating: 7, count: 3000).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        _ = c.host.log.take()
        func ack(_ number: UInt32, timestamp: UInt32, payload: [UInt8] = []) {
            c.host.deliver(c.host.tcp(c.peer.port, 80, seq: c.peer.sequence, ack: number, flags: .ack,
                                      options: TCPOptions(timestamps: TCPTimestamps(value: timestamp, echoReply: 0)),
                                      payload: payload))
        }
        // A duplicate ACK sent before the data segment but overtaken by it.
        ack(c.ourNext, timestamp: 5990)
        #expect(c.host.stack.counters[.tcpPAWS] == 0)
        #expect(c.host.log.take().compactMap(\.tcp).allSatisfy { $0.payloadLength > 0 },
                "taken as a duplicate ACK, not answered as a stale segment")
        #expect(c.connection.timestampRecent == 6000, "TS.Recent does not go back")
        // Older than the retransmission timeout (200 ms): a stale duplicate.
        ack(c.ourNext, timestamp: 5700)
        #expect(c.host.stack.counters[.tcpPAWS] == 1)
        // An older ACK that acknowledges something new is not exempt.
        ack(c.ourNext &+ 1000, timestamp: 5990)
        #expect(c.host.stack.counters[.tcpPAWS] == 2)
        #expect(c.connection.sendUnacknowledged.rawValue == c.ourNext)
        // Nor is data.
        ack(c.ourNext, timestamp: 5990, payload: [9])
        #expect(c.host.stack.counters[.tcpPAWS] == 3)
    }

    @Test("ACKs held back 7 ms on a link with round trips of microseconds draw no loss probe")
    func noProbeOnSlowACK() throws {
        let c = try Established()
        let base = c.sampleOneMillisecondRTT()
        _ = [UInt8](repeating: 2, count: 4 * 1448).withUnsafeBytes { c.connection.send($0) }
        c.host.stack.poll(now: c.host.now)
        #expect(c.sentData().count == 4)
        c.host.advance(by: .milliseconds(7))
        c.peerAcks(base &+ 4 * 1448)
        #expect(c.sentData().isEmpty)
        #expect(c.host.stack.counters[.tcpTailLossProbes] == 0 && c.host.stack.counters[.tcpRetransmissions] == 0)
    }
}
