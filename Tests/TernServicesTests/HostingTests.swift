import Testing
@testable import TernServices
import TernStack
import TernWire

@Suite("Services on the stack")
struct HostingTests {
    func webServer(_ hosts: TwoHosts, root: TemporaryDirectory, limits: StreamServiceLimits = StreamServiceLimits())
        throws -> (StreamServiceHost<HTTPConnection>, LogCollector) {
        let files = HTTPFileServer(webRoot: try WebRoot(path: root.path))
        let host = StreamServiceHost(stack: hosts.server, listener: try hosts.server.listenTCP(port: 80), limits: limits) {
            files.makeConnection()
        }
        let log = LogCollector()
        host.afterActivity = { connection in log.lines += connection.takeAccessLogEntries().map(\.description) }
        hosts.onStep = { host.tick(now: $0) }
        return (host, log)
    }

    final class LogCollector { var lines: [String] = [] }

    @Test("serves files over TCP, two requests on one keep-alive connection, with an access log")
    func keepAlive() throws {
        let hosts = try TwoHosts()
        let root = try TemporaryDirectory()
        try root.write("a.txt", Array("alpha\n"))
        try root.write("b.html", Array("<p>beta</p>"))
        let (server, log) = try webServer(hosts, root: root)
        let client = try StreamClient(hosts: hosts, port: 80)
        client.send(Array("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /b.html HTTP/1.1\r\nHost: x\r\n\r\n"))
        hosts.run { client.text.contains("<p>beta</p>") }
        #expect(client.text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(client.text.contains("Content-Type: text/plain; charset=utf-8"))
        #expect(client.text.contains("alpha\n"))
        #expect(client.text.contains("Content-Type: text/html; charset=utf-8"))
        #expect(!client.closed, "HTTP/1.1 keeps the connection open")
        #expect(log.lines.count == 2)
        #expect(log.lines.first?.contains("GET /a.txt") == true)
        #expect(server.connectionCount == 1)
    }

    @Test("streams a large file in bounded memory, byte-exact")
    func largeFile() throws {
        let hosts = try TwoHosts()
        let root = try TemporaryDirectory()
        let size = 3_000_000
        let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }
        try root.write("big.bin", body)
        let (server, _) = try webServer(hosts, root: root)
        let client = try StreamClient(hosts: hosts, port: 80)
        client.send(Array("GET /big.bin HTTP/1.0\r\n\r\n"))
        hosts.run(for: .seconds(120)) { client.closed }
        let marker: [UInt8] = [13, 10, 13, 10]
        guard let split = (0..<max(0, client.received.count - 3)).first(where: { Array(client.received[$0..<$0 + 4]) == marker }) else {
            Issue.record("no header")
            return
        }
        let headerLength = split + 4
        #expect(client.text.contains("Content-Length: \(size)"))
        #expect(Array(client.received[headerLength...]) == body)
        #expect(server.connectionCount == 0, "HTTP/1.0 closes after the response")
    }

    @Test("a request that trickles in too slowly gets 408 and is closed")
    func slowloris() throws {
        let hosts = try TwoHosts()
        let root = try TemporaryDirectory()
        var limits = StreamServiceLimits()
        limits.requestTimeout = .seconds(5)
        let (server, _) = try webServer(hosts, root: root, limits: limits)
        let client = try StreamClient(hosts: hosts, port: 80)
        client.send(Array("GET /a"))
        hosts.run(for: .seconds(20)) { client.connection.isEndOfStream }
        #expect(client.text.hasPrefix("HTTP/1.1 408"))
        #expect(client.connection.isEndOfStream, "the server closed its side")
        client.connection.close()
        hosts.run(for: .seconds(5)) { server.connectionCount == 0 }
        #expect(server.connectionCount == 0)
    }

    @Test("idle keep-alive connections are closed after the idle timeout")
    func idle() throws {
        let hosts = try TwoHosts()
        let root = try TemporaryDirectory()
        try root.write("a.txt", Array("alpha\n"))
        var limits = StreamServiceLimits()
        limits.idleTimeout = .seconds(3)
        let (server, _) = try webServer(hosts, root: root, limits: limits)
        let client = try StreamClient(hosts: hosts, port: 80)
        client.send(Array("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"))
        hosts.run { client.text.contains("alpha") }
        #expect(server.connectionCount == 1)
        hosts.run(for: .seconds(10)) { client.connection.isEndOfStream }
        #expect(client.connection.isEndOfStream, "the server closed the idle connection")
        client.connection.close()
        hosts.run(for: .seconds(5)) { server.connectionCount == 0 }
        #expect(server.connectionCount == 0)
    }

    @Test("the connection limit turns away connections beyond it")
    func connectionLimit() throws {
        let hosts = try TwoHosts()
        let root = try TemporaryDirectory()
        var limits = StreamServiceLimits()
        limits.maximumConnections = 2
        let (server, _) = try webServer(hosts, root: root, limits: limits)
        let clients = try (0..<3).map { _ in try StreamClient(hosts: hosts, port: 80) }
        hosts.run(for: .seconds(2)) { clients[2].closed }
        #expect(server.connectionCount == 2)
        #expect(clients[2].closed && clients[2].closeError == .connectionReset)
    }

    @Test("chat over TCP: join, chat and leave reach every client in order")
    func chat() throws {
        let hosts = try TwoHosts()
        let chat = ChatServer(listener: try hosts.server.listenTCP(port: 3490))
        let encoder = LengthPrefixedPacketEncoder()
        func packet(_ json: String) -> [UInt8] { (try? encoder.encode(Array(json.utf8))) ?? [] }
        func decode(_ bytes: [UInt8]) -> [String] {
            var decoder = LengthPrefixedPacketDecoder()
            var out: [String] = []
            try? bytes.withUnsafeBytes { try decoder.feed($0) { out.append(String(decoding: $0, as: UTF8.self)) } }
            return out
        }
        let alice = try StreamClient(hosts: hosts, port: 3490)
        let bob = try StreamClient(hosts: hosts, port: 3490)
        alice.send(packet(#"{"type":"hello","nick":"alice"}"#))
        hosts.run { decode(alice.received).count == 1 }
        bob.send(packet(#"{"type":"hello","nick":"bob"}"#))
        hosts.run { decode(alice.received).count == 2 }
        // One packet split in two segments' worth of calls still arrives whole.
        let message = packet(#"{"type":"chat","message":"hi bob"}"#)
        alice.send(Array(message.prefix(5)))
        hosts.run(for: .milliseconds(50)) { false }
        alice.send(Array(message.dropFirst(5)))
        hosts.run { decode(bob.received).count == 2 }
        bob.connection.close()
        hosts.run { decode(alice.received).count == 4 }
        #expect(decode(alice.received) == [#"{"type":"join","nick":"alice"}"#, #"{"type":"join","nick":"bob"}"#,
                                            #"{"type":"chat","nick":"alice","message":"hi bob"}"#,
                                            #"{"type":"leave","nick":"bob"}"#])
        #expect(decode(bob.received) == [#"{"type":"join","nick":"bob"}"#,
                                          #"{"type":"chat","nick":"alice","message":"hi bob"}"#])
        #expect(chat.clientCount == 1)
    }

    @Test("a chat client that never says hello is told and closed after the hello timeout")
    func chatHelloTimeout() throws {
        let hosts = try TwoHosts()
        let chat = ChatServer(listener: try hosts.server.listenTCP(port: 3490))
        chat.helloTimeout = .seconds(5)
        hosts.onStep = { chat.tick(now: $0) }
        let silent = try StreamClient(hosts: hosts, port: 3490)
        hosts.run(for: .seconds(2)) { false }
        #expect(chat.clientCount == 1)
        hosts.run(for: .seconds(10)) { silent.connection.isEndOfStream }
        #expect(silent.text.contains(#""type":"error""#) && silent.text.contains("no hello"))
        #expect(chat.clientCount == 0)
    }

    /// The refused client's hello comes with the handshake, so it is already buffered when
    /// the server accepts and refuses: the refusal must still reach it, before a FIN (a plain
    /// close with unread data would reset the connection and destroy the error unread).
    @Test("a client refused by a full chat gets the error and a FIN, even with its hello already received")
    func chatFullRefusal() throws {
        let hosts = try TwoHosts()
        var limits = ChatRoomLimits()
        limits.maximumClients = 1
        let chat = ChatServer(listener: try hosts.server.listenTCP(port: 3490), limits: limits)
        let encoder = LengthPrefixedPacketEncoder()
        func packet(_ json: String) -> [UInt8] { (try? encoder.encode(Array(json.utf8))) ?? [] }
        let member = try StreamClient(hosts: hosts, port: 3490)
        member.send(packet(#"{"type":"hello","nick":"member"}"#))
        hosts.run { chat.clientCount == 1 && !member.received.isEmpty }
        let late = try StreamClient(hosts: hosts, port: 3490)
        late.send(packet(#"{"type":"hello","nick":"late"}"#) + packet(#"{"type":"chat","message":"more"}"#))
        hosts.run { late.connection.isEndOfStream || late.closed }
        #expect(late.connection.isEndOfStream, "a FIN after the error")
        #expect(late.closeError == nil, "not reset")
        #expect(late.received == packet(#"{"type":"error","message":"the chat is full"}"#))
        #expect(hosts.server.counters[.tcpResetsSent] == 0)
        #expect(chat.clientCount == 1)
    }

    @Test("a chat client that sends garbage is told and dropped; others carry on")
    func chatGarbage() throws {
        let hosts = try TwoHosts()
        let chat = ChatServer(listener: try hosts.server.listenTCP(port: 3490))
        let bad = try StreamClient(hosts: hosts, port: 3490)
        bad.send([0, 3] + Array("{{{".utf8))
        hosts.run { bad.closed }
        #expect(bad.text.contains(#""type":"error""#))
        #expect(chat.clientCount == 0)
    }

    @Test("a chat client that stops reading is dropped before the server buffers without bound")
    func slowChatReader() throws {
        let hosts = try TwoHosts()
        var limits = ChatRoomLimits()
        limits.maximumUnsentBytes = 64 * 1024
        let chat = ChatServer(listener: try hosts.server.listenTCP(port: 3490), limits: limits)
        let encoder = LengthPrefixedPacketEncoder()
        func packet(_ json: String) -> [UInt8] { (try? encoder.encode(Array(json.utf8))) ?? [] }
        let slow = try StreamClient(hosts: hosts, port: 3490)
        slow.reading = false
        slow.send(packet(#"{"type":"hello","nick":"slow"}"#))
        let talker = try StreamClient(hosts: hosts, port: 3490)
        talker.send(packet(#"{"type":"hello","nick":"talker"}"#))
        hosts.run { chat.clientCount == 2 }
        let line = packet(#"{"type":"chat","message":""# + String(repeating: "x", count: 1000) + #""}"#)
        for _ in 0..<2000 {
            talker.send(line)
            hosts.run(for: .milliseconds(2)) { false }
            if chat.clientCount == 1 { break }
        }
        #expect(chat.clientCount == 1, "the slow reader was dropped")
        #expect(talker.text.contains(#""type":"leave","nick":"slow""#))
    }
}
