import Testing
@testable import TernStack
import TernWire

@Suite("ICMP and UDP")
struct ICMPTests {
    /// Reassembles the IPv4 payload from the frames the stack sent (in order).
    func reassembledPayload(_ frames: [SentFrame]) -> [UInt8] {
        var result: [UInt8] = []
        for frame in frames.sorted(by: { ($0.ipv4?.fragmentOffset ?? 0) < ($1.ipv4?.fragmentOffset ?? 0) }) {
            #expect(Int(frame.ipv4?.fragmentOffset ?? 0) * 8 == result.count)
            result += frame.ipPayload
        }
        return result
    }

    @Test("echo reply carries identifier, sequence and data, at every size", arguments: [0, 56, 1472, 8000])
    func echo(size: Int) throws {
        let host = TestHost()
        host.introducePeer()
        let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let request = FrameBuilder.icmpEcho(identifier: 0x1234, sequence: 9, data: data)
        // Large requests arrive fragmented, as from Linux.
        var offset = 0
        while offset < request.count {
            let end = min(offset + 1480, request.count)
            host.deliver(host.fromPeer(.icmp, Array(request[offset..<end]), identification: 3,
                                       flags: end < request.count ? .moreFragments : [],
                                       fragmentOffset: UInt16(offset / 8)))
            offset = end
        }
        let sent = host.log.take()
        #expect(sent.count == (size + 8 + 1479) / 1480)
        #expect(sent.allSatisfy { Int($0.ipv4?.totalLength ?? 0) <= 1500 && $0.ethernet.destination == TestHost.peerMAC })
        let reply = reassembledPayload(sent)
        #expect(reply.count == request.count)
        try reply.withUnsafeBytes { bytes in
            let message = try ICMPHeader.parse(bytes)
            #expect(message.header.type == .echoReply)
            #expect(message.header.identifier == 0x1234)
            #expect(message.header.sequence == 9)
            #expect(message.isChecksumValid)
            #expect(Array(message.payload) == data)
        }
        #expect(host.stack.counters[.echoRepliesSent] == 1)
    }

    @Test("a timestamp request is answered with its originate time and ours, the high bit set (no time of day)")
    func timestampReply() throws {
        let host = TestHost()
        host.introducePeer()
        // Type 13: identifier 7, sequence 1, originate 0x01020304, receive and transmit 0.
        var request = FrameBuilder.icmpEcho(.timestampRequest, identifier: 7, sequence: 1,
                                            data: [1, 2, 3, 4] + [UInt8](repeating: 0, count: 8))
        host.now = .seconds(1000) + .milliseconds(250)
        host.deliver(host.fromPeer(.icmp, request))
        let sent = host.log.take()
        #expect(sent.count == 1)
        let reply = try #require(sent.first).ipPayload
        try reply.withUnsafeBytes { bytes in
            let message = try ICMPHeader.parse(bytes)
            #expect(message.header.type == .timestampReply && message.header.code == 0)
            #expect(message.header.identifier == 7 && message.header.sequence == 1)
            #expect(message.isChecksumValid)
            #expect(bytes.count == 20)
        }
        let clock = UInt32(1_000_250) | 0x8000_0000
        let be = [UInt8(clock >> 24), UInt8(truncatingIfNeeded: clock >> 16), UInt8(truncatingIfNeeded: clock >> 8),
                  UInt8(truncatingIfNeeded: clock)]
        #expect(Array(reply[8..<20]) == [1, 2, 3, 4] + be + be)
        #expect(host.stack.counters[.icmpTimestampRepliesSent] == 1)
        // Too short: dropped, not answered.
        request = FrameBuilder.icmpEcho(.timestampRequest, identifier: 7, sequence: 2, data: [1, 2, 3, 4])
        host.deliver(host.fromPeer(.icmp, request))
        #expect(host.log.take().isEmpty)
        #expect(host.stack.counters[.icmpTruncated] == 1)
    }

    @Test("our fragments are reassembled by our own reassembler")
    func fragmentsRoundTrip() throws {
        let sender = TestHost()
        sender.introducePeer()
        let socket = try sender.stack.bindUDP(port: 9000)
        let payload = (0..<9000).map { UInt8(truncatingIfNeeded: $0) }
        try payload.withUnsafeBytes { try socket.send($0, to: TestHost.peerIP, port: 7) }
        let fragments = sender.log.take()
        #expect(fragments.count == 7)
        #expect(fragments.dropLast().allSatisfy { $0.ipv4?.flags.contains(.moreFragments) == true })
        #expect(fragments.last?.ipv4?.flags.contains(.moreFragments) == false)

        // Feed them, as if from the peer, to a second host whose address is the peer's.
        let receiver = TestHost { configuration in
            configuration.mac = TestHost.peerMAC
            configuration.address = IPv4Subnet(address: TestHost.peerIP, prefixLength: 24)!
        }
        final class Sink: UDPSocketDelegate {
            var received: [[UInt8]] = []
            func udpSocket(_ socket: UDPSocket, didReceive payload: UnsafeRawBufferPointer, from address: IPAddress, port: UInt16) {
                received.append(Array(payload))
            }
        }
        let sink = Sink()
        let listener = try receiver.stack.bindUDP(port: 7)
        listener.delegate = sink
        for fragment in fragments.reversed() { receiver.deliver(fragment.bytes) }
        #expect(sink.received == [payload])
    }

    @Test("a datagram marked don't-fragment and larger than the MTU is not sent")
    func dontFragment() throws {
        let host = TestHost()
        host.introducePeer()
        let outcome = host.stack.core.sendIPv4(to: TestHost.peerIP, protocol: .udp, payloadLength: 2000, dontFragment: true) { _, _ in }
        if case .failed(let error) = outcome { #expect(error == .messageTooLong) } else { Issue.record("sent anyway") }
        #expect(host.log.take().isEmpty)
    }

    @Test("UDP to a closed port gets port unreachable, rate limited")
    func portUnreachableRateLimit() {
        let host = TestHost { $0.icmp = { var c = ICMPConfiguration(); c.errorsPerSecond = 10; c.errorBurst = 5; return c }() }
        host.introducePeer()
        let frame = host.fromPeer(.udp, FrameBuilder.udp(sourcePort: 5555, destinationPort: 9, payload: [1, 2, 3],
                                                         source: TestHost.peerIP, destination: TestHost.hostIP))
        for _ in 0..<20 { host.deliver(frame) }
        let sent = host.log.take()
        #expect(sent.count == 5, "burst of five")
        #expect(sent.allSatisfy { $0.icmp?.type == .destinationUnreachable && $0.icmp?.code == 3 && $0.checksumsValid })
        #expect(host.stack.counters[.icmpRateLimited] == 15)
        host.advance(by: .milliseconds(300))
        for _ in 0..<20 { host.deliver(frame) }
        #expect(host.log.take().count == 3, "three tokens in 300 ms at 10 per second")
    }

    @Test("never answers an ICMP error with an error, nor a later fragment")
    func noErrorsAboutErrors() {
        let host = TestHost()
        host.introducePeer()
        // An ICMP error of an unknown code to a port... is still an error: no reply.
        var unreachable = [UInt8](repeating: 0, count: 8 + 28)
        unreachable.withUnsafeMutableBytes { _ = try? ICMPHeader(type: .destinationUnreachable, code: 3).write(to: $0) }
        host.deliver(host.fromPeer(.icmp, unreachable))
        // A later fragment to a closed UDP port that completes a datagram... not the first: no error.
        let udp = FrameBuilder.udp(sourcePort: 1, destinationPort: 9, payload: [UInt8](repeating: 0, count: 16),
                                   source: TestHost.peerIP, destination: TestHost.hostIP)
        host.deliver(host.fromPeer(IPProtocol(rawValue: 222), Array(udp[8...]), identification: 9, fragmentOffset: 1))
        #expect(host.log.take().isEmpty)
    }

    @Test("delivers UDP to the bound socket and verifies checksums")
    func udpDelivery() throws {
        final class Echo: UDPSocketDelegate {
            var received: [(payload: [UInt8], port: UInt16)] = []
            func udpSocket(_ socket: UDPSocket, didReceive payload: UnsafeRawBufferPointer, from address: IPAddress, port: UInt16) {
                received.append((Array(payload), port))
                try? socket.send(payload, to: address, port: port)
            }
        }
        let host = TestHost()
        host.introducePeer()
        let socket = try host.stack.bindUDP(port: 7)
        let echo = Echo()
        socket.delegate = echo
        let good = FrameBuilder.udp(sourcePort: 4444, destinationPort: 7, payload: Array("hello".utf8),
                                    source: TestHost.peerIP, destination: TestHost.hostIP)
        var bad = good
        bad[10] ^= 1
        var noChecksum = good
        noChecksum[6] = 0
        noChecksum[7] = 0
        host.deliver(host.fromPeer(.udp, bad))
        host.deliver(host.fromPeer(.udp, good))
        host.deliver(host.fromPeer(.udp, noChecksum))
        #expect(echo.received.count == 2)
        #expect(echo.received.first?.payload == Array("hello".utf8))
        #expect(host.stack.counters[.udpBadChecksum] == 1)
        let replies = host.log.take()
        #expect(replies.count == 2)
        #expect(replies.allSatisfy { $0.udp?.destinationPort == 4444 && $0.checksumsValid })
        #expect(throws: SocketError.addressInUse) { _ = try host.stack.bindUDP(port: 7) }
    }
}
