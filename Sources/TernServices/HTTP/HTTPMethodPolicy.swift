/// How the file server treats a request method.
enum HTTPMethodPolicy: Equatable {
    /// GET and HEAD.
    case served
    /// A method HTTP defines that a static file server does not allow: 405 with `Allow`.
    case notAllowed
    /// Anything else: 501.
    case unknown

    static let allowHeaderValue = "GET, HEAD"

    /// Methods are case-sensitive: `get` is not GET.
    init(method: String) {
        switch method {
        case "GET", "HEAD": self = .served
        case "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT": self = .notAllowed
        default: self = .unknown
        }
    }
}
