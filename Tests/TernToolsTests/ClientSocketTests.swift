import Glibc
import TernToolSupport
import Testing

@Suite("TernToolSupport: client sockets")
struct ClientSocketTests {
    @Test("address literals resolve without a name service")
    func literals() throws {
        let v4 = try HostResolution.resolve(host: "192.0.2.7", port: 37, transport: .tcp)
        #expect(v4.count == 1 && v4[0].family == AF_INET && v4[0].numericHost == "192.0.2.7")
        let v6 = try HostResolution.resolve(host: "::1", port: 37, transport: .udp)
        #expect(v6.count == 1 && v6[0].family == AF_INET6 && v6[0].numericHost == "::1")
    }

    @Test("an empty host is refused before any lookup")
    func emptyHost() {
        #expect(throws: NetworkFailure.cannotResolve(host: "", reason: "not a host name")) {
            try HostResolution.resolve(host: "", port: 80, transport: .tcp)
        }
    }

    @Test("endpoints name the address, and the name when there was one")
    func endpoints() {
        #expect(HostResolution.endpointDescription(host: "192.0.2.1", numericHost: "192.0.2.1", port: 80) == "192.0.2.1 port 80")
        #expect(HostResolution.endpointDescription(host: "localhost", numericHost: "127.0.0.1", port: 37) == "localhost (127.0.0.1) port 37")
    }

    @Test("failures read as sentences and exit with status 1")
    func messages() {
        #expect(NetworkFailure.refused(endpoint: "192.0.2.1 port 80").toolFailure
            == ToolFailure("192.0.2.1 port 80: connection refused (nothing is listening there)", status: 1))
        #expect(NetworkFailure.unreachable(endpoint: "e", reason: "no route to host").description == "e: no route to host")
        #expect(NetworkFailure.connectTimedOut(endpoint: "e", seconds: 5).description == "e: no answer to the connection attempt within 5 s")
        #expect(NetworkFailure.receiveTimedOut(endpoint: "e", seconds: 0.5).description == "e: the server sent nothing for 0.5 s")
    }

    @Test("bytes sent on one end arrive at the other; a close reads as 0")
    func roundTrip() throws {
        let (client, server) = try SocketPairs.make()
        try client.send(Array("ping".utf8), timeout: 5)
        var received = [UInt8](repeating: 0, count: 16)
        #expect(read(server, &received, 16) == 4)
        #expect(Array(received.prefix(4)) == Array("ping".utf8))
        close(server)
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(try client.receive(into: &buffer, timeout: 5) == 0)
    }

    @Test("receive reads at most the limit it is given")
    func limit() throws {
        let (client, server) = try SocketPairs.make()
        defer { close(server) }
        _ = Array("abcdefgh".utf8).withUnsafeBytes { send(server, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(try client.receive(into: &buffer, limit: 3, timeout: 5) == 3)
        #expect(try client.receiveAvailable(into: &buffer) == 5)
        #expect(try client.receiveAvailable(into: &buffer) == nil)
    }

    @Test("a deadline in the past leaves no time to wait")
    func deadlines() {
        #expect(MonotonicClock.milliseconds(until: MonotonicClock.now - 1) == 0)
        #expect(MonotonicClock.milliseconds(until: MonotonicClock.now + 1e9) == 86_400_000)
        #expect(formatSeconds(5) == "5 s" && formatSeconds(0.25) == "0.25 s")
    }
}
