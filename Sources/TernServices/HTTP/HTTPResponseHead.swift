/// A response's status line and header fields, serialized as HTTP/1.1.
///
/// The server always answers `HTTP/1.1`, also to HTTP/1.0 requests (RFC 9110 §6.2: a server
/// sends its own highest version that the client's major version understands).
public struct HTTPResponseHead: Equatable, Sendable {
    public var status: HTTPStatus
    public var headers: [HTTPHeaderField]

    public init(status: HTTPStatus, headers: [HTTPHeaderField] = []) {
        self.status = status
        self.headers = headers
    }

    public mutating func add(_ name: String, _ value: String) {
        headers.append(HTTPHeaderField(name: name, value: value))
    }

    /// Values must not contain CR or LF; the server only puts its own values and
    /// already-validated request bytes here, and any stray CR or LF is replaced by a space.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + headers.count * 32)
        out.append(contentsOf: "HTTP/1.1 \(status.code) \(status.reason)\r\n".utf8)
        for field in headers {
            out.append(contentsOf: field.name.utf8)
            out.append(contentsOf: ": ".utf8)
            for b in field.value.utf8 {
                out.append(b == HTTPSyntax.cr || b == HTTPSyntax.lf ? HTTPSyntax.space : b)
            }
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        return out
    }
}
