import Glibc

/// Reading the files a tool is given, with failures phrased for the user. Plain system
/// calls, so the tools need no Foundation.
public enum FileInput {
    /// Files larger than this are refused rather than read into memory.
    public static let defaultSizeLimit = 1 << 30

    /// The contents of the file at `path`.
    ///
    /// Throws a `ToolFailure` naming the path when it does not exist, is a directory, cannot
    /// be read, or is larger than `sizeLimit` bytes.
    public static func bytes(atPath path: String, sizeLimit: Int = defaultSizeLimit) throws(ToolFailure) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw openFailure(path, errno: errno) }
        defer { _ = close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ToolFailure("\(path): cannot read: \(message(errno))") }
        if (status.st_mode & S_IFMT) == S_IFDIR { throw ToolFailure("\(path): is a directory, expected a file") }

        // Read one byte past the limit to tell "exactly the limit" from "too large"; the size
        // from fstat is only a hint (a FIFO or /proc file has none).
        var contents: [UInt8] = []
        contents.reserveCapacity(min(Int(max(status.st_size, 0)), sizeLimit) + 1)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while contents.count <= sizeLimit {
            let wanted = min(chunk.count, sizeLimit + 1 - contents.count)
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, wanted) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw ToolFailure("\(path): cannot read: \(message(errno))")
            }
            contents.append(contentsOf: chunk[..<count])
        }
        guard contents.count <= sizeLimit else {
            throw ToolFailure("\(path): larger than \(sizeLimit) bytes, refusing to read it")
        }
        return contents
    }

    /// The contents of the file at `path` as UTF-8 text; a `ToolFailure` if it is not UTF-8.
    public static func text(atPath path: String, sizeLimit: Int = defaultSizeLimit) throws(ToolFailure) -> String {
        let data = try bytes(atPath: path, sizeLimit: sizeLimit)
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ToolFailure("\(path): not UTF-8 text")
        }
        return text
    }

    /// Whether `path` names an existing directory (symlinks followed).
    public static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// The names (not paths) of the entries in the directory at `path`, in no particular
    /// order, without `.` and `..`.
    public static func directoryEntries(atPath path: String) throws(ToolFailure) -> [String] {
        guard isDirectory(path) else { throw ToolFailure("\(path): no such directory") }
        guard let directory = opendir(path) else { throw ToolFailure("\(path): cannot list: \(message(errno))") }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// `directory/name`, without doubling a trailing slash.
    public static func path(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    private static func openFailure(_ path: String, errno code: Int32) -> ToolFailure {
        switch code {
        case ENOENT, ENOTDIR: ToolFailure("\(path): no such file")
        case EACCES: ToolFailure("\(path): cannot open for reading (permission denied)")
        default: ToolFailure("\(path): cannot open for reading: \(message(code))")
        }
    }

    /// The system's text for an errno value, in lower case as the tools' messages are.
    private static func message(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        let string = String(cString: text)
        return string.prefix(1).lowercased() + string.dropFirst()
    }
}
