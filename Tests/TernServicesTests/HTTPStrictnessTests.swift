import Testing
@testable import TernServices

/// The parser's rules for Host, bounds, version-less request lines, raw UTF-8 targets, and
/// the conditional, Range and Expect fields it notes.
@Suite struct HTTPStrictnessTests {
    typealias Event = HTTPRequestParser.Event

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
            }
            if case .failure? = events.last { break }
        }
        return events
    }

    private func first(_ text: String, limits: HTTPRequestParser.Limits = .init()) -> Event? {
        events([[UInt8](text)], limits: limits).first
    }

    private func head(_ text: String) -> HTTPRequestHead? {
        if case .head(let h)? = first(text) { return h }
        return nil
    }

    @Test func hostValues() {
        for host in ["example.com", "example.com:80", "example.com:", "10.0.0.2", "10.0.0.2:8080", "[::1]", "[::1]:80",
                     "[v1.fe80::a+en1]", "xn--caf-dma.example", "a_b.example", "%41bc", "a!$&'()*+,;=b", ""] {
            #expect(head("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n") != nil, "\(host.debugDescription)")
        }
        for host in ["a b", "a:b", "a:80:80", "[::1", "::1", "[::1]x", "[::g]", "[]", "a/b", "a@b", "a%4", "a%zz", "a\"b",
                     "[v1]", "[v.x]", "é.example", "a?b", "a#b", "[::1]:8x"] {
            #expect(first("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n") == .failure(.invalidHost), "\(host.debugDescription)")
        }
        #expect(first("GET / HTTP/1.0\r\nHost: a b\r\n\r\n") == .failure(.invalidHost), "in HTTP/1.0 too")
        #expect(HTTPRequestError.invalidHost.status.code == 400)
    }

    /// The request line's bound gives 414 just above it, at every split point; the head's
    /// bound gives 431; the default bounds are 8 KiB and 16 KiB.
    @Test func requestLineAndHeadBounds() {
        let defaults = HTTPRequestParser.Limits()
        #expect(defaults.maximumRequestLineLength == 8 * 1024)
        #expect(defaults.maximumHeadLength == 16 * 1024)
        let limits = HTTPRequestParser.Limits(maximumHeadLength: 200, maximumRequestLineLength: 60)
        for (pathLength, expected) in [(45, "head"), (46, "head"), (47, "414"), (300, "414")] {
            // "GET /" + path + " HTTP/1.1" is pathLength + 14 bytes.
            let stream = [UInt8]("GET /" + String(repeating: "a", count: pathLength) + " HTTP/1.1\r\nHost: x\r\n\r\n")
            for split in 0...stream.count {
                let got = events([Array(stream[..<split]), Array(stream[split...])], limits: limits).first
                switch got {
                case .head?: #expect(expected == "head", "\(pathLength) split \(split)")
                case .failure(.requestLineTooLong)?: #expect(expected == "414", "\(pathLength) split \(split)")
                default: Issue.record("\(pathLength) split \(split): \(String(describing: got))")
                }
            }
        }
        let many = "GET / HTTP/1.1\r\nHost: x\r\n" + String(repeating: "X-A: 0123456789\r\n", count: 12) + "\r\n"
        #expect(first(many, limits: limits) == .failure(.headTooLarge))
        #expect(HTTPRequestError.requestLineTooLong.status.code == 414)
        #expect(HTTPRequestError.headTooLarge.status.code == 431)
        let longTarget = "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n"
        #expect(first(longTarget) == .failure(.requestLineTooLong))
        let bigHeader = "GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "a", count: 16 * 1024) + "\r\n\r\n"
        #expect(first(bigHeader) == .failure(.headTooLarge))
    }

    /// HTTP/0.9's `GET /path` gets its 400 as soon as its line ends: no blank line follows.
    @Test func versionlessRequestLineFailsAtOnce() {
        for line in ["GET /x\r\n", "GET /x\n", "GET\r\n", "GET / HTTP/1.1x\r\n", "GET / HTTP/\r\n", "x\r\n",
                     "GET / HTTP1.1\r\n", "GET /HTTP/1.1\r\n"] {
            #expect(first(line) == .failure(.malformedRequestLine), "\(line.debugDescription)")
        }
        // Until the line ends nothing is decided.
        #expect(first("GET /x") == nil)
        #expect(first("GET / HTTP/1.1\r\n") == nil, "a valid request line waits for its headers")
        #expect(first("GET / HTTP/2.0\r\n\r\n") == .failure(.unsupportedVersion))
    }

    @Test func rawUTF8TargetsArePercentEncoded() {
        #expect(head("GET /é.txt HTTP/1.1\r\nHost: x\r\n\r\n")?.target == "/%C3%A9.txt")
        #expect(head("GET /a\u{FF}b HTTP/1.1\r\nHost: x\r\n\r\n")?.target == "/a%C3%BFb")
        var raw = [UInt8]("GET /a")
        raw += [0xFF, 0x80]
        raw += [UInt8](" HTTP/1.1\r\nHost: x\r\n\r\n")
        if case .head(let h)? = events([raw]).first {
            #expect(h.target == "/a%FF%80", "not valid UTF-8: encoded byte for byte")
        } else {
            Issue.record("raw bytes above 0x7F are accepted")
        }
    }

    /// Every conditional field, Range and Expect, fed at every split point, gives the same head.
    @Test func conditionalFieldsAtEverySplitPoint() throws {
        let stream = [UInt8](
            "GET /f HTTP/1.1\r\nHost: x\r\nIf-Match: \"a\"\r\nIf-None-Match: \"b\", W/\"c\"\r\n"
                + "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nIf-Unmodified-Since: Sunday, 06-Nov-94 08:49:37 GMT\r\n"
                + "If-Range: \"a\"\r\nRange: bytes=0-1,-5\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc")
        let whole = events([stream])
        guard case .head(let h)? = whole.first else {
            Issue.record("no head: \(whole)")
            return
        }
        #expect(h.conditions.ifMatch == "\"a\"")
        #expect(h.conditions.ifNoneMatch == "\"b\", W/\"c\"")
        #expect(h.conditions.ifModifiedSince == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(h.conditions.ifUnmodifiedSince == "Sunday, 06-Nov-94 08:49:37 GMT")
        #expect(h.conditions.ifRange == "\"a\"")
        #expect(h.conditions.range == "bytes=0-1,-5")
        #expect(h.expectsContinue)
        #expect(whole.last == .messageComplete)
        for split in 0...stream.count {
            #expect(events([Array(stream[..<split]), Array(stream[split...])]) == whole, "split at \(split)")
        }
        for second in stride(from: 1, to: stream.count, by: 7) {
            for first in stride(from: 0, to: second, by: 5) {
                let pieces = [Array(stream[..<first]), Array(stream[first..<second]), Array(stream[second...])]
                #expect(events(pieces) == whole, "split at \(first) and \(second)")
            }
        }
    }

    @Test func fieldNamesAreCaseInsensitiveAndListsJoin() {
        let h = head("GET / HTTP/1.1\r\nhost: x\r\nIF-NONE-MATCH: \"a\"\r\nif-none-match: \"b\"\r\nrAnGe: bytes=1-2\r\n\r\n")
        #expect(h?.conditions.ifNoneMatch == "\"a\", \"b\"")
        #expect(h?.conditions.range == "bytes=1-2")
    }

    @Test func repeatedSingletonFieldsBecomeInvalid() {
        let h = head("GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nRange: bytes=2-3\r\n"
            + "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            + "If-Range: \"a\"\r\nIf-Range: \"a\"\r\nIf-Unmodified-Since: x\r\nIf-Unmodified-Since: y\r\n\r\n")
        #expect(h?.conditions.range == "")
        #expect(h?.conditions.ifModifiedSince == "")
        #expect(h?.conditions.ifRange == "")
        #expect(h?.conditions.ifUnmodifiedSince == "")
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\n\r\n")?.conditions.isEmpty == true)
    }

    @Test func expectContinue() {
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n")?.expectsContinue == true)
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n")?.expectsContinue == true)
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n")?.expectsContinue == false, "no body")
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n")?.expectsContinue == false)
        #expect(head("GET / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")?.expectsContinue == false,
                "ignored in HTTP/1.0")
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\n")?.expectsContinue == false)
    }
}
