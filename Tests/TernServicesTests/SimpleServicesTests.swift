import TernStack
import TernWire
import Testing
@testable import TernServices

@Suite("Time Protocol service")
struct TimeServiceTests {
    @Test("a UDP datagram of any content gets the 4-byte big-endian value")
    func udp() throws {
        let pair = try EnginePair()
        let service = try TimeService(stack: pair.server, port: 37) { 1_700_000_000 }
        let socket = RecordingUDPSocket(try pair.client.bindUDP(port: 40000))
        try socket.send([], to: 37)
        try socket.send([1, 2, 3], to: 37)
        #expect(pair.run { socket.datagrams.count == 2 })
        #expect(socket.datagrams == [[0xE8, 0xFE, 0x6F, 0x80], [0xE8, 0xFE, 0x6F, 0x80]])
        #expect(service.summary == "time 37/tcp+udp")
    }

    @Test("a TCP connection gets the 4 bytes, then a FIN")
    func tcp() throws {
        let pair = try EnginePair()
        let service = try TimeService(stack: pair.server, port: 37) { 0 }
        let client = RecordingConnection(try pair.client.connectTCP(to: EnginePair.serverAddress, port: 37))
        #expect(pair.run { client.sawEndOfStream })
        #expect(client.received == [0x83, 0xAA, 0x7E, 0x80])
        client.connection.close()
        #expect(pair.run { service.connectionsClosing == 0 && pair.server.tcpConnectionCount == 0 })
        #expect(client.closeError == nil)
    }

    @Test("datagrams from ports of other echo-like services are not answered")
    func reflectionGuard() throws {
        let pair = try EnginePair()
        let service = try TimeService(stack: pair.server, port: 37) { 0 }
        let socket = RecordingUDPSocket(try pair.client.bindUDP(port: 19))
        try socket.send([0], to: 37)
        pair.run(for: .seconds(5)) { false }
        #expect(socket.datagrams.isEmpty)
        #expect(pair.server.counters[.udpDatagramsDelivered] == 1)
        #expect(service.connectionsClosing == 0)
    }
}

@Suite("Echo service")
struct EchoServiceTests {
    @Test("UDP datagrams come back byte for byte, fragmented ones too")
    func udp() throws {
        let pair = try EnginePair()
        let service = try EchoService(stack: pair.server, port: 7)
        let socket = RecordingUDPSocket(try pair.client.bindUDP(port: 40001))
        let payloads = [[], [0x42], testBytes(1472), testBytes(8000, seed: 9)]
        for payload in payloads { try socket.send(payload, to: 7) }
        #expect(pair.run { socket.datagrams.count == payloads.count })
        #expect(socket.datagrams.map(\.count) == payloads.map(\.count))
        for (datagram, payload) in zip(socket.datagrams, payloads) { expectSameBytes(datagram, payload) }
        #expect(service.summary == "echo 7/tcp+udp")
    }

    @Test("a TCP stream comes back byte for byte, then the close is echoed too")
    func tcp() throws {
        let pair = try EnginePair()
        let service = try EchoService(stack: pair.server, port: 7)
        let client = RecordingConnection(try pair.client.connectTCP(to: EnginePair.serverAddress, port: 7))
        let data = testBytes(300_000)
        client.send(data, thenShutdown: true)
        #expect(pair.run { client.sawEndOfStream })
        #expect(client.received.count == data.count)
        expectSameBytes(client.received, data)
        #expect(pair.run { service.connectionsClosing == 0 })
    }

    @Test("a peer that does not read is slowed down instead of buffered without bound")
    func backPressure() throws {
        var tcp = TCPConfiguration()
        tcp.sendBufferSize = 32 * 1024
        tcp.receiveBufferSize = 32 * 1024
        let pair = try EnginePair(tcp: tcp)
        let service = try EchoService(stack: pair.server, port: 7)
        let client = RecordingConnection(try pair.client.connectTCP(to: EnginePair.serverAddress, port: 7))
        client.reading = false
        let data = testBytes(1_000_000)
        client.send(data, thenShutdown: true)
        pair.run(for: .seconds(30)) { false }
        // Everything in flight fits in the four buffers on the way: the server's receive
        // and send buffers, the client's receive and send buffers.
        #expect(!client.allSent)
        #expect(client.connection.availableBytes <= 32 * 1024)
        client.reading = true
        client.readNow()
        #expect(pair.run(for: .seconds(600)) { client.sawEndOfStream })
        expectSameBytes(client.received, data)
        #expect(pair.run { service.connectionsClosing == 0 })
    }

    @Test("shutdown closes open connections with a FIN")
    func shutdown() throws {
        let pair = try EnginePair()
        let service = try EchoService(stack: pair.server, port: 7)
        let client = RecordingConnection(try pair.client.connectTCP(to: EnginePair.serverAddress, port: 7))
        client.send([1, 2, 3])
        #expect(pair.run { client.received == [1, 2, 3] })
        service.shutdown()
        #expect(service.connectionsClosing == 1)
        #expect(pair.run { client.sawEndOfStream && service.connectionsClosing == 0 })
        #expect(client.closeError == nil)
        #expect(pair.server.counters[.tcpResetsSent] == 0)
    }
}

@Suite("Discard service")
struct DiscardServiceTests {
    @Test("UDP datagrams get no answer")
    func udp() throws {
        let pair = try EnginePair()
        let service = try DiscardService(stack: pair.server, port: 9)
        let socket = RecordingUDPSocket(try pair.client.bindUDP(port: 40002))
        try socket.send(testBytes(100), to: 9)
        pair.run(for: .seconds(5)) { false }
        #expect(socket.datagrams.isEmpty)
        #expect(pair.server.counters[.udpDatagramsDelivered] == 1)
        #expect(pair.server.counters[.icmpErrorsSent] == 0)
        #expect(service.summary == "discard 9/tcp+udp")
    }

    @Test("a TCP stream is read to the end, and the close answered with a FIN")
    func tcp() throws {
        let pair = try EnginePair()
        let service = try DiscardService(stack: pair.server, port: 9)
        let client = RecordingConnection(try pair.client.connectTCP(to: EnginePair.serverAddress, port: 9))
        client.send(testBytes(2_000_000), thenShutdown: true)
        #expect(pair.run(for: .seconds(120)) { client.sawEndOfStream })
        #expect(client.allSent)
        #expect(client.received.isEmpty)
        #expect(pair.run { service.connectionsClosing == 0 })
        #expect(client.closeError == nil)
    }
}

@Suite("Character generator service")
struct ChargenServiceTests {
    @Test("the pattern: 95 lines of 72 printable characters and CR LF, each starting one further")
    func pattern() {
        let cycle = ChargenService.cycle
        #expect(cycle.count == 95 * 74)
        let first = String(decoding: cycle[0..<72], as: UTF8.self)
        #expect(first == " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefg")
        let second = String(decoding: cycle[74..<146], as: UTF8.self)
        #expect(second == "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefgh")
        for line in 0..<95 {
            let start = line * 74
            #expect(cycle[start] == UInt8(32 + line))
            #expect(cycle[start + 72] == 13 && cycle[start + 73] == 10)
            #expect(cycle[start..<start + 72].allSatisfy { (32...126).contains($0) })
        }
        // The last line wraps around the printable ring.
        #expect(cycle[94 * 74] == UInt8(ascii: "~") && cycle[94 * 74 + 1] == UInt8(ascii: " "))
    }

    @Test("filling wraps around the cycle")
    func fill() {
        let cycle = ChargenService.cycle
        var buffer = [UInt8](repeating: 0, count: 20_000)
        let end = buffer.withUnsafeMutableBytes { ChargenService.fill($0, from: 7000) }
        #expect(end == (7000 + 20_000) % cycle.count)
        let expected = (0..<20_000).map { cycle[(7000 + $0) % cycle.count] }
        expectSameBytes(buffer, expected)
    }

    @Test("each UDP datagram is answered with 0–512 bytes of the pattern from the next line")
    func udp() throws {
        let pair = try EnginePair()
        let service = try ChargenService(stack: pair.server, port: 19, seed: 5)
        let socket = RecordingUDPSocket(try pair.client.bindUDP(port: 40003))
        // One at a time: the first waits for ARP, and the ARP queue is short.
        for round in 1...40 {
            try socket.send([0], to: 19)
            #expect(pair.run { socket.datagrams.count == round })
        }
        let cycle = ChargenService.cycle
        var lengths = Set<Int>()
        for (line, datagram) in socket.datagrams.enumerated() {
            #expect(datagram.count <= 512)
            lengths.insert(datagram.count)
            let expected = (0..<datagram.count).map { cycle[(line * 74 + $0) % cycle.count] }
            expectSameBytes(datagram, expected)
        }
        #expect(lengths.count > 1, "the lengths vary")
        #expect(service.summary == "chargen 19/tcp+udp")
    }

    @Test("TCP keeps sending full segments while it holds out-of-order data from the peer")
    func tcpWithHole() throws {
        let pair = try EnginePair()
        let service = try ChargenService(stack: pair.server, port: 19, seed: 5)
        let client = RecordingConnection(try pair.client.connectTCP(to: EnginePair.serverAddress, port: 19))
        #expect(pair.run { client.connected })
        // The first full-sized segment the client sends is lost: the server holds the
        // next ones out of order (and would put SACK blocks on its segments) until the
        // client retransmits.
        var lost = false
        pair.losesClientFrame = { frame in
            guard !lost, frame.count > 1000 else { return false }
            lost = true
            return true
        }
        client.send(testBytes(4 * 1448))
        #expect(pair.run { client.received.count >= 1_000_000 })
        #expect(lost)
        #expect(pair.server.counters[.ipTooBig] == 0)
        let cycle = ChargenService.cycle
        #expect(client.received.enumerated().allSatisfy { $0.element == cycle[$0.offset % cycle.count] })
        #expect(service.connectionsClosing == 1)
    }

    @Test("TCP sends the pattern until the peer closes")
    func tcp() throws {
        let pair = try EnginePair()
        let service = try ChargenService(stack: pair.server, port: 19, seed: 5)
        let client = RecordingConnection(try pair.client.connectTCP(to: EnginePair.serverAddress, port: 19))
        #expect(pair.run { client.received.count >= 2_000_000 })
        let cycle = ChargenService.cycle
        #expect(client.received.enumerated().allSatisfy { $0.element == cycle[$0.offset % cycle.count] })
        client.connection.shutdownWrite()
        #expect(pair.run { client.sawEndOfStream })
        #expect(pair.run { service.connectionsClosing == 0 && pair.server.tcpConnectionCount == 0 })
    }
}
