/// Content types by file extension.
public enum MIMETypes {
    public static let fallback = "application/octet-stream"

    private static let byExtension: [String: String] = [
        "txt": "text/plain", "text": "text/plain", "log": "text/plain", "md": "text/markdown",
        "html": "text/html", "htm": "text/html", "css": "text/css", "csv": "text/csv",
        "js": "text/javascript", "mjs": "text/javascript",  // RFC 9239
        "json": "application/json", "map": "application/json", "xml": "application/xml",
        "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
        "gif": "image/gif", "webp": "image/webp", "avif": "image/avif", "bmp": "image/bmp",
        "ico": "image/x-icon", "pdf": "application/pdf", "wasm": "application/wasm",
        "woff": "font/woff", "woff2": "font/woff2", "ttf": "font/ttf", "otf": "font/otf",
        "mp4": "video/mp4", "webm": "video/webm", "mp3": "audio/mpeg", "ogg": "audio/ogg",
        "wav": "audio/wav", "zip": "application/zip", "gz": "application/gzip",
        "tar": "application/x-tar", "pcap": "application/vnd.tcpdump.pcap",
    ]

    /// Types whose content is text and that get `; charset=utf-8`.
    private static let textual: Set<String> = ["application/json", "application/xml", "image/svg+xml"]

    /// The `Content-Type` value for a file name: by its extension, case-insensitively, with
    /// `; charset=utf-8` for text; `application/octet-stream` when unknown.
    public static func contentType(forFileName name: String) -> String {
        let type = mediaType(forFileName: name)
        return type.hasPrefix("text/") || textual.contains(type) ? type + "; charset=utf-8" : type
    }

    /// The bare media type (no parameters) for a file name.
    public static func mediaType(forFileName name: String) -> String {
        let bytes = Array(name.utf8)
        guard let dot = bytes.lastIndex(of: UInt8(ascii: ".")), dot + 1 < bytes.count,
              !bytes[(dot + 1)...].contains(UInt8(ascii: "/"))
        else { return fallback }
        let ext = HTTPSyntax.lowercased(String(decoding: bytes[(dot + 1)...], as: UTF8.self))
        return byExtension[ext] ?? fallback
    }
}
