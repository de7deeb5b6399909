/// The request `tern-get` sends: an HTTP/1.0-style GET that asks the server to close the
/// connection after the response, so "the response" is simply everything until the close.
struct HTTPGetRequest: Equatable {
    /// The request target, percent-encoded where needed: `/docs/a%20b.html`.
    let target: String
    /// The `Host` header's value: `example.org`, `192.0.2.1:8080`, `[::1]:8080`.
    let hostHeader: String

    /// Why a path cannot be sent.
    enum Problem: Error, Equatable {
        case controlCharacter
        case absoluteURL

        var message: String {
            switch self {
            case .controlCharacter:
                "the path contains a control character (a line break would end the request line)"
            case .absoluteURL:
                "give the path alone (e.g. /index.html): the host and port are separate arguments"
            }
        }
    }

    /// A request for `path` on `host` port `port`. A path without a leading `/` gets one;
    /// spaces and non-ASCII bytes are percent-encoded (as UTF-8); `%` is left alone, so an
    /// already encoded path passes unchanged.
    init(host: String, port: UInt16, path: String) throws(Problem) {
        if path.contains("://") { throw .absoluteURL }
        var target = path.hasPrefix("/") ? "" : "/"
        for byte in path.utf8 {
            switch byte {
            case 0..<0x20, 0x7F: throw .controlCharacter
            case 0x20, 0x80...: target += "%" + HTTPGetRequest.hexDigits(byte)
            default: target.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        self.target = target
        let name = host.contains(":") ? "[\(host)]" : host
        hostHeader = port == 80 ? name : "\(name):\(port)"
    }

    /// The request's bytes.
    var bytes: [UInt8] {
        Array("""
            GET \(target) HTTP/1.0\r
            Host: \(hostHeader)\r
            User-Agent: tern-get\r
            Accept: */*\r
            Connection: close\r
            \r

            """.utf8)
    }

    private static func hexDigits(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
