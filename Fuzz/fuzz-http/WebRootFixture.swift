import Glibc
import TernServices

/// The web root every input is served from, made once per process under /tmp and removed
/// at exit:
///
/// ```
/// tern-fuzz-http-PID/
///   secret.txt            beside the root: its bytes must never be served
///   www/                  the root
///     index.html  a.txt  empty.txt  big.bin (20,000 bytes)  "sp ace.txt"  100%.txt
///     sub/index.html  sub/b.css  nodir/ (no index)  pipe (a FIFO)
///     inside -> a.txt                 a symlink that stays inside
///     escape -> ../secret.txt         symlinks that lead out
///     escape-dir -> ..
///     absolute-escape -> /…/secret.txt
/// ```
final class WebRootFixture {
    /// The secret's content: no file inside the root contains it.
    static let secret = Array("TERN-FUZZ-SECRET-c0ffee-never-serve-me\n".utf8)

    let base: String
    let webRoot: WebRoot
    /// The content of every regular file reachable inside the root: a 200 body must be one.
    let servedContents: [[UInt8]]

    nonisolated(unsafe) static var created: [String] = []

    /// The fixture, made on first use.
    nonisolated(unsafe) static let shared = WebRootFixture()

    private init() {
        base = "/tmp/tern-fuzz-http-\(getpid())"
        let files: [(String, [UInt8])] = [
            ("www/index.html", Array("<h1>tern</h1>\n".utf8)),
            ("www/a.txt", Array("alpha\n".utf8)),
            ("www/empty.txt", []),
            ("www/big.bin", (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }),
            ("www/sp ace.txt", Array("space\n".utf8)),
            ("www/100%.txt", Array("percent\n".utf8)),
            ("www/sub/index.html", Array("<p>sub</p>\n".utf8)),
            ("www/sub/b.css", Array("b { color: red }\n".utf8)),
        ]
        Self.makeDirectory(base)
        Self.makeDirectory(base + "/www")
        Self.makeDirectory(base + "/www/sub")
        Self.makeDirectory(base + "/www/nodir")
        Self.write(base + "/secret.txt", Self.secret)
        for (path, content) in files { Self.write(base + "/" + path, content) }
        Self.symlink(base + "/www/inside", to: "a.txt")
        Self.symlink(base + "/www/escape", to: "../secret.txt")
        Self.symlink(base + "/www/escape-dir", to: "..")
        Self.symlink(base + "/www/absolute-escape", to: base + "/secret.txt")
        if mkfifo(base + "/www/pipe", 0o644) == 0 { Self.created.append(base + "/www/pipe") }
        servedContents = files.map(\.1)
        do {
            webRoot = try WebRoot(path: base + "/www")
        } catch {
            fatalError("cannot open the fuzz web root: \(error)")
        }
        atexit { WebRootFixture.removeAll() }
    }

    /// Removes what the fixture created, deepest first.
    static func removeAll() {
        for path in created.reversed() where unlink(path) != 0 { rmdir(path) }
        created.removeAll()
    }

    private static func makeDirectory(_ path: String) {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { fatalError("mkdir \(path): errno \(errno)") }
        created.append(path)
    }

    private static func write(_ path: String, _ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { fatalError("open \(path): errno \(errno)") }
        defer { close(fd) }
        created.append(path)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            guard n > 0 else { fatalError("write \(path): errno \(errno)") }
            offset += n
        }
    }

    private static func symlink(_ path: String, to target: String) {
        guard Glibc.symlink(target, path) == 0 else { fatalError("symlink \(path): errno \(errno)") }
        created.append(path)
    }
}
