import Testing
@testable import TernServices

@Suite struct HTTPRequestParserTests {
    typealias Event = HTTPRequestParser.Event

    /// Feeds `chunks` in order, collecting every event; stops at a failure.
    private func events(_ chunks: [[UInt8]], limits: HTTPRequestParser.Limits = .init()) -> [Event] {
        var parser = HTTPRequestParser(limits: limits)
        var events: [Event] = []
        for chunk in chunks {
            chunk.withUnsafeBytes { raw in
                var rest = raw
                while let event = parser.next(&rest) {
                    events.append(event)
                    if case .failure = event { return }
                }
                #expect(rest.isEmpty)
            }
            if case .failure? = events.last { break }
        }
        return events
    }

    private func events(_ text: String, limits: HTTPRequestParser.Limits = .init()) -> [Event] {
        events([[UInt8](text)], limits: limits)
    }

    private func failure(_ text: String, limits: HTTPRequestParser.Limits = .init()) -> HTTPRequestError? {
        if case .failure(let e)? = events(text, limits: limits).last { return e }
        return nil
    }

    private func head(_ text: String) -> HTTPRequestHead? {
        if case .head(let h)? = events(text).first { return h }
        return nil
    }

    @Test func simpleGet() throws {
        let h = try #require(head("GET /index.html HTTP/1.1\r\nHost: example\r\nAccept: */*\r\n\r\n"))
        #expect(h.method == "GET")
        #expect(h.target == "/index.html")
        #expect(h.version == .http11)
        #expect(h.headers == [HTTPHeaderField(name: "Host", value: "example"), HTTPHeaderField(name: "Accept", value: "*/*")])
        #expect(h.value(of: "HOST") == "example")
        #expect(h.keepAlive)
        #expect(events("GET / HTTP/1.1\r\nHost: x\r\n\r\n").last == .messageComplete)
    }

    /// A pipelined stream with bodies, fed at every split point and one byte at a time,
    /// gives the same events as when fed whole.
    @Test func everySplitPointOfAPipelinedStream() {
        let stream = [UInt8](
            "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                + "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: t\r\n\r\n"
                + "HEAD /d HTTP/1.0\n\n")
        let whole = events([stream])
        let targets = whole.compactMap { if case .head(let h) = $0 { h.target } else { nil } }
        #expect(targets == ["/a", "/b", "/c", "/d"])
        #expect(whole.filter { $0 == .messageComplete }.count == 4)
        #expect(!whole.contains { if case .failure = $0 { true } else { false } })
        for cut in 0...stream.count {
            #expect(events([Array(stream[..<cut]), Array(stream[cut...])]) == whole, "cut at \(cut)")
        }
        #expect(events(stream.map { [$0] }) == whole, "one byte at a time")
    }

    @Test func twoCutsAcrossHeaderAndBody() {
        let stream = [UInt8]("GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET /y HTTP/1.1\r\nHost: h\r\n\r\n")
        let whole = events([stream])
        for a in 0...stream.count {
            for b in a...stream.count where (a + b) % 3 == 0 {
                #expect(events([Array(stream[..<a]), Array(stream[a..<b]), Array(stream[b...])]) == whole)
            }
        }
    }

    @Test func keepAliveRules() {
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\n\r\n")?.keepAlive == true)
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?.keepAlive == false)
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, CLOSE\r\n\r\n")?.keepAlive == false)
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")?.keepAlive == true)
        #expect(head("GET / HTTP/1.0\r\n\r\n")?.keepAlive == false)
        #expect(head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")?.keepAlive == true,
                "HTTP/1.0 keeps the connection when it asks to, as nginx does")
        #expect(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")?.keepAlive == true)
        #expect(head("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n")?.keepAlive == false, "close wins")
        #expect(head("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n")?.keepAlive == false)
        #expect(head("GET / HTTP/1.0\r\nKeep-Alive: timeout=5\r\n\r\n")?.keepAlive == false,
                "only the Connection field asks for it")
        #expect(head("GET / HTTP/1.2\r\nHost: x\r\n\r\n")?.keepAlive == true, "a later 1.x minor is treated as 1.1")
    }

    @Test func leadingBlankLinesAreIgnored() {
        #expect(head("\r\n\r\nGET / HTTP/1.0\r\n\r\n")?.target == "/")
    }

    @Test func bareLineFeedsAreAccepted() {
        #expect(head("GET /lf HTTP/1.1\nHost: x\n\n")?.target == "/lf")
    }

    @Test func headerValuesAreTrimmed() {
        #expect(head("GET / HTTP/1.1\r\nHost:   x \t\r\nX-Empty:\r\n\r\n")?.headers
            == [HTTPHeaderField(name: "Host", value: "x"), HTTPHeaderField(name: "X-Empty", value: "")])
    }

    @Test func absoluteFormTargetIsKept() {
        #expect(head("GET http://example.com/a?b HTTP/1.1\r\nHost: example.com\r\n\r\n")?.target == "http://example.com/a?b")
    }

    @Test func malformedRequestLines() {
        for text in [
            "GET /\r\n\r\n",  // HTTP/0.9
            "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1 \r\nHost: x\r\n\r\n",
            "GET / http/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.10\r\nHost: x\r\n\r\n",
            "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /a\u{7F} HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /a\u{1} HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /\rx HTTP/1.1\r\nHost: x\r\n\r\n",
        ] {
            #expect(failure(text) == .malformedRequestLine, "\(text.debugDescription)")
        }
    }

    @Test func malformedHeaders() {
        for text in [
            "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\n: empty-name\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX: a\u{0}b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n",
        ] {
            #expect(failure(text) == .malformedHeader, "\(text.debugDescription)")
        }
    }

    @Test func hostRules() {
        #expect(failure("GET / HTTP/1.1\r\n\r\n") == .missingHost)
        #expect(failure("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n") == .multipleHosts)
        #expect(head("GET / HTTP/1.0\r\n\r\n") != nil, "HTTP/1.0 needs no Host")
    }

    @Test func unsupportedVersion() {
        #expect(failure("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == .unsupportedVersion)
        #expect(failure("GET / HTTP/2.0\r\nHost: x\r\n\r\n")?.status.code == 505)
    }

    @Test func headSizeIsBounded() {
        let limits = HTTPRequestParser.Limits(maximumHeadLength: 100, maximumHeaderCount: 3)
        let big = "GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "a", count: 100) + "\r\n\r\n"
        #expect(failure(big, limits: limits) == .headTooLarge)
        #expect(failure(big, limits: limits)?.status.code == 431)
        // Without a line end at all, the bound still applies.
        #expect(failure(String(repeating: "A", count: 101), limits: limits) == .headTooLarge)
        #expect(failure(String(repeating: "\r\n", count: 60), limits: limits) == .headTooLarge)
        #expect(failure("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: limits) == .tooManyHeaders)
        // One byte below the bound is fine.
        let fits = "GET / HTTP/1.0\r\nX: " + String(repeating: "a", count: 77) + "\r\n\r\n"
        #expect(fits.utf8.count == 100)
        #expect(head(fits) != nil)
        #expect(events(fits, limits: limits).last == .messageComplete)
    }

    @Test("the head bound gives the same verdict at every split point, just below, at and above it")
    func headBoundAtEverySplit() {
        let limits = HTTPRequestParser.Limits(maximumHeadLength: 100, maximumHeaderCount: 3)
        for padding in 74...77 {
            let bytes = [UInt8](("\r\nGET / HTTP/1.0\r\nX: " + String(repeating: "a", count: padding) + "\r\n\r\n").utf8)
            let whole = events([bytes], limits: limits)
            #expect(whole.last == (padding <= 75 ? .messageComplete : .failure(.headTooLarge)), "padding \(padding)")
            for cut in 0...bytes.count {
                let split = events([Array(bytes[..<cut]), Array(bytes[cut...])], limits: limits)
                #expect(split == whole, "padding \(padding), cut at \(cut)")
            }
        }
        // 2 preamble bytes + 98 head bytes fit; one more does not.
        #expect(events("\r\nGET / HTTP/1.0\r\nX: " + String(repeating: "a", count: 75) + "\r\n\r\n", limits: limits).last
                == .messageComplete)
        #expect(failure("\r\nGET / HTTP/1.0\r\nX: " + String(repeating: "a", count: 76) + "\r\n\r\n", limits: limits)
                == .headTooLarge)
    }

    @Test func contentLengthRules() {
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")?.bodyFraming == HTTPBodyFraming.none)
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n")?.bodyFraming == .contentLength(5))
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n")?.bodyFraming == .contentLength(5))
        for bad in ["-1", "5, 6", "1e3", "", " ", "0x10", "99999999999999999999", "+5"] {
            #expect(failure("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: \(bad)\r\n\r\n") == .invalidContentLength, "\(bad)")
        }
    }

    @Test func transferEncodingRules() {
        #expect(head("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n")?.bodyFraming == .chunked)
        #expect(failure("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n") == .invalidTransferEncoding)
        #expect(failure("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n") == .invalidTransferEncoding)
        #expect(failure("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n") == .invalidTransferEncoding)
        #expect(failure("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == .invalidTransferEncoding)
    }

    @Test func chunkedBodiesAreReadAndDiscarded() {
        let text = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "A\r\n0123456789\r\nff \r\n" + String(repeating: "z", count: 255) + "\r\n0\r\n\r\n"
            + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n"
        let e = events(text)
        #expect(e.count == 4)
        if e.count == 4, case .head(let h) = e[2] { #expect(h.target == "/next") } else { Issue.record("no second head") }
        #expect(e.last == .messageComplete)
    }

    @Test func malformedChunks() {
        let prefix = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        for body in ["g\r\n", "\r\n", "3\r\nabcX\r\n", "1000000000000000\r\n", "3x\r\n",
                     "5;" + String(repeating: "e", count: 2000) + "\r\n"] {
            #expect(failure(prefix + body) == .malformedChunkedBody, "\(body.prefix(20).debugDescription)")
        }
    }

    @Test func failureIsSticky() {
        var parser = HTTPRequestParser()
        [UInt8]("BAD\r\n\r\nGET / HTTP/1.0\r\n\r\n").withUnsafeBytes { raw in
            var rest = raw
            #expect(parser.next(&rest) == .failure(.malformedRequestLine))
            #expect(parser.next(&rest) == .failure(.malformedRequestLine))
        }
    }

    @Test func idleAndAwaitingState() {
        var parser = HTTPRequestParser()
        #expect(parser.isIdle)
        [UInt8]("GET / HT").withUnsafeBytes { raw in
            var rest = raw
            #expect(parser.next(&rest) == nil)
        }
        #expect(!parser.isIdle)
        #expect(parser.isAwaitingHead)
    }

    @Test func largeContentLengthIsCountedNotBuffered() {
        var parser = HTTPRequestParser()
        var e: [Event] = []
        [UInt8]("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000000\r\n\r\n").withUnsafeBytes { raw in
            var rest = raw
            while let event = parser.next(&rest) { e.append(event) }
        }
        #expect(e.count == 1)
        let chunk = [UInt8](repeating: 0, count: 1 << 20)
        chunk.withUnsafeBytes { raw in
            var rest = raw
            #expect(parser.next(&rest) == nil)
            #expect(rest.isEmpty)
        }
        #expect(!parser.isAwaitingHead)
    }
}
