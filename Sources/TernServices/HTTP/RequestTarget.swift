/// The path and query of a request-target (RFC 9112 §3.2), still percent-encoded.
struct RequestTarget: Equatable {
    /// Starts with `/`.
    var path: String
    var query: String?

    init(path: String, query: String?) {
        self.path = path
        self.query = query
    }

    /// Accepts origin-form (`/path?query`) and absolute-form (`http://host/path?query`, the
    /// host ignored); rejects the asterisk and authority forms (only OPTIONS and CONNECT use
    /// them, and those are not allowed) and fragments.
    init?(_ target: String) {
        var bytes = Array(target.utf8)
        guard !bytes.isEmpty, !bytes.contains(UInt8(ascii: "#")) else { return nil }
        if bytes[0] != UInt8(ascii: "/") {
            let lowered = Array(HTTPSyntax.lowercased(target).utf8)
            let prefixLength: Int
            if lowered.starts(with: "http://".utf8) {
                prefixLength = 7
            } else if lowered.starts(with: "https://".utf8) {
                prefixLength = 8
            } else {
                return nil
            }
            let rest = bytes[prefixLength...]
            let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.endIndex
            guard authorityEnd > rest.startIndex else { return nil }
            bytes = [UInt8(ascii: "/")] + (authorityEnd < rest.endIndex && rest[authorityEnd] == UInt8(ascii: "/")
                ? Array(rest[(authorityEnd + 1)...]) : Array(rest[authorityEnd...]))
        }
        if let q = bytes.firstIndex(of: UInt8(ascii: "?")) {
            path = String(decoding: bytes[..<q], as: UTF8.self)
            query = String(decoding: bytes[(q + 1)...], as: UTF8.self)
        } else {
            path = String(decoding: bytes, as: UTF8.self)
            query = nil
        }
    }
}
