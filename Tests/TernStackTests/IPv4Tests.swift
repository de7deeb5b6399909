import Testing
@testable import TernStack
import TernWire

@Suite("IPv4")
struct IPv4Tests {
    @Test("drops datagrams with a bad checksum, version, length or destination, counting each")
    func validation() {
        let host = TestHost()
        host.introducePeer()
        let good = host.fromPeer(.icmp, FrameBuilder.icmpEcho(identifier: 1, sequence: 1, data: [1, 2, 3]))
        var badChecksum = good
        badChecksum[EthernetHeader.size + 10] ^= 0xFF
        var badVersion = good
        badVersion[EthernetHeader.size] = 0x65
        var badIHL = good
        badIHL[EthernetHeader.size] = 0x44
        var longTotal = good
        longTotal[EthernetHeader.size + 2] = 0x10 // total length 4096+ beyond the frame
        let otherHost = host.fromPeer(.icmp, FrameBuilder.icmpEcho(identifier: 1, sequence: 1, data: []),
                                      destination: IPv4Address(10, 0, 0, 99))
        let otherMAC = host.fromPeer(.icmp, FrameBuilder.icmpEcho(identifier: 1, sequence: 1, data: []),
                                     destinationMAC: MACAddress(0x02, 1, 2, 3, 4, 5))
        let spoofedSource = host.fromPeer(.icmp, FrameBuilder.icmpEcho(identifier: 1, sequence: 1, data: []),
                                          source: TestHost.hostIP)
        for frame in [badChecksum, badVersion, badIHL, longTotal, otherHost, otherMAC, spoofedSource,
                      Array(good.prefix(20))] {
            host.deliver(frame)
        }
        #expect(host.log.take().isEmpty)
        let c = host.stack.counters
        #expect(c[.ipBadChecksum] == 1)
        #expect(c[.ipMalformed] == 2)
        #expect(c[.ipTruncated] == 2)
        #expect(c[.ipNotForUs] == 1)
        #expect(c[.frameNotForUs] == 1)
        #expect(c[.ipBadSource] == 1)
        host.deliver(good)
        #expect(host.log.take().count == 1, "the intact datagram is answered")
    }

    @Test("answers an unknown protocol with protocol unreachable quoting the datagram")
    func protocolUnreachable() throws {
        let host = TestHost()
        host.introducePeer()
        let frame = host.fromPeer(IPProtocol(rawValue: 200), [1, 2, 3, 4, 5, 6, 7, 8, 9])
        host.deliver(frame)
        let sent = host.log.take()
        let icmp = try #require(sent.first?.icmp)
        #expect(icmp.type == .destinationUnreachable)
        #expect(icmp.code == ICMPUnreachableCode.protocol.rawValue)
        #expect(sent.first?.checksumsValid == true)
        let quoted = Array(sent[0].ipPayload[ICMPHeader.size...])
        #expect(quoted == Array(frame[EthernetHeader.size...]), "the whole offending datagram is quoted")
        #expect(host.stack.counters[.ipUnknownProtocol] == 1)
    }

    @Test("accepts datagrams to the directed and limited broadcast, but never answers them with errors")
    func broadcasts() {
        let host = TestHost()
        host.introducePeer()
        for destination in [IPv4Address(10, 0, 0, 255), IPv4Address.broadcast] {
            let frame = FrameBuilder.ipv4(from: TestHost.peerIP, to: destination, protocol: .udp,
                                          payload: FrameBuilder.udp(sourcePort: 1, destinationPort: 9999, payload: [1],
                                                                    source: TestHost.peerIP, destination: destination),
                                          sourceMAC: TestHost.peerMAC, destinationMAC: .broadcast)
            host.deliver(frame)
        }
        #expect(host.log.take().isEmpty, "no port unreachable for a broadcast")
        #expect(host.stack.counters[.udpNoListener] == 2)
    }
}

@Suite("IPv4 reassembly")
struct ReassemblyTests {
    /// A UDP datagram from the peer with `size` bytes of payload, cut into fragments of at
    /// most `chunk` payload bytes (a multiple of 8).
    func fragments(size: Int, chunk: Int, identification: UInt16 = 77) -> (datagram: [UInt8], frames: [[UInt8]]) {
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let udp = FrameBuilder.udp(sourcePort: 1000, destinationPort: 7, payload: payload,
                                   source: TestHost.peerIP, destination: TestHost.hostIP)
        var frames: [[UInt8]] = []
        var offset = 0
        while offset < udp.count {
            let end = min(offset + chunk, udp.count)
            frames.append(FrameBuilder.ipv4(from: TestHost.peerIP, to: TestHost.hostIP, protocol: .udp,
                                            payload: Array(udp[offset..<end]), identification: identification,
                                            flags: end < udp.count ? .moreFragments : [], fragmentOffset: UInt16(offset / 8),
                                            sourceMAC: TestHost.peerMAC, destinationMAC: TestHost.hostMAC))
            offset = end
        }
        return (payload, frames)
    }

    final class Sink: UDPSocketDelegate {
        var received: [[UInt8]] = []
        func udpSocket(_ socket: UDPSocket, didReceive payload: UnsafeRawBufferPointer, from address: IPAddress, port: UInt16) {
            received.append(Array(payload))
        }
    }

    func host(with sink: Sink, configure: (inout StackConfiguration) -> Void = { _ in }) throws -> (TestHost, UDPSocket) {
        let host = TestHost(configure: configure)
        host.introducePeer()
        let socket = try host.stack.bindUDP(port: 7)
        socket.delegate = sink
        return (host, socket)
    }

    @Test("reassembles fragments arriving in any order", arguments: [0, 1, 2, 3, 4, 5])
    func anyOrder(permutation: Int) throws {
        let sink = Sink()
        let (host, socket) = try host(with: sink)
        let (payload, frames) = fragments(size: 3000, chunk: 1000)
        #expect(frames.count == 4)
        var order = Array(frames.indices)
        var generator = SeededRandom(seed: UInt64(permutation))
        order.shuffle(using: &generator)
        if permutation == 0 { order.reverse() }
        for i in order { host.deliver(frames[i]) }
        #expect(sink.received == [payload])
        #expect(host.stack.counters[.datagramsReassembled] == 1)
        _ = socket
    }

    @Test("ignores duplicate fragments")
    func duplicates() throws {
        let sink = Sink()
        let (host, socket) = try host(with: sink)
        let (payload, frames) = fragments(size: 2000, chunk: 504)
        host.deliver(frames[1])
        host.deliver(frames[1])
        host.deliver(frames[0])
        host.deliver(frames[0])
        for frame in frames.dropFirst(2) { host.deliver(frame) }
        #expect(sink.received == [payload])
        #expect(host.stack.counters[.reassemblyOverlap] == 0)
        _ = socket
    }

    @Test("discards a datagram whose fragments overlap with different bytes")
    func overlap() throws {
        let sink = Sink()
        let (host, socket) = try host(with: sink)
        let (_, frames) = fragments(size: 2000, chunk: 1000)
        host.deliver(frames[0])
        // A fragment covering bytes 504..<1512 with other contents.
        let forged = FrameBuilder.ipv4(from: TestHost.peerIP, to: TestHost.hostIP, protocol: .udp,
                                       payload: [UInt8](repeating: 0xEE, count: 1008), identification: 77,
                                       flags: .moreFragments, fragmentOffset: 63,
                                       sourceMAC: TestHost.peerMAC, destinationMAC: TestHost.hostMAC)
        host.deliver(forged)
        for frame in frames.dropFirst() { host.deliver(frame) }
        #expect(sink.received.isEmpty)
        #expect(host.stack.counters[.reassemblyOverlap] >= 1)
        _ = socket
    }

    @Test("times out an incomplete datagram and sends time exceeded when the first fragment came")
    func timeout() throws {
        let sink = Sink()
        let (host, socket) = try host(with: sink)
        let (_, frames) = fragments(size: 2000, chunk: 1000)
        host.deliver(frames[0])
        host.advance(by: .seconds(29))
        #expect(host.log.take().isEmpty)
        host.advance(by: .seconds(2))
        let sent = host.log.take()
        #expect(sent.first?.icmp?.type == .timeExceeded)
        #expect(sent.first?.icmp?.code == ICMPTimeExceededCode.reassemblyTimeExceeded.rawValue)
        #expect(host.stack.counters[.reassemblyTimeout] == 1)
        host.deliver(frames[1])
        host.deliver(frames[2])
        #expect(sink.received.isEmpty, "the late fragments start a new, incomplete datagram")
        _ = socket
    }

    @Test("bounds the memory held by incomplete datagrams")
    func memoryBound() throws {
        let sink = Sink()
        let (host, socket) = try host(with: sink) { $0.ipv4.reassemblyMemory = 16 * 1024 }
        for id in 0..<40 {
            let (_, frames) = fragments(size: 3000, chunk: 1000, identification: UInt16(id))
            host.deliver(frames[0])
            host.deliver(frames[1])
        }
        #expect(host.stack.core.reassembler.memoryUsed <= 16 * 1024)
        #expect(host.stack.counters[.reassemblyNoMemory] > 0)
        let (payload, frames) = fragments(size: 3000, chunk: 1000, identification: 999)
        host.advance(by: .seconds(31))
        for frame in frames { host.deliver(frame) }
        #expect(sink.received == [payload], "once old datagrams time out, new ones get through")
        _ = socket
    }

    @Test("rejects fragments that would make a datagram longer than 65535 bytes")
    func pingOfDeath() throws {
        let sink = Sink()
        let (host, socket) = try host(with: sink)
        let frame = FrameBuilder.ipv4(from: TestHost.peerIP, to: TestHost.hostIP, protocol: .udp,
                                      payload: [UInt8](repeating: 1, count: 1000), identification: 5,
                                      fragmentOffset: 8100, sourceMAC: TestHost.peerMAC, destinationMAC: TestHost.hostMAC)
        host.deliver(frame)
        #expect(host.stack.counters[.reassemblyTooLong] == 1)
        _ = socket
    }
}
