import Glibc

/// Files the tests read from the source tree (no SwiftPM resources: `#filePath` says where
/// the test sources are).
enum TestFiles {
    /// Tests/TernWireTests/Golden.
    static let goldenDirectory: String = {
        // This file is Tests/TernWireTests/Support/TestFiles.swift.
        let support = parentDirectory(of: String(#filePath))
        return parentDirectory(of: support) + "/Golden"
    }()

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[path.startIndex..<slash])
    }

    struct ReadError: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "cannot read \(path): \(reason)" }
    }

    /// The whole file.
    static func read(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw ReadError(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { result += chunk[0..<n] }
            if n < chunk.count {
                if ferror(file) != 0 { throw ReadError(path: path, reason: "read error") }
                return result
            }
        }
    }

    static func readText(_ path: String) throws -> String {
        String(decoding: try read(path), as: UTF8.self)
    }
}
