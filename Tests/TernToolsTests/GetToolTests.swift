import ArgumentParser
import Glibc
import TernToolSupport
import Testing
@testable import tern_get

@Suite("tern-get: the request and the response")
struct GetToolTests {
    @Test("an HTTP/1.0-style GET with Connection: close")
    func requestBytes() throws {
        let request = try HTTPGetRequest(host: "192.0.2.1", port: 80, path: "/index.html")
        #expect(String(decoding: request.bytes, as: UTF8.self) ==
            "GET /index.html HTTP/1.0\r\nHost: 192.0.2.1\r\nUser-Agent: tern-get\r\nAccept: */*\r\nConnection: close\r\n\r\n")
    }

    @Test("the Host header names a port other than 80, and brackets IPv6 addresses", arguments: [
        ("example.org", UInt16(80), "example.org"),
        ("example.org", UInt16(8080), "example.org:8080"),
        ("::1", UInt16(80), "[::1]"),
        ("::1", UInt16(8080), "[::1]:8080"),
    ])
    func hostHeader(_ host: String, _ port: UInt16, _ expected: String) throws {
        #expect(try HTTPGetRequest(host: host, port: port, path: "/").hostHeader == expected)
    }

    @Test("paths: a leading / added, spaces and non-ASCII percent-encoded, % kept", arguments: [
        ("", "/"),
        ("index.html", "/index.html"),
        ("/a b.txt", "/a%20b.txt"),
        ("/café", "/caf%C3%A9"),
        ("/already%20encoded?q=1", "/already%20encoded?q=1"),
        ("/../etc/passwd", "/../etc/passwd"),
    ])
    func paths(_ path: String, _ target: String) throws {
        #expect(try HTTPGetRequest(host: "h", port: 80, path: path).target == target)
    }

    @Test("control characters and whole URLs are refused", arguments: [
        ("/a\r\nX-Injected: 1", HTTPGetRequest.Problem.controlCharacter),
        ("/nul\u{0}", .controlCharacter),
        ("/del\u{7F}", .controlCharacter),
        ("http://example.org/", .absoluteURL),
    ])
    func refusedPaths(_ path: String, _ problem: HTTPGetRequest.Problem) {
        #expect(throws: problem) { try HTTPGetRequest(host: "h", port: 80, path: path) }
    }

    @Test("HOST [PORT] [PATH], and HOST /PATH", arguments: [
        (["h"], UInt16(80), "/"),
        (["h", "8080"], UInt16(8080), "/"),
        (["h", "8080", "/x"], UInt16(8080), "/x"),
        (["h", "/x"], UInt16(80), "/x"),
    ])
    func arguments(_ arguments: [String], _ port: UInt16, _ path: String) throws {
        let target = try TernGet.parse(arguments).target()
        #expect(target.port == port && target.path == path)
    }

    @Test("an IPv6 address in brackets, as in URLs, or bare", arguments: [
        ("[fd00::2]", "fd00::2"), ("fd00::2", "fd00::2"), ("[::1]", "::1"), ("example.org", "example.org"),
    ])
    func bracketedHosts(_ given: String, _ host: String) throws {
        #expect(try TernGet.parse([given]).hostName == host)
    }

    @Test("a port that is not a number or out of range is a usage error", arguments: [["h", "http"], ["h", "0"], ["h", "65536"]])
    func badPorts(_ arguments: [String]) {
        #expect(throws: (any Error).self) { try TernGet.parse(arguments) }
    }

    /// Copies what the other end of a socket pair sends (in `pieceSize` writes) and closes.
    static func copy(_ bytes: [UInt8], pieceSize: Int) throws -> (Result<ResponseCopy.Outcome, ToolFailure>, [UInt8]) {
        let (client, server) = try SocketPairs.make()
        SocketPairs.serve(server, bytes, pieceSize: pieceSize)
        var output: [UInt8] = []
        do {
            let outcome = try ResponseCopy.run(from: client, timeout: 30) { (piece: ArraySlice<UInt8>) throws(RawOutput.Failure) in
                output += piece
            }
            return (.success(outcome), output)
        } catch {
            return (.failure(error), output)
        }
    }

    @Test("the response is copied byte for byte until the close, binary bodies included",
          arguments: [(1, 3000), (1000, 200_000), (100_000, 200_000)])
    func binaryResponse(pieceSize: Int, bodyLength: Int) throws {
        let body = (0..<bodyLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        let response = Array("HTTP/1.0 200 OK\r\nContent-Length: \(bodyLength)\r\n\r\n".utf8) + body
        let (outcome, output) = try Self.copy(response, pieceSize: pieceSize)
        #expect(outcome == .success(.complete(bytes: response.count)))
        #expect(output == response)
    }

    @Test("a close before any byte is a failure, status 1")
    func emptyResponse() throws {
        let (outcome, output) = try Self.copy([], pieceSize: 1)
        #expect(outcome == .failure(ToolFailure("test peer: the server closed the connection without sending a response", status: 1)))
        #expect(output.isEmpty)
    }

    @Test("a server that stops sending times out, after what it sent is written")
    func stalledResponse() throws {
        let (client, server) = try SocketPairs.make()
        defer { close(server) }
        let head = Array("HTTP/1.0 200 OK\r\n".utf8)
        _ = head.withUnsafeBytes { send(server, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var output: [UInt8] = []
        #expect(throws: ToolFailure("test peer: the server sent nothing for 0.25 s (after 17 bytes of the response)", status: 1)) {
            try ResponseCopy.run(from: client, timeout: 0.25) { (piece: ArraySlice<UInt8>) throws(RawOutput.Failure) in
                output += piece
            }
        }
        #expect(output == head)
    }

    @Test("when the output's reader goes away the copy stops quietly")
    func readerGone() throws {
        let (client, server) = try SocketPairs.make()
        SocketPairs.serve(server, Array(repeating: 0x41, count: 10_000), pieceSize: 10_000)
        let outcome = try ResponseCopy.run(from: client, timeout: 30) { (_: ArraySlice<UInt8>) throws(RawOutput.Failure) in
            throw .readerClosed
        }
        #expect(outcome == .outputClosed(bytes: 0))
    }
}
