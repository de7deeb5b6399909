/// An HTTP version from a request line.
public struct HTTPVersion: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    public static let http10 = HTTPVersion(major: 1, minor: 0)
    public static let http11 = HTTPVersion(major: 1, minor: 1)

    public var description: String {
        // Every request's access-log record carries its version: no formatting for the usual two.
        switch (major, minor) {
        case (1, 1): "HTTP/1.1"
        case (1, 0): "HTTP/1.0"
        default: "HTTP/\(major).\(minor)"
        }
    }
}

/// One header field line, as received.
public struct HTTPHeaderField: Equatable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// How the body of a request is delimited (RFC 9112 §6).
public enum HTTPBodyFraming: Equatable, Sendable {
    case none
    case contentLength(UInt64)
    case chunked
}

/// A parsed request line and header section.
public struct HTTPRequestHead: Equatable, Sendable {
    /// Case-sensitive, as sent (RFC 9110 §9.1).
    public var method: String
    /// The request-target exactly as sent: visible ASCII only.
    public var target: String
    public var version: HTTPVersion
    public var headers: [HTTPHeaderField]
    public var bodyFraming: HTTPBodyFraming
    /// Whether the connection stays open after the response: HTTP/1.1 unless the request
    /// says `Connection: close`; HTTP/1.0 only when it says `Connection: keep-alive` (and
    /// not `close`), as nginx and the clients that send it expect.
    public var keepAlive: Bool
    /// The conditional and Range fields, noted while parsing.
    public var conditions: HTTPConditionalFields {
        get { conditionsBox?.fields ?? HTTPConditionalFields() }
        set { conditionsBox = newValue.isEmpty ? nil : ConditionalFieldsBox(newValue) }
    }
    /// Most requests carry none of those fields: they are kept apart, allocated only when
    /// one is sent, so that the head moved from parser to server on every request stays
    /// small (six optional strings inline made each of its copies a memcpy).
    private var conditionsBox: ConditionalFieldsBox?

    /// Whether any conditional or Range field came with the request.
    public var hasConditions: Bool { conditionsBox != nil }
    /// An HTTP/1.1 request with a body that says `Expect: 100-continue`: the client waits
    /// for `100 Continue` before it sends the body (RFC 9110 §10.1.1).
    public var expectsContinue: Bool

    public init(method: String, target: String, version: HTTPVersion, headers: [HTTPHeaderField],
                bodyFraming: HTTPBodyFraming, keepAlive: Bool,
                conditions: HTTPConditionalFields = HTTPConditionalFields(), expectsContinue: Bool = false) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.bodyFraming = bodyFraming
        self.keepAlive = keepAlive
        self.conditionsBox = conditions.isEmpty ? nil : ConditionalFieldsBox(conditions)
        self.expectsContinue = expectsContinue
    }

    /// Values of every field named `name` (compared case-insensitively), in order.
    public func values(of name: String) -> [String] {
        headers.compactMap { HTTPSyntax.namesMatch($0.name, name) ? $0.value : nil }
    }

    /// Whether a `Connection` field lists `option` (compared case-insensitively).
    func hasConnectionOption(_ option: String) -> Bool {
        for field in headers where HTTPSyntax.namesMatch(field.name, "connection") {
            for element in HTTPSyntax.listElements(field.value) where HTTPSyntax.namesMatch(element, option) {
                return true
            }
        }
        return false
    }

    /// The first value of the field named `name`.
    public func value(of name: String) -> String? {
        values(of: name).first
    }
}

/// `HTTPRequestHead`'s conditional fields, out of line.
final class ConditionalFieldsBox: Equatable, Sendable {
    let fields: HTTPConditionalFields

    init(_ fields: HTTPConditionalFields) {
        self.fields = fields
    }

    static func == (a: ConditionalFieldsBox, b: ConditionalFieldsBox) -> Bool {
        a.fields == b.fields
    }
}
