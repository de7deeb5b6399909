import Testing
@testable import TernStack
import TernWire

@Suite("TCP over IPv6")
struct TCPOverIPv6Tests {
    typealias F = IPv6Frames

    final class Collector: TCPConnectionDelegate, TCPListenerDelegate {
        var received: [UInt8] = []
        var accepted: [TCPConnection] = []
        var connected = false
        func listenerHasConnections(_ listener: TCPListener) {
            while let connection = listener.accept() {
                connection.delegate = self
                accepted.append(connection)
            }
        }
        func connectionDidConnect(_ connection: TCPConnection) { connected = true }
        func connectionDidReceive(_ connection: TCPConnection) {
            while connection.read({ bytes in
                received += bytes
                return bytes.count
            }) > 0 {}
        }
    }

    private func hostKnowingPeer() -> TestHost {
        let host = F.host()
        host.deliver(F.solicitation(for: F.hostGlobal, from: F.peerGlobal))
        host.log.frames.removeAll()
        return host
    }

    @Test("handshake and data both ways with a peer over IPv6; the MSS is the MTU less 60")
    func passiveOpen() throws {
        let host = hostKnowingPeer()
        let collector = Collector()
        let listener = try host.stack.listenTCP(port: 80)
        listener.delegate = collector
        host.deliver(F.tcp(destinationPort: 80, sequence: 1000, flags: .syn,
                           options: TCPOptions(maximumSegmentSize: 1440)))
        let synACK = try #require(host.log.takeIPv6().first?.tcp)
        #expect(synACK.header.flags == [.syn, .ack])
        #expect(synACK.header.acknowledgmentNumber == SequenceNumber(1001))
        #expect(synACK.options.maximumSegmentSize == 1440)
        let ours = synACK.header.sequenceNumber.rawValue &+ 1

        host.deliver(F.tcp(destinationPort: 80, sequence: 1001, acknowledgment: ours, flags: .ack))
        #expect(collector.accepted.count == 1)
        #expect(collector.accepted.first?.remoteAddress == .v6(F.peerGlobal))
        #expect(collector.accepted.first?.localAddress == .v6(F.hostGlobal))
        host.deliver(F.tcp(destinationPort: 80, sequence: 1001, acknowledgment: ours, flags: [.ack, .psh],
                           payload: Array("GET / HTTP/1.0\r\n\r\n".utf8)))
        host.stack.poll(now: host.now)
        #expect(collector.received == Array("GET / HTTP/1.0\r\n\r\n".utf8))

        let reply = [UInt8](repeating: 0x61, count: 5000)
        let connection = try #require(collector.accepted.first)
        _ = reply.withUnsafeBytes { connection.send($0) }
        host.stack.poll(now: host.now)
        let data = host.log.takeIPv6().compactMap(\.tcp).filter { !$0.payload.isEmpty }
        #expect(data.count >= 2)
        #expect(data.allSatisfy { $0.payload.count == 1440 }, "full segments of the peer's MSS")
        #expect(data.flatMap(\.payload).allSatisfy { $0 == 0x61 })
    }

    @Test("a closed port answers RST over IPv6")
    func reset() throws {
        let host = hostKnowingPeer()
        host.deliver(F.tcp(destinationPort: 81, sequence: 5, flags: .syn))
        let rst = try #require(host.log.takeIPv6().first?.tcp)
        #expect(rst.header.flags == [.rst, .ack])
        #expect(rst.header.acknowledgmentNumber == SequenceNumber(6))
    }

    @Test("an active open to an IPv6 address announces MTU − 60 and uses the address on the prefix")
    func activeOpen() throws {
        let host = hostKnowingPeer()
        let collector = Collector()
        let connection = try host.stack.connectTCP(to: .v6(F.peerGlobal), port: 8080)
        connection.delegate = collector
        host.stack.poll(now: host.now)
        let sent = host.log.takeIPv6()
        let syn = try #require(sent.first?.tcp)
        #expect(syn.header.flags == .syn)
        #expect(syn.options.maximumSegmentSize == 1440)
        #expect(sent.first?.header.source == F.hostGlobal)
        host.deliver(F.tcp(sourcePort: 8080, destinationPort: syn.header.sourcePort, sequence: 77,
                           acknowledgment: syn.header.sequenceNumber.rawValue &+ 1, flags: [.syn, .ack],
                           options: TCPOptions(maximumSegmentSize: 1440)))
        #expect(collector.connected)
        #expect(connection.state == .established)
    }
}
