import Glibc
import Testing
@testable import TernServices

/// A deterministic generator (SplitMix64) so random choices are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Array where Element == UInt8 {
    init(_ text: String) {
        self = Array(text.utf8)
    }

    var text: String { String(decoding: self, as: UTF8.self) }
}

/// A directory made with mkdtemp(3), removed (with what the test created in it) on deinit.
final class TemporaryDirectory {
    let path: String
    private var created: [(path: String, isDirectory: Bool)] = []

    init() throws {
        var template = Array("/tmp/tern-services-test-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw TestFailure("mkdtemp failed: errno \(errno)")
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        for entry in created.reversed() {
            if entry.isDirectory { rmdir(entry.path) } else { unlink(entry.path) }
        }
        rmdir(path)
    }

    func url(_ relative: String) -> String { path + "/" + relative }

    func makeDirectory(_ relative: String) throws {
        guard mkdir(url(relative), 0o755) == 0 else { throw TestFailure("mkdir \(relative): errno \(errno)") }
        created.append((url(relative), true))
    }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let fd = open(url(relative), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw TestFailure("open \(relative): errno \(errno)") }
        defer { close(fd) }
        created.append((url(relative), false))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            guard n > 0 else { throw TestFailure("write \(relative): errno \(errno)") }
            offset += n
        }
    }

    func write(_ relative: String, _ text: String) throws {
        try write(relative, [UInt8](text))
    }

    /// A symlink at `relative` whose content is `target` (relative or absolute).
    func symlink(_ relative: String, to target: String) throws {
        guard Glibc.symlink(target, url(relative)) == 0 else { throw TestFailure("symlink: errno \(errno)") }
        created.append((url(relative), false))
    }

    func truncate(_ relative: String, to length: Int) throws {
        guard Glibc.truncate(url(relative), off_t(length)) == 0 else { throw TestFailure("truncate: errno \(errno)") }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
