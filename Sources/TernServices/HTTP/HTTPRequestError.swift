/// Why a request could not be parsed. Each maps to the status the server answers with; after
/// any of them the connection closes, since the framing of what follows is unknown.
public enum HTTPRequestError: Error, Equatable, Sendable {
    case malformedRequestLine
    /// The request line is longer than its bound (the target, in practice): 414.
    case requestLineTooLong
    case malformedHeader
    /// The request line and header section exceed the size limit.
    case headTooLarge
    case tooManyHeaders
    /// A major version other than 1.
    case unsupportedVersion
    /// HTTP/1.1 without a Host header (RFC 9112 §3.2).
    case missingHost
    case multipleHosts
    /// A Host value that is not `host [ ":" port ]` (RFC 9112 §3.2).
    case invalidHost
    case invalidContentLength
    /// Transfer-Encoding in HTTP/1.0, alongside Content-Length, or without chunked last.
    case invalidTransferEncoding
    case malformedChunkedBody

    public var status: HTTPStatus {
        switch self {
        case .headTooLarge, .tooManyHeaders: .requestHeaderFieldsTooLarge
        case .unsupportedVersion: .httpVersionNotSupported
        case .requestLineTooLong: .uriTooLong
        default: .badRequest
        }
    }
}
