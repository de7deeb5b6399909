import Glibc
import Testing
@testable import TernServices

/// A web root whose `digits.txt` ("0123456789", 10 bytes) was last modified at a known second.
private final class DatedFixture {
    static let modified: Int64 = 1_000_000_000
    let base: HTTPServerFixture
    var server: HTTPFileServer { base.server }
    let etag = EntityTag.of(modificationTime: DatedFixture.modified, size: 10)
    let lastModified = HTTPDate.format(unixTime: DatedFixture.modified)

    init() throws {
        base = try HTTPServerFixture()
        try base.directory.write("www/digits.txt", "0123456789")
        var times = [timespec(tv_sec: Int(DatedFixture.modified), tv_nsec: 0),
                     timespec(tv_sec: Int(DatedFixture.modified), tv_nsec: 0)]
        guard utimensat(AT_FDCWD, base.directory.url("www/digits.txt"), &times, 0) == 0 else {
            throw TestFailure("utimensat: errno \(errno)")
        }
        base.server.unixTime = DatedFixture.modified + 3600
    }

    /// One GET of digits.txt with extra header lines; its response.
    func get(_ headers: String, method: String = "GET") -> HTTPTestResponse? {
        let text = "\(method) /digits.txt HTTP/1.1\r\nHost: x\r\n\(headers)\r\n"
        return HTTPTestResponse.parseAll(exchange(server.makeConnection(), [[UInt8](text)]),
                                         headRequests: method == "HEAD" ? [0] : []).first
    }
}

@Suite struct HTTPRangeAndConditionalResponseTests {
    @Test func fileResponsesCarryValidators() throws {
        let f = try DatedFixture()
        let r = try #require(f.get(""))
        #expect(r.status == 200)
        #expect(r.header("ETag") == f.etag)
        #expect(r.header("ETag") == "\"3b9aca00-a\"")
        #expect(r.header("Last-Modified") == f.lastModified)
        #expect(r.header("Accept-Ranges") == "bytes")
    }

    @Test func singleRanges() throws {
        let f = try DatedFixture()
        for (range, body, contentRange) in [("bytes=0-3", "0123", "bytes 0-3/10"), ("bytes=7-", "789", "bytes 7-9/10"),
                                            ("bytes=-2", "89", "bytes 8-9/10"), ("bytes=5-100", "56789", "bytes 5-9/10"),
                                            ("bytes=0-", "0123456789", "bytes 0-9/10")] {
            let r = try #require(f.get("Range: \(range)\r\n"))
            #expect(r.status == 206, "\(range)")
            #expect(r.statusLine == "HTTP/1.1 206 Partial Content")
            #expect(r.body.text == body, "\(range)")
            #expect(r.header("Content-Range") == contentRange)
            #expect(r.header("Content-Length") == String(body.count))
            #expect(r.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(r.header("ETag") == f.etag)
        }
    }

    @Test func unsatisfiableAndIgnoredRanges() throws {
        let f = try DatedFixture()
        let r = try #require(f.get("Range: bytes=10-\r\n"))
        #expect(r.statusLine == "HTTP/1.1 416 Range Not Satisfiable")
        #expect(r.header("Content-Range") == "bytes */10")
        #expect(r.header("Connection") == "keep-alive")
        for ignored in ["bytes=5-2", "bytes=abc", "lines=1-2", "bytes=0-6,2-9"] {
            let whole = try #require(f.get("Range: \(ignored)\r\n"))
            #expect(whole.status == 200, "\(ignored)")
            #expect(whole.body.text == "0123456789")
        }
        let head = try #require(f.get("Range: bytes=0-1\r\n", method: "HEAD"))
        #expect(head.status == 200, "HEAD ignores Range")
        #expect(head.header("Content-Length") == "10")
    }

    /// Several ranges: multipart/byteranges, each part with its Content-Type and Content-Range,
    /// in the order asked, and a Content-Length that counts every byte.
    @Test func multipleRanges() throws {
        let f = try DatedFixture()
        let r = try #require(f.get("Range: bytes=8-9,0-1,4-4\r\n"))
        #expect(r.status == 206)
        let type = try #require(r.header("Content-Type"))
        #expect(type.hasPrefix("multipart/byteranges; boundary="))
        let boundary = String(type.dropFirst("multipart/byteranges; boundary=".count))
        #expect(r.header("Content-Range") == nil)
        #expect(r.header("Content-Length") == String(r.body.count))
        var expected = ""
        for (bytes, range) in [("89", "8-9"), ("01", "0-1"), ("4", "4-4")] {
            expected += "\r\n--\(boundary)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes \(range)/10\r\n\r\n\(bytes)"
        }
        expected += "\r\n--\(boundary)--\r\n"
        #expect(r.body.text == expected)
        let second = try #require(f.get("Range: bytes=0-0,2-2\r\n"))
        #expect(second.header("Content-Type") != type, "a new boundary for each response")
    }

    /// A multipart body streamed through small chunks and a socket that takes a few bytes at
    /// a time arrives whole.
    @Test func multipartStreamsInSmallPieces() throws {
        let d = try TemporaryDirectory()
        try d.makeDirectory("www")
        let content = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try d.write("www/data.bin", content)
        let server = HTTPFileServer(webRoot: try WebRoot(path: d.url("www")),
                                    configuration: HTTPServerConfiguration(fileChunkSize: 100))
        let request = [UInt8]("GET /data.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=10-1209,-300,4000-4099\r\n\r\n")
        let r = try #require(HTTPTestResponse.parseAll(exchange(server.makeConnection(), [request], window: 37)).first)
        #expect(r.status == 206)
        let body = r.body.text
        #expect(body.contains("Content-Range: bytes 10-1209/5000"))
        #expect(body.contains("Content-Range: bytes 4700-4999/5000"))
        let whole = exchange(server.makeConnection(), [[UInt8]("GET /data.bin HTTP/1.1\r\nHost: x\r\n\r\n")])
        #expect(HTTPTestResponse.parseAll(whole).first?.body == content)
        // The part bytes, in order, are the file's.
        var found: [UInt8] = []
        var rest = r.body[...]
        while let start = rest.firstRange(of: [13, 10, 13, 10]) {
            rest = rest[start.upperBound...]
            let length = found.isEmpty ? 1200 : (found.count == 1200 ? 300 : 100)
            found += rest.prefix(length)
            rest = rest.dropFirst(length)
        }
        #expect(found == Array(content[10..<1210]) + Array(content[4700..<5000]) + Array(content[4000..<4100]))
    }

    @Test func notModified() throws {
        let f = try DatedFixture()
        for headers in ["If-None-Match: \(f.etag)\r\n", "If-None-Match: W/\(f.etag)\r\n", "If-None-Match: *\r\n",
                        "If-Modified-Since: \(f.lastModified)\r\n",
                        "If-Modified-Since: \(HTTPDate.format(unixTime: DatedFixture.modified + 10))\r\n"] {
            let r = try #require(f.get(headers))
            #expect(r.statusLine == "HTTP/1.1 304 Not Modified", "\(headers)")
            #expect(r.body.isEmpty)
            #expect(r.header("Content-Length") == nil)
            #expect(r.header("ETag") == f.etag)
            #expect(r.header("Last-Modified") == f.lastModified)
            #expect(r.header("Date") != nil)
        }
        for headers in ["If-None-Match: \"other\"\r\n", "If-Modified-Since: \(HTTPDate.format(unixTime: DatedFixture.modified - 1))\r\n",
                        "If-Modified-Since: not a date\r\n", "If-None-Match: \"other\"\r\nIf-Modified-Since: \(f.lastModified)\r\n"] {
            #expect(f.get(headers)?.status == 200, "\(headers)")
        }
        #expect(f.get("If-None-Match: \(f.etag)\r\n", method: "HEAD")?.status == 304)
    }

    @Test func preconditionFailed() throws {
        let f = try DatedFixture()
        for headers in ["If-Match: \"other\"\r\n", "If-Match: W/\(f.etag)\r\n",
                        "If-Unmodified-Since: \(HTTPDate.format(unixTime: DatedFixture.modified - 1))\r\n"] {
            let r = try #require(f.get(headers))
            #expect(r.statusLine == "HTTP/1.1 412 Precondition Failed", "\(headers)")
            #expect(r.header("Connection") == "keep-alive")
        }
        #expect(f.get("If-Match: \(f.etag)\r\n")?.status == 200)
        #expect(f.get("If-Match: *\r\n")?.status == 200)
        #expect(f.get("If-Unmodified-Since: \(f.lastModified)\r\n")?.status == 200)
        #expect(f.get("If-Match: \(f.etag)\r\nRange: bytes=0-0\r\n")?.status == 206)
    }

    @Test func ifRange() throws {
        let f = try DatedFixture()
        #expect(f.get("Range: bytes=0-0\r\nIf-Range: \(f.etag)\r\n")?.status == 206)
        #expect(f.get("Range: bytes=0-0\r\nIf-Range: \(f.lastModified)\r\n")?.status == 206)
        let changed = try #require(f.get("Range: bytes=0-0\r\nIf-Range: \"old\"\r\n"))
        #expect(changed.status == 200, "a changed file is sent whole")
        #expect(changed.body.text == "0123456789")
        #expect(f.get("Range: bytes=0-0\r\nIf-Range: \(HTTPDate.format(unixTime: DatedFixture.modified + 1))\r\n")?.status == 200)
    }

    /// The same answers when the file comes from the open-file cache.
    @Test func cachedFileAnswersConditionsToo() throws {
        let f = try DatedFixture()
        #expect(f.get("")?.status == 200)
        #expect(f.get("If-None-Match: \(f.etag)\r\n")?.status == 304)
        #expect(f.get("Range: bytes=1-1\r\n")?.body.text == "1")
        #expect(f.get("")?.header("ETag") == f.etag)
    }

    /// `Expect: 100-continue` with a body: `100 Continue`, the response, the body read and
    /// discarded, and the next request parsed, at every split point of the stream.
    @Test func continueAtEverySplitPoint() throws {
        let f = try DatedFixture()
        let stream = [UInt8]("GET /digits.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
            + "hello" + "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        for split in 0...stream.count {
            let c = f.server.makeConnection()
            let out = exchange(c, [Array(stream[..<split]), Array(stream[split...])]).text
            let expectedStart = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
            #expect(out.hasPrefix(expectedStart), "split \(split)")
            let parts = out.components(separatedBy: "HTTP/1.1 200 OK\r\n")
            #expect(parts.count == 3, "two responses after the 100, split \(split)")
            #expect(out.hasSuffix("hello\n"), "the second request is answered")
            #expect(c.disposition == .open)
        }
    }

    @Test func continueIsNotSentWhenTheConnectionCloses() throws {
        let f = try DatedFixture()
        let c = f.server.makeConnection()
        let out = exchange(c, [[UInt8]("GET /digits.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n"
            + "Connection: close\r\n\r\n")]).text
        #expect(out.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(c.disposition == .closeAfterOutput)
        let noBody = exchange(f.server.makeConnection(), [[UInt8]("GET /digits.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n")]).text
        #expect(noBody.hasPrefix("HTTP/1.1 200 OK\r\n"), "no body, no 100")
    }

    @Test func http10KeepAlive() throws {
        let f = try DatedFixture()
        let c = f.server.makeConnection()
        let r = HTTPTestResponse.parseAll(exchange(c, [[UInt8]("GET /digits.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
            + "GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")]))
        #expect(r.map(\.status) == [200, 200])
        #expect(r.map { $0.header("Connection") } == ["keep-alive", "keep-alive"])
        #expect(c.disposition == .open)
        let plain = f.server.makeConnection()
        let closing = HTTPTestResponse.parseAll(exchange(plain, [[UInt8]("GET /digits.txt HTTP/1.0\r\n\r\n")]))
        #expect(closing.first?.header("Connection") == "close")
        #expect(plain.disposition == .closeAfterOutput)
    }

    @Test func newStatuses() throws {
        let f = try DatedFixture()
        func first(_ text: String) -> HTTPTestResponse? {
            HTTPTestResponse.parseAll(exchange(f.server.makeConnection(), [[UInt8](text)])).first
        }
        #expect(first("GET /docs/../ HTTP/1.1\r\nHost: a b\r\n\r\n")?.status == 400)
        let long = try #require(first("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(long.statusLine == "HTTP/1.1 414 URI Too Long")
        #expect(long.header("Connection") == "close")
        try f.base.directory.makeDirectory("www/bare")
        #expect(first("GET /bare/ HTTP/1.1\r\nHost: x\r\n\r\n")?.statusLine == "HTTP/1.1 403 Forbidden")
        try f.base.directory.write("www/é.txt", "accent")
        #expect(first("GET /é.txt HTTP/1.1\r\nHost: x\r\n\r\n")?.body.text == "accent")
        #expect(first("GET /%C3%A9.txt HTTP/1.1\r\nHost: x\r\n\r\n")?.body.text == "accent")
        let c = f.server.makeConnection()
        let zero = HTTPTestResponse.parseAll(exchange(c, [[UInt8]("GET /hello.txt\r\n")]))
        #expect(zero.first?.status == 400, "HTTP/0.9's request line, answered without waiting for a blank line")
        #expect(c.takeAccessLogEntries().map(\.status) == [400])
    }
}
