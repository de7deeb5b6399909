import Glibc

/// The directory the web server serves, and the only place it serves from.
///
/// A request path is resolved by splitting it at `/`, percent-decoding each segment, refusing
/// anything that could step outside (`.` and `..` segments, empty segments as in `//`, an
/// encoded `/` or NUL), joining the segments to the root, and resolving the result with
/// realpath(3). The resolved path must be the root or lie under it, so symlinks may point
/// anywhere inside the root but never lead out.
///
/// Resolution first walks the decoded segments with openat(2) and O_NOFOLLOW from a
/// descriptor of the root held open: with `.`, `..` and empty segments refused and no symlink
/// followed, what it opens lies beneath the root by construction, in one system call per
/// segment. Any symlink on the way (or other refusal) falls back to the realpath(3) check.
///
/// A directory requested without a trailing slash is answered with a redirect to the same
/// path with one (so relative links in its index.html work); with the slash, its index.html
/// is served, or 403 if it has none, as nginx answers (directory listings are never
/// generated). A file or directory beneath the root that the server's user may not read
/// is 403 too; what lies outside the root is 404 whatever its permissions, so nothing is
/// told about it.
public final class WebRoot: Sendable {
    public enum SetupError: Error, Equatable, Sendable, CustomStringConvertible {
        /// realpath(3) failed with this errno.
        case cannotResolve(path: String, errno: Int32)
        case notADirectory(path: String)

        public var description: String {
            switch self {
            case .cannotResolve(let path, let code):
                let reason = strerror(code).map { String(cString: $0) } ?? "error \(code)"
                return "\(path): \(reason)"
            case .notADirectory(let path):
                return "\(path): not a directory"
            }
        }
    }

    /// What a request path names.
    public enum Resolution {
        case file(OpenFile, name: String)
        /// A directory asked for without its trailing slash.
        case directoryWithoutSlash
        case notFound
        /// Beneath the root but not readable, or a directory without an index.
        case forbidden
        /// Not a path at all: malformed percent-encoding, a NUL, no leading slash.
        case badRequest
    }

    /// The root's real path, without a trailing slash (unless it is `/`).
    public let path: String
    private let rootBytes: [UInt8]
    /// The root directory, open for the life of the web root (it survives a privilege drop).
    private let rootDescriptor: Int32

    public init(path: String) throws(SetupError) {
        guard let real = WebRoot.realPath(Array(path.utf8)) else {
            throw .cannotResolve(path: path, errno: errno)
        }
        let fd = (real + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars -> Int32 in
                guard let base = chars.baseAddress else { return -1 }
                return Glibc.open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            }
        }
        guard fd >= 0 else { throw .notADirectory(path: path) }
        rootDescriptor = fd
        rootBytes = real
        self.path = String(decoding: real, as: UTF8.self)
    }

    deinit {
        Glibc.close(rootDescriptor)
    }

    /// Resolves a request path (percent-encoded, query removed, starting with `/`).
    public func resolve(_ requestPath: String) -> Resolution {
        let raw = Array(requestPath.utf8)
        guard raw.first == UInt8(ascii: "/") else { return .badRequest }
        let rawSegments = raw.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        var segments: [[UInt8]] = []
        for (index, rawSegment) in rawSegments.enumerated() {
            if rawSegment.isEmpty {
                if index == rawSegments.count - 1 { continue }  // the trailing slash
                return .notFound
            }
            guard let segment = PercentDecoding.decode(rawSegment) else { return .badRequest }
            if segment.contains(0) { return .badRequest }
            if segment.contains(UInt8(ascii: "/")) || segment == [0x2E] || segment == [0x2E, 0x2E] {
                return .notFound
            }
            segments.append(segment)
        }
        let hasTrailingSlash = raw.last == UInt8(ascii: "/")

        var step = walk(segments)
        if case .needsFullCheck = step { step = openInside(joined(segments)) }
        let file: OpenFile
        switch step {
        case .opened(let opened): file = opened
        case .denied: return .forbidden
        case .missing, .needsFullCheck: return .notFound
        }
        switch file.kind {
        case .regular:
            guard !hasTrailingSlash, let last = segments.last else { return .notFound }
            return .file(file, name: String(decoding: last, as: UTF8.self))
        case .directory:
            guard hasTrailingSlash else { return .directoryWithoutSlash }
            switch OpenFile.open(at: file.descriptor, name: WebRoot.indexName) {
            case .opened(let index) where index.kind == .regular: return .file(index, name: "index.html")
            case .opened, .missing, .denied: return .forbidden
            case .needsFullCheck:
                // A symlinked index: served if it stays inside, else not there at all.
                switch openInside(joined(segments + [WebRoot.indexName])) {
                case .opened(let index) where index.kind == .regular: return .file(index, name: "index.html")
                case .denied: return .forbidden
                default: return .notFound
                }
            }
        case .other:
            return .notFound
        }
    }

    private static let indexName = Array("index.html".utf8)

    private func joined(_ segments: [[UInt8]]) -> [UInt8] {
        var path = rootBytes
        for segment in segments {
            path.append(UInt8(ascii: "/"))
            path.append(contentsOf: segment)
        }
        return path
    }

    /// Opens the segments one by one from the root without following symlinks.
    private func walk(_ segments: [[UInt8]]) -> OpenFile.WalkStep {
        guard let first = segments.first else { return OpenFile.open(at: rootDescriptor, name: [UInt8(ascii: ".")]) }
        var current = OpenFile.open(at: rootDescriptor, name: first)
        for segment in segments.dropFirst() {
            // A directory on the way that may be searched but not read cannot be opened
            // here; the full check opens by path, which needs only search permission.
            if case .denied = current { return .needsFullCheck }
            guard case .opened(let directory) = current else { return current }
            guard directory.kind == .directory else { return .missing }
            current = OpenFile.open(at: directory.descriptor, name: segment)
        }
        return current
    }

    /// Opens `path` if its real path lies inside the root. A path realpath(3) cannot resolve
    /// (missing, or a directory on the way not searchable) or that resolves outside the root
    /// is `.missing`: where it leads is not known to be inside, so its permissions are not told.
    private func openInside(_ path: [UInt8]) -> OpenFile.WalkStep {
        guard path.count < Int(PATH_MAX), let real = WebRoot.realPath(path), contains(real) else { return .missing }
        return OpenFile.open(path: real)
    }

    private func contains(_ real: [UInt8]) -> Bool {
        if rootBytes == [UInt8(ascii: "/")] { return real.first == UInt8(ascii: "/") }
        guard real.starts(with: rootBytes) else { return false }
        return real.count == rootBytes.count || real[rootBytes.count] == UInt8(ascii: "/")
    }

    /// realpath(3) of NUL-free bytes.
    static func realPath(_ path: [UInt8]) -> [UInt8]? {
        guard !path.isEmpty, !path.contains(0) else { return nil }
        return (path + [0]).withUnsafeBufferPointer { buffer -> [UInt8]? in
            buffer.withMemoryRebound(to: CChar.self) { chars -> [UInt8]? in
                guard let base = chars.baseAddress, let resolved = realpath(base, nil) else { return nil }
                defer { free(resolved) }
                let length = strlen(resolved)
                return UnsafeRawBufferPointer(start: resolved, count: length).map { $0 }
            }
        }
    }
}
