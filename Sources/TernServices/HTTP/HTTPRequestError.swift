/// Why a request could not be parsed. Each maps to the status the server answers with; after
/// any of them the connection closes, since the framing of what follows is unknown.
public enum HTTPRequestError: Error, Equatable, Sendable {
    case malformedRequestLine
    case malformedHeader
    /// The request line and header section exceed the size limit.
    case headTooLarge
    case tooManyHeaders
    /// A major version other than 1.
    case unsupportedVersion
    /// HTTP/1.1 without a Host header (RFC 9112 §3.2).
    case missingHost
    case multipleHosts
    case invalidContentLength
    /// Transfer-Encoding in HTTP/1.0, alongside Content-Length, or without chunked last.
    case invalidTransferEncoding
    case malformedChunkedBody

    public var status: HTTPStatus {
        switch self {
        case .headTooLarge, .tooManyHeaders: .requestHeaderFieldsTooLarge
        case .unsupportedVersion: .httpVersionNotSupported
        default: .badRequest
        }
    }
}
