import Glibc

/// A file opened for serving; closed when the last reference goes away.
public final class OpenFile {
    public enum Kind: Equatable, Sendable {
        case regular
        case directory
        case other
    }

    public let descriptor: Int32
    public let kind: Kind
    /// Size in bytes at open time (`Content-Length` promises exactly this many).
    public let size: Int64
    /// Last modification, Unix seconds.
    public let modificationTime: Int64

    /// Opens `path` (NUL-free bytes) read-only. Non-blocking so that a FIFO in the web root
    /// cannot stall the server; not following a final symlink, since callers pass paths
    /// already resolved by realpath(3). `.needsFullCheck` stands for any failure but a
    /// missing file or a denied permission.
    static func open(path: [UInt8]) -> WalkStep {
        guard !path.contains(0) else { return .missing }
        let fd = (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars -> Int32 in
                guard let base = chars.baseAddress else { return -1 }
                return Glibc.open(base, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
            }
        }
        guard fd >= 0 else { return failure(errno) }
        guard let file = OpenFile(adopting: fd) else { return .needsFullCheck }
        return .opened(file)
    }

    /// The outcome of opening one path segment beneath an open directory.
    enum WalkStep {
        case opened(OpenFile)
        /// The name does not exist (or a parent is not a directory): 404.
        case missing
        /// The file exists but the server's user may not read it (or search its directory): 403.
        case denied
        /// A symlink or anything unusual: only a full realpath(3) check may decide.
        case needsFullCheck
    }

    private static func failure(_ code: Int32) -> WalkStep {
        switch code {
        case ENOENT, ENOTDIR: .missing
        case EACCES: .denied
        default: .needsFullCheck
        }
    }

    /// Opens `name` (one segment: no `/`, not `..`) in the directory `directory`, refusing to
    /// follow a symlink.
    static func open(at directory: Int32, name: [UInt8]) -> WalkStep {
        guard !name.isEmpty, !name.contains(0), !name.contains(UInt8(ascii: "/")) else { return .needsFullCheck }
        let fd = (name + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars -> Int32 in
                guard let base = chars.baseAddress else { return -1 }
                return openat(directory, base, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
            }
        }
        guard fd >= 0 else { return failure(errno) }
        guard let file = OpenFile(adopting: fd) else { return .needsFullCheck }
        return .opened(file)
    }

    /// Takes ownership of an open descriptor (closing it on failure).
    private init?(adopting fd: Int32) {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            Glibc.close(fd)
            return nil
        }
        descriptor = fd
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        default: kind = .other
        }
        size = Int64(info.st_size)
        modificationTime = Int64(info.st_mtim.tv_sec)
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// Small files are kept in memory after their first read whole: the web server reuses
    /// open files for a second, so a popular small file is read from disk once a second.
    static let memoryCacheLimit: Int64 = 64 * 1024
    private var contents: [UInt8]?

    /// Reads up to `buffer.count` bytes at `offset`. Returns the count (0 at end of file) or
    /// nil on an I/O error.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) -> Int? {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return 0 }
        if let contents {
            guard offset >= 0, offset < Int64(contents.count) else { return 0 }
            let start = Int(offset), n = min(buffer.count, contents.count - start)
            contents.withUnsafeBytes { source in
                if let from = source.baseAddress { base.copyMemory(from: from + start, byteCount: n) }
            }
            return n
        }
        if kind == .regular && offset == 0 && size > 0 && size <= OpenFile.memoryCacheLimit
            && buffer.count >= Int(size) {
            // The whole file fits this read: keep a copy for the next request.
            let n = readFromDisk(into: buffer, at: 0)
            if let n, n == Int(size) { contents = Array(UnsafeRawBufferPointer(start: base, count: n)) }
            return n
        }
        return readFromDisk(into: buffer, at: offset)
    }

    private func readFromDisk(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) -> Int? {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return 0 }
        while true {
            let n = pread(descriptor, base, buffer.count, off_t(offset))
            if n >= 0 { return n }
            if errno == EINTR { continue }
            return nil
        }
    }
}
