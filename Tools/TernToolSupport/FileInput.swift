import Foundation

/// Reading the files a tool is given, with failures phrased for the user.
public enum FileInput {
    /// Files larger than this are refused rather than read into memory.
    public static let defaultSizeLimit = 1 << 30

    /// The contents of the file at `path`.
    ///
    /// Throws a `ToolFailure` naming the path when it does not exist, is a directory, cannot
    /// be read, or is larger than `sizeLimit` bytes.
    public static func bytes(atPath path: String, sizeLimit: Int = defaultSizeLimit) throws(ToolFailure) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ToolFailure("\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw ToolFailure("\(path): is a directory, expected a file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ToolFailure("\(path): cannot open for reading")
        }
        defer { try? handle.close() }
        do {
            // Read one byte past the limit to tell "exactly the limit" from "too large".
            let data = try handle.read(upToCount: sizeLimit + 1) ?? Data()
            guard data.count <= sizeLimit else {
                throw ToolFailure("\(path): larger than \(sizeLimit) bytes, refusing to read it")
            }
            return [UInt8](data)
        } catch let failure as ToolFailure {
            throw failure
        } catch {
            throw ToolFailure("\(path): cannot read: \(error.localizedDescription)")
        }
    }

    /// The contents of the file at `path` as UTF-8 text; a `ToolFailure` if it is not UTF-8.
    public static func text(atPath path: String, sizeLimit: Int = defaultSizeLimit) throws(ToolFailure) -> String {
        let data = try bytes(atPath: path, sizeLimit: sizeLimit)
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ToolFailure("\(path): not UTF-8 text")
        }
        return text
    }

    /// Whether `path` names an existing directory.
    public static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The names (not paths) of the entries in the directory at `path`, in no particular order.
    public static func directoryEntries(atPath path: String) throws(ToolFailure) -> [String] {
        guard isDirectory(path) else { throw ToolFailure("\(path): no such directory") }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw ToolFailure("\(path): cannot list: \(error.localizedDescription)")
        }
    }

    /// `directory/name`, without doubling a trailing slash.
    public static func path(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
