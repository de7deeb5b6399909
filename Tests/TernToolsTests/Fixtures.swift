import Foundation

/// Where the committed test data and examples live, found from this file's path so the
/// tests work from any working directory of a clean clone.
enum Fixtures {
    /// The package root.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }   // Fixtures.swift, TernToolsTests, Tests
        return url.path
    }()

    /// Tests/Data/checksum: captured segments and their expected verdicts.
    static let checksumData = root + "/Tests/Data/checksum"
    /// Tools/tern-route/examples: example graphs and the expected transcript.
    static let routeExamples = root + "/Tools/tern-route/examples"

    /// The lines of a text file, without comment (`#`) lines and blank lines.
    static func dataLines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: true)
            .map(String.init)
            .filter { !$0.hasPrefix("#") && !$0.allSatisfy(\.isWhitespace) }
    }

    /// A directory of its own under the system's temporary directory, removed by `body`'s end.
    static func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
        let path = NSTemporaryDirectory() + "tern-tools-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    /// The directory holding the built executables (next to the test runner).
    static let productsDirectory: String = {
        let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = runner.deletingLastPathComponent()
        // macOS-style bundles keep the runner deeper; on Linux it sits beside the tools.
        while directory.path != "/" && !FileManager.default.fileExists(atPath: directory.path + "/tern-subnet") {
            directory.deleteLastPathComponent()
        }
        return directory.path
    }()
}
