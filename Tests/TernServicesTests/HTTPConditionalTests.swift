import Testing
@testable import TernServices

@Suite struct EntityTagTests {
    @Test func tagsFromTimeAndSize() {
        #expect(EntityTag.of(modificationTime: 0x5f5e1000, size: 0x1a2b) == "\"5f5e1000-1a2b\"")
        #expect(EntityTag.of(modificationTime: 0, size: 0) == "\"0-0\"")
    }

    @Test func listMatching() {
        let tag = "\"5-a\""
        func strong(_ v: String) -> Bool? { EntityTag.listMatches(v, current: tag, comparison: .strong) }
        func weak(_ v: String) -> Bool? { EntityTag.listMatches(v, current: tag, comparison: .weak) }
        #expect(strong("*") == true)
        #expect(strong(" * ") == true)
        #expect(strong("\"5-a\"") == true)
        #expect(strong("\"x\", \"5-a\"") == true)
        #expect(strong("\"x\",\"5-a\"") == true)
        #expect(strong(", ,\"5-a\" ,") == true, "empty list elements are allowed")
        #expect(strong("W/\"5-a\"") == false, "a weak tag never matches strongly")
        #expect(weak("W/\"5-a\"") == true)
        #expect(weak("\"5-A\"") == false, "opaque tags are compared exactly")
        #expect(strong("\"x\"") == false)
        for malformed in ["5-a", "\"5-a", "\"5-a\" \"x\"", "w/\"5-a\"", "**", "\"a\"b", "\"a\u{7F}\"", ""] {
            #expect(strong(malformed) == nil, "\(malformed.debugDescription)")
        }
    }
}

@Suite struct ByteRangesTests {
    typealias S = ByteRanges.Selection

    @Test(arguments: [
        ("bytes=0-99", S.ranges([0..<100])),
        ("bytes=0-0", .ranges([0..<1])),
        ("bytes=999-999", .ranges([999..<1000])),
        ("bytes=500-", .ranges([500..<1000])),
        ("bytes=0-", .ranges([0..<1000])),
        ("bytes=-100", .ranges([900..<1000])),
        ("bytes=-5000", .ranges([0..<1000])),
        ("bytes=900-5000", .ranges([900..<1000])),
        ("bytes=900-99999999999999999999999", .ranges([900..<1000])),
        ("BYTES=1-2", .ranges([1..<3])),
        ("bytes= 1-2 ", .ranges([1..<3])),
        ("bytes=0-1,5-6", .ranges([0..<2, 5..<7])),
        ("bytes=5-6, 0-1", .ranges([5..<7, 0..<2])),
        ("bytes=0-1,,5-6,", .ranges([0..<2, 5..<7])),
        ("bytes=0-1,2000-3000", .ranges([0..<2])),
        ("bytes=1000-", .unsatisfiable),
        ("bytes=1000-2000", .unsatisfiable),
        ("bytes=-0", .unsatisfiable),
        ("bytes=1000-,2000-", .unsatisfiable),
        ("bytes=0-600,500-999", .whole),  // overlaps sum to more than the file
        ("bytes=5-4", .whole),
        ("bytes=x-5", .whole),
        ("bytes=-", .whole),
        ("bytes=1-2-3", .whole),
        ("bytes=", .whole),
        ("bytes", .whole),
        ("bits=0-5", .whole),
        ("bytes =0-5", .whole),
        ("", .whole),
        ("bytes=0-5;x", .whole),
        ("bytes=+1-5", .whole),
    ])
    func selection(_ field: String, _ expected: ByteRanges.Selection) {
        #expect(ByteRanges.select(field, length: 1000) == expected)
    }

    @Test func manyRangesGetTheWholeFile() {
        let sixteen = (0..<16).map { "\($0 * 10)-\($0 * 10 + 1)" }.joined(separator: ",")
        guard case .ranges(let r) = ByteRanges.select("bytes=" + sixteen, length: 1000) else {
            Issue.record("16 ranges are served")
            return
        }
        #expect(r.count == 16)
        #expect(ByteRanges.select("bytes=" + sixteen + ",500-501", length: 1000) == .whole)
    }

    @Test func emptyFile() {
        #expect(ByteRanges.select("bytes=0-", length: 0) == .unsatisfiable)
        #expect(ByteRanges.select("bytes=-5", length: 0) == .unsatisfiable)
    }
}

@Suite struct HTTPPreconditionsTests {
    let etag = "\"64-a\""
    let modified: Int64 = 1_000_000
    let dateBefore = HTTPDate.format(unixTime: 999_999)
    let dateAt = HTTPDate.format(unixTime: 1_000_000)
    let dateAfter = HTTPDate.format(unixTime: 1_000_001)

    private func evaluate(_ configure: (inout HTTPConditionalFields) -> Void, isGet: Bool = true) -> HTTPPreconditions.Outcome {
        var fields = HTTPConditionalFields()
        configure(&fields)
        return HTTPPreconditions.evaluate(fields, isGet: isGet, etag: etag, lastModified: modified, now: 2_000_000)
    }

    @Test func ifMatchAndIfUnmodifiedSince() {
        #expect(evaluate { $0.ifMatch = etag } == .proceed(rangeAllowed: false))
        #expect(evaluate { $0.ifMatch = "\"other\"" } == .preconditionFailed)
        #expect(evaluate { $0.ifMatch = "W/\"64-a\"" } == .preconditionFailed, "strong comparison")
        #expect(evaluate { $0.ifMatch = "*" } == .proceed(rangeAllowed: false))
        #expect(evaluate { $0.ifMatch = "garbage" } == .preconditionFailed)
        #expect(evaluate { $0.ifUnmodifiedSince = dateBefore } == .preconditionFailed)
        #expect(evaluate { $0.ifUnmodifiedSince = dateAt } == .proceed(rangeAllowed: false))
        #expect(evaluate { $0.ifUnmodifiedSince = "not a date" } == .proceed(rangeAllowed: false), "an invalid date is ignored")
        #expect(evaluate { $0.ifUnmodifiedSince = "" } == .proceed(rangeAllowed: false), "a repeated field is ignored")
        // If-Match, when present, makes If-Unmodified-Since irrelevant (step 1 before step 2).
        #expect(evaluate { $0.ifMatch = etag; $0.ifUnmodifiedSince = dateBefore } == .proceed(rangeAllowed: false))
    }

    @Test func ifNoneMatchAndIfModifiedSince() {
        #expect(evaluate { $0.ifNoneMatch = etag } == .notModified)
        #expect(evaluate { $0.ifNoneMatch = "W/\"64-a\"" } == .notModified, "weak comparison")
        #expect(evaluate { $0.ifNoneMatch = "\"a\", \"64-a\"" } == .notModified)
        #expect(evaluate { $0.ifNoneMatch = "*" } == .notModified)
        #expect(evaluate { $0.ifNoneMatch = "\"old\"" } == .proceed(rangeAllowed: false))
        #expect(evaluate { $0.ifNoneMatch = "garbage" } == .proceed(rangeAllowed: false))
        #expect(evaluate { $0.ifModifiedSince = dateAt } == .notModified)
        #expect(evaluate { $0.ifModifiedSince = dateAfter } == .notModified)
        #expect(evaluate { $0.ifModifiedSince = dateBefore } == .proceed(rangeAllowed: false))
        #expect(evaluate { $0.ifModifiedSince = "yesterday" } == .proceed(rangeAllowed: false))
        // If-None-Match, when present, makes If-Modified-Since irrelevant.
        #expect(evaluate { $0.ifNoneMatch = "\"old\""; $0.ifModifiedSince = dateAfter } == .proceed(rangeAllowed: false))
        #expect(evaluate { $0.ifNoneMatch = etag; $0.ifModifiedSince = dateBefore } == .notModified)
        // A failed If-Match wins over a matching If-None-Match.
        #expect(evaluate { $0.ifMatch = "\"other\""; $0.ifNoneMatch = etag } == .preconditionFailed)
    }

    @Test func ifRange() {
        #expect(evaluate { $0.range = "bytes=0-1" } == .proceed(rangeAllowed: true))
        #expect(evaluate({ $0.range = "bytes=0-1" }, isGet: false) == .proceed(rangeAllowed: false), "Range is for GET")
        #expect(evaluate { $0.range = "bytes=0-1"; $0.ifRange = etag } == .proceed(rangeAllowed: true))
        #expect(evaluate { $0.range = "bytes=0-1"; $0.ifRange = "\"old\"" } == .proceed(rangeAllowed: false))
        #expect(evaluate { $0.range = "bytes=0-1"; $0.ifRange = "W/\"64-a\"" } == .proceed(rangeAllowed: false))
        #expect(evaluate { $0.range = "bytes=0-1"; $0.ifRange = dateAt } == .proceed(rangeAllowed: true))
        #expect(evaluate { $0.range = "bytes=0-1"; $0.ifRange = dateAfter } == .proceed(rangeAllowed: false), "dates match exactly")
        #expect(evaluate { $0.range = "bytes=0-1"; $0.ifRange = "junk" } == .proceed(rangeAllowed: false))
        #expect(evaluate { $0.ifRange = etag } == .proceed(rangeAllowed: false), "If-Range without Range")
        // A date validator within the second of the clock is weak: no range.
        var fields = HTTPConditionalFields()
        fields.range = "bytes=0-1"
        fields.ifRange = dateAt
        #expect(HTTPPreconditions.evaluate(fields, isGet: true, etag: etag, lastModified: modified, now: modified)
            == .proceed(rangeAllowed: false))
        // Preconditions come first.
        #expect(evaluate { $0.range = "bytes=0-1"; $0.ifNoneMatch = etag } == .notModified)
    }
}
