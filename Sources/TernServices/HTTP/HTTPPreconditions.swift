/// The conditional and range fields of a request, as received. A field that may appear only
/// once but came more than once holds "" (invalid for each of them, so it is ignored as RFC
/// 9110 asks for an invalid one); `If-Match` and `If-None-Match` lines are joined as a list.
public struct HTTPConditionalFields: Equatable, Sendable {
    public var ifMatch: String?
    public var ifNoneMatch: String?
    public var ifModifiedSince: String?
    public var ifUnmodifiedSince: String?
    public var ifRange: String?
    public var range: String?

    public init() {}

    /// True when none was sent: the common case, answered from the cached head.
    public var isEmpty: Bool {
        ifMatch == nil && ifNoneMatch == nil && ifModifiedSince == nil && ifUnmodifiedSince == nil
            && ifRange == nil && range == nil
    }
}

/// RFC 9110 §13.2.2: the order in which a server evaluates preconditions, for a file that
/// exists and would otherwise be served with 200.
enum HTTPPreconditions {
    enum Outcome: Equatable {
        /// Serve it; honour the Range field only when `rangeAllowed` (If-Range passed or absent).
        case proceed(rangeAllowed: Bool)
        case notModified
        case preconditionFailed
    }

    /// - `etag`: the file's strong tag; `lastModified`: its modification time; `now`: the
    ///   server's clock when known (for RFC 850 years and the strength of a date validator).
    /// - GET and HEAD only (the only methods served): If-None-Match and If-Modified-Since
    ///   answer 304, If-Match and If-Unmodified-Since 412.
    static func evaluate(_ fields: HTTPConditionalFields, isGet: Bool, etag: String, lastModified: Int64,
                         now: Int64?) -> Outcome {
        // 1. If-Match: a malformed list matches nothing, so the precondition fails safe.
        if let ifMatch = fields.ifMatch {
            guard EntityTag.listMatches(ifMatch, current: etag, comparison: .strong) == true else {
                return .preconditionFailed
            }
        } else if let text = fields.ifUnmodifiedSince, let date = HTTPDate.parse(text, now: now) {
            // 2. If-Unmodified-Since, only without If-Match; an invalid date is ignored.
            if lastModified > date { return .preconditionFailed }
        }
        // 3. If-None-Match: a match means the client's copy is current.
        if let ifNoneMatch = fields.ifNoneMatch {
            if EntityTag.listMatches(ifNoneMatch, current: etag, comparison: .weak) == true { return .notModified }
        } else if let text = fields.ifModifiedSince, let date = HTTPDate.parse(text, now: now) {
            // 4. If-Modified-Since, only without If-None-Match.
            if lastModified <= date { return .notModified }
        }
        // 5. If-Range decides whether Range applies (GET only; Range means nothing otherwise).
        guard isGet, fields.range != nil else { return .proceed(rangeAllowed: false) }
        guard let ifRange = fields.ifRange else { return .proceed(rangeAllowed: true) }
        return .proceed(rangeAllowed: ifRangeMatches(ifRange, etag: etag, lastModified: lastModified, now: now))
    }

    /// An entity tag must match strongly; a date must equal the modification time exactly,
    /// and only counts when that time is at least a second before now (RFC 9110 §8.8.2.2:
    /// a file changed within the second of its Last-Modified could change again unseen).
    private static func ifRangeMatches(_ value: String, etag: String, lastModified: Int64, now: Int64?) -> Bool {
        if EntityTag.isEntityTagForm(value) {
            // Exactly one tag: If-Range takes no list.
            return !value.utf8.contains(UInt8(ascii: ",")) && EntityTag.listMatches(value, current: etag, comparison: .strong) == true
        }
        guard let date = HTTPDate.parse(value, now: now), date == lastModified else { return false }
        if let now { return lastModified < now }
        return true
    }
}
