import Glibc
import Testing
@testable import TernServices

@Suite struct HTTPConnectionTests {
    @Test func getAFile() throws {
        let f = try HTTPServerFixture()
        let c = f.server.makeConnection()
        let r = exchange(c, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(r.count == 1)
        #expect(r[0].statusLine == "HTTP/1.1 200 OK")
        #expect(r[0].header("Content-Type") == "text/plain; charset=utf-8")
        #expect(r[0].header("Content-Length") == "6")
        #expect(r[0].header("Server") == "tern")
        #expect(r[0].header("Connection") == "keep-alive")
        #expect(r[0].header("Last-Modified")?.hasSuffix(" GMT") == true)
        #expect(r[0].header("Date") == nil, "no clock given")
        #expect(r[0].body == [UInt8]("hello\n"))
        #expect(c.disposition == .open)
        #expect(c.takeAccessLogEntries().map(\.description) == ["GET /hello.txt HTTP/1.1 200 6"])
        #expect(c.takeAccessLogEntries().isEmpty)
    }

    /// Idle keep-alive connections hold no file buffer: the one a response read its file
    /// into goes back to the server and serves the next response, on any connection.
    @Test func fileBuffersAreLentPerResponse() throws {
        let f = try HTTPServerFixture()
        let request = "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
        let a = f.server.makeConnection(), b = f.server.makeConnection()
        #expect(f.server.spareFileBufferCount == 0)
        #expect(exchange(a, request).first?.body == [UInt8]("hello\n"))
        #expect(a.disposition == .open)
        #expect(f.server.spareFileBufferCount == 1, "the buffer came back when the response ended")
        #expect(exchange(b, request).first?.body == [UInt8]("hello\n"))
        #expect(f.server.spareFileBufferCount == 1, "the second connection borrowed and returned the same spare")
        #expect(exchange(a, request).first?.body == [UInt8]("hello\n"))
        #expect(f.server.spareFileBufferCount == 1)
        f.server.releaseCachedFiles()
        #expect(f.server.spareFileBufferCount == 0)
    }

    @Test func openFilesAreReusedForAboutASecond() throws {
        let f = try HTTPServerFixture()
        f.server.unixTime = 1000
        let request = "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
        #expect(exchange(f.server.makeConnection(), request).first?.body == [UInt8]("hello\n"))
        // Replaced on disk: within the same second the open file (and its length) is served.
        unlink(f.directory.url("www/hello.txt"))
        try f.directory.write("www/hello.txt", "changed!\n")
        f.server.unixTime = 1001
        let cached = exchange(f.server.makeConnection(), request).first
        #expect(cached?.body == [UInt8]("hello\n"))
        #expect(cached?.header("Date") == "Thu, 01 Jan 1970 00:16:41 GMT", "the Date is current all the same")
        // Two seconds on, the file is looked up again.
        f.server.unixTime = 1002
        #expect(exchange(f.server.makeConnection(), request).first?.body == [UInt8]("changed!\n"))
        // Keep-alive and close heads are cached apart.
        let closing = exchange(f.server.makeConnection(), "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(closing.first?.header("Connection") == "close")
    }

    @Test func dateHeaderWhenTheAdapterGivesTheTime() throws {
        let f = try HTTPServerFixture()
        f.server.unixTime = 784_111_777
        let r = exchange(f.server.makeConnection(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(r.first?.header("Date") == "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    @Test func requestSplitAtEveryPoint() throws {
        let f = try HTTPServerFixture()
        let request = [UInt8]("GET /hello.txt HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\nGET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
        let whole = exchange(f.server.makeConnection(), [request])
        #expect(HTTPTestResponse.parseAll(whole).map(\.status) == [200, 200])
        for cut in 0...request.count {
            let c = f.server.makeConnection()
            #expect(exchange(c, [Array(request[..<cut]), Array(request[cut...])]) == whole, "cut at \(cut)")
        }
        #expect(exchange(f.server.makeConnection(), request.map { [$0] }) == whole, "one byte at a time")
        #expect(exchange(f.server.makeConnection(), request.map { [$0] }, window: 1) == whole, "and a 1-byte window")
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let f = try HTTPServerFixture()
        let c = f.server.makeConnection()
        let r = exchange(c, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"
            + "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(r.map(\.status) == [200, 404, 200, 200])
        #expect(r[2].body == [UInt8]("<p>hi</p>\n"))
        #expect(r[3].header("Connection") == "close")
        #expect(c.disposition == .closeAfterOutput)
        #expect(c.takeAccessLogEntries().map(\.target) == ["/hello.txt", "/missing", "/index.html", "/hello.txt"])
    }

    @Test func http10Closes() throws {
        let f = try HTTPServerFixture()
        let c = f.server.makeConnection()
        let r = exchange(c, "GET /hello.txt HTTP/1.0\r\n\r\n")
        #expect(r.first?.statusLine == "HTTP/1.1 200 OK")
        #expect(r.first?.header("Connection") == "close")
        #expect(c.disposition == .closeAfterOutput)
        #expect(!c.hasPendingOutput)
    }

    @Test func http11ConnectionClose() throws {
        let f = try HTTPServerFixture()
        let c = f.server.makeConnection()
        let r = exchange(c, "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(r.first?.header("Connection") == "close")
        #expect(c.disposition == .closeAfterOutput)
    }

    @Test func headGivesHeadersOnly() throws {
        let f = try HTTPServerFixture()
        let c = f.server.makeConnection()
        let out = exchange(c, [[UInt8]("HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nHEAD /nope HTTP/1.1\r\nHost: x\r\n\r\n")])
        let r = HTTPTestResponse.parseAll(out, headRequests: [0, 1])
        #expect(r.count == 2)
        #expect(r[0].status == 200)
        #expect(r[0].header("Content-Length") == "6")
        #expect(r[0].body.isEmpty)
        #expect(r[1].status == 404)
        #expect(r[1].header("Content-Length") == "14")
        #expect(c.takeAccessLogEntries().map(\.bodyBytesSent) == [0, 0])
    }

    @Test func errorStatuses() throws {
        let f = try HTTPServerFixture()
        func first(_ request: String) -> HTTPTestResponse? { exchange(f.server.makeConnection(), request).first }
        let notFound = first("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(notFound?.status == 404)
        #expect(notFound?.body == [UInt8]("404 Not Found\n"))
        #expect(notFound?.header("Content-Type") == "text/plain; charset=utf-8")

        let post = first("POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        #expect(post?.status == 405)
        #expect(post?.header("Allow") == "GET, HEAD")
        for method in ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"] {
            #expect(first("\(method) / HTTP/1.1\r\nHost: x\r\n\r\n")?.status == 405, "\(method)")
        }
        #expect(first("BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n")?.status == 501)
        #expect(first("get / HTTP/1.1\r\nHost: x\r\n\r\n")?.status == 501, "methods are case-sensitive")
        #expect(first("GET / HTTP/1.1\r\n\r\n")?.status == 400)
        #expect(first("GARBAGE\r\n\r\n")?.status == 400)
        #expect(first("GET / HTTP/3.0\r\nHost: x\r\n\r\n")?.status == 505)
        #expect(first("GET * HTTP/1.1\r\nHost: x\r\n\r\n")?.status == 400)
        #expect(first("GET /a#frag HTTP/1.1\r\nHost: x\r\n\r\n")?.status == 400)
        #expect(first("GET /a%00 HTTP/1.1\r\nHost: x\r\n\r\n")?.status == 400)
        #expect(first("GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n")?.status == 404)
        #expect(first("GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n")?.status == 404)
    }

    @Test func oversizedHeadGets431AndCloses() throws {
        let f = try HTTPServerFixture()
        let c = f.server.makeConnection()
        let big = "GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "a", count: 16 * 1024) + "\r\n\r\n"
        let r = exchange(c, big)
        #expect(r.map(\.status) == [431])
        #expect(r.first?.header("Connection") == "close")
        #expect(c.disposition == .closeAfterOutput)
        #expect(c.takeAccessLogEntries().map(\.description) == ["- - - 431 36"])
    }

    @Test func errorsOfAKnownFramingKeepTheConnection() throws {
        let f = try HTTPServerFixture()
        let c = f.server.makeConnection()
        let r = exchange(c, "DELETE / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            + "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(r.map(\.status) == [405, 200])
        #expect(c.disposition == .open)
    }

    @Test func badRequestClosesAndIgnoresTheRest() throws {
        let f = try HTTPServerFixture()
        let c = f.server.makeConnection()
        let r = exchange(c, "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(r.map(\.status) == [400])
        #expect(c.disposition == .closeAfterOutput)
        #expect([UInt8]("more").withUnsafeBytes { c.receive($0, now: 2) } == 4, "later input is discarded")
        #expect(!c.hasPendingOutput)
    }

    @Test func directoryRedirectsAndIndexes() throws {
        let f = try HTTPServerFixture()
        let r = exchange(f.server.makeConnection(),
                         "GET /docs?x=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /docs/ HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(r.map(\.status) == [301, 200, 200])
        #expect(r[0].header("Location") == "/docs/?x=1")
        #expect(r[1].body == [UInt8]("docs"))
        #expect(r[1].header("Content-Type") == "text/html; charset=utf-8")
        #expect(r[2].body == [UInt8]("<p>hi</p>\n"))
    }

    @Test func queryStringsAndAbsoluteForm() throws {
        let f = try HTTPServerFixture()
        let r = exchange(f.server.makeConnection(),
                         "GET /hello.txt?a=b&c=%2e%2e HTTP/1.1\r\nHost: x\r\n\r\n"
                         + "GET http://example.com/hello.txt HTTP/1.1\r\nHost: example.com\r\n\r\n"
                         + "GET HTTP://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n")
        #expect(r.map(\.status) == [200, 200, 200])
        #expect(r[0].body == [UInt8]("hello\n"))
        #expect(r[2].body == [UInt8]("<p>hi</p>\n"))
    }

    @Test func emptyFile() throws {
        let f = try HTTPServerFixture()
        let r = exchange(f.server.makeConnection(), "GET /empty.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(r.first?.status == 200)
        #expect(r.first?.header("Content-Length") == "0")
    }

    /// A file many times the chunk size streams through small windows, never offering more
    /// than one chunk at a time, and arrives intact.
    @Test func largeFileStreamsInBoundedPieces() throws {
        let f = try HTTPServerFixture(configuration: HTTPServerConfiguration(fileChunkSize: 4096))
        let size = 1_000_003
        let content = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        try f.directory.write("www/big.bin", content)
        let c = f.server.makeConnection()
        _ = [UInt8]("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n").withUnsafeBytes { c.receive($0, now: 0) }
        var out: [UInt8] = []
        var largestOffer = 0
        var generator = SeededGenerator(seed: 7)
        var events = 0
        while c.hasPendingOutput && events < 100_000 {
            // Each writable event, the window opens by a random amount.
            var window = Int.random(in: 0...9000, using: &generator)
            _ = c.sendOutput { bytes in
                largestOffer = max(largestOffer, bytes.count)
                let n = min(bytes.count, window)
                window -= n
                out += bytes[..<n]
                return n
            }
            events += 1
        }
        let r = HTTPTestResponse.parseAll(out)
        #expect(r.first?.header("Content-Type") == "application/octet-stream")
        #expect(r.first?.header("Content-Length") == String(size))
        #expect(r.first?.body == content)
        #expect(largestOffer <= 4096 || largestOffer == out.count - size, "only the head may exceed a chunk")
        #expect(c.takeAccessLogEntries().first?.bodyBytesSent == Int64(size))
    }

    @Test func fillOutputIntoACallerBuffer() throws {
        let f = try HTTPServerFixture()
        var c = f.server.makeConnection()
        _ = [UInt8]("GET /hello.txt HTTP/1.0\r\n\r\n").withUnsafeBytes { c.receive($0, now: 0) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 10)
        while c.hasPendingOutput {
            let n = buffer.withUnsafeMutableBytes { c.fillOutput(into: $0) }
            out += buffer[..<n]
        }
        #expect(HTTPTestResponse.parseAll(out).first?.body == [UInt8]("hello\n"))
        #expect(c.disposition == .closeAfterOutput)
    }

    @Test func fileThatShrinksWhileStreamingAborts() throws {
        let f = try HTTPServerFixture(configuration: HTTPServerConfiguration(fileChunkSize: 1000))
        try f.directory.write("www/shrink.bin", [UInt8](repeating: 1, count: 10_000))
        let c = f.server.makeConnection()
        _ = [UInt8]("GET /shrink.bin HTTP/1.1\r\nHost: x\r\n\r\n").withUnsafeBytes { c.receive($0, now: 0) }
        var sent = 0
        _ = c.sendOutput { bytes in
            let n = min(bytes.count, 3000 - sent)
            sent += n
            return n
        }
        try f.directory.truncate("www/shrink.bin", to: 2000)
        _ = c.sendOutput { $0.count }
        #expect(c.disposition == .abort)
        #expect(!c.hasPendingOutput)
        let log = c.takeAccessLogEntries()
        #expect(log.first?.completed == false)
        #expect(log.first?.status == 200)
    }

    @Test func pipelinedInputIsBoundedWhileBusy() throws {
        let f = try HTTPServerFixture(configuration: HTTPServerConfiguration(maximumBufferedInput: 100))
        let c = f.server.makeConnection()
        let first = [UInt8]("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(first.withUnsafeBytes { c.receive($0, now: 0) } == first.count)
        #expect(c.hasPendingOutput)
        // The response is not taken yet, so more requests wait in the buffer, up to its bound.
        let more = [UInt8](String(repeating: "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", count: 10).utf8)
        let taken = more.withUnsafeBytes { c.receive($0, now: 0) }
        #expect(taken == 100)
        #expect(c.receiveCapacity == 0)
        var out: [UInt8] = []
        _ = c.sendOutput { out += $0; return $0.count }
        #expect(c.receiveCapacity > 0, "draining the response frees the buffer")
        #expect(HTTPTestResponse.parseAll(out).count == 3, "the first and the two whole requests that fitted")
    }

    @Test func slowRequestTimesOutWith408() throws {
        let f = try HTTPServerFixture()
        let c = f.server.makeConnection()
        #expect(c.requestInProgressSince == nil)
        _ = [UInt8]("GET / HT").withUnsafeBytes { c.receive($0, now: 100) }
        #expect(c.requestInProgressSince == 100)
        _ = [UInt8]("TP/1.1\r\n").withUnsafeBytes { c.receive($0, now: 200) }
        #expect(c.requestInProgressSince == 100, "the clock runs from the first byte")
        c.timeOut()
        var out: [UInt8] = []
        _ = c.sendOutput { out += $0; return $0.count }
        #expect(HTTPTestResponse.parseAll(out).map(\.status) == [408])
        #expect(c.disposition == .closeAfterOutput)
        #expect(c.requestInProgressSince == nil)
    }

    @Test func progressClockResetsBetweenRequests() throws {
        let f = try HTTPServerFixture()
        let c = f.server.makeConnection()
        _ = [UInt8]("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").withUnsafeBytes { c.receive($0, now: 5) }
        #expect(c.requestInProgressSince == nil)
        _ = [UInt8]("GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc").withUnsafeBytes { c.receive($0, now: 6) }
        _ = c.sendOutput { $0.count }
        #expect(c.requestInProgressSince == 6, "a body still arriving counts as in progress")
        _ = [UInt8]("defghij").withUnsafeBytes { c.receive($0, now: 7) }
        #expect(c.requestInProgressSince == nil)
    }

    @Test func idleTimeoutJustCloses() throws {
        let f = try HTTPServerFixture()
        let c = f.server.makeConnection()
        c.timeOut()
        #expect(c.disposition == .closeAfterOutput)
        #expect(!c.hasPendingOutput)
    }

    @Test func timeoutWhileTheClientDoesNotReadResets() throws {
        let f = try HTTPServerFixture()
        let c = f.server.makeConnection()
        _ = [UInt8]("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").withUnsafeBytes { c.receive($0, now: 0) }
        c.timeOut()
        #expect(c.disposition == .abort)
        #expect(c.takeAccessLogEntries().first?.completed == false)
    }

    @Test func halfCloseAnswersThenCloses() throws {
        let f = try HTTPServerFixture()
        let c = f.server.makeConnection()
        _ = [UInt8]("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").withUnsafeBytes {
            c.receive($0, now: 0)
        }
        c.receiveEnd(now: 0)
        #expect(c.disposition == .open, "still answering")
        var out: [UInt8] = []
        _ = c.sendOutput { out += $0; return $0.count }
        #expect(HTTPTestResponse.parseAll(out).count == 2)
        #expect(c.disposition == .closeAfterOutput)
    }

    @Test func halfCloseMidRequestCloses() throws {
        let f = try HTTPServerFixture()
        let c = f.server.makeConnection()
        _ = [UInt8]("GET /hel").withUnsafeBytes { c.receive($0, now: 0) }
        c.receiveEnd(now: 0)
        #expect(c.disposition == .closeAfterOutput)
        #expect(!c.hasPendingOutput)
    }

    @Test func closedMidResponseLogsIncomplete() throws {
        let f = try HTTPServerFixture()
        let c = f.server.makeConnection()
        _ = [UInt8]("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").withUnsafeBytes { c.receive($0, now: 0) }
        c.connectionClosed()
        #expect(!c.hasPendingOutput)
        #expect(c.takeAccessLogEntries().map(\.description) == ["GET /hello.txt HTTP/1.1 200 0 (incomplete)"])
    }
}

@Suite struct HTTPResponseTests {
    @Test func responseHeadSerialization() {
        var head = HTTPResponseHead(status: .notFound)
        head.add("Server", "tern")
        head.add("X-Evil", "a\r\nInjected: yes")
        #expect(head.serialized() == [UInt8]("HTTP/1.1 404 Not Found\r\nServer: tern\r\nX-Evil: a  Injected: yes\r\n\r\n"))
    }

    @Test func dates() {
        #expect(HTTPDate.format(unixTime: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(unixTime: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(unixTime: 951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(HTTPDate.format(unixTime: 4_107_542_399) == "Sun, 28 Feb 2100 23:59:59 GMT")
        #expect(HTTPDate.format(unixTime: 4_107_542_400) == "Mon, 01 Mar 2100 00:00:00 GMT")
        #expect(HTTPDate.format(unixTime: -1) == "Wed, 31 Dec 1969 23:59:59 GMT")
        #expect(HTTPDate.format(unixTime: .max) == "Fri, 31 Dec 9999 23:59:59 GMT")
        #expect(HTTPDate.format(unixTime: .min) == "Mon, 01 Jan 0001 00:00:00 GMT")
    }

    @Test func percentDecoding() {
        #expect(PercentDecoding.decode([UInt8]("a%20b%2F%2f%C3%A9")) == [UInt8]("a b//é"))
        #expect(PercentDecoding.decode([UInt8]("%")) == nil)
        #expect(PercentDecoding.decode([UInt8]("%4")) == nil)
        #expect(PercentDecoding.decode([UInt8]("%g0")) == nil)
        #expect(PercentDecoding.decode([UInt8]("%%41")) == nil)
    }

    @Test func requestTargets() {
        #expect(RequestTarget("/a/b?c=d") == RequestTarget(path: "/a/b", query: "c=d"))
        #expect(RequestTarget("/") == RequestTarget(path: "/", query: nil))
        #expect(RequestTarget("http://h:8080/x?y") == RequestTarget(path: "/x", query: "y"))
        #expect(RequestTarget("https://h") == RequestTarget(path: "/", query: nil))
        #expect(RequestTarget("http://h?q") == RequestTarget(path: "/", query: "q"))
        #expect(RequestTarget("http:///x") == nil)
        #expect(RequestTarget("*") == nil)
        #expect(RequestTarget("example.com:443") == nil)
        #expect(RequestTarget("/a#b") == nil)
    }
}
