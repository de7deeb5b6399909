import Glibc
import Testing
@testable import TernServices

/// A web root in a temporary directory:
///
///     outside/secret.txt           (outside the root)
///     www/index.html
///     www/a.txt
///     www/sub/page.html
///     www/sub/deeper/             (no index.html)
///     www/noindex/
///     www/link-in.txt  -> a.txt            (inward symlink)
///     www/link-out.txt -> ../outside/secret.txt
///     www/dir-out      -> ../outside        (outward directory symlink)
///     www/dir-in       -> sub               (inward directory symlink)
///     www/abs-out      -> <absolute path of outside/secret.txt>
///     www/sub/index-out/index.html -> ../../../outside/secret.txt
///     www/space name.txt, www/pct%41.txt
private final class WebRootFixture {
    let directory: TemporaryDirectory
    let root: WebRoot

    init() throws {
        directory = try TemporaryDirectory()
        try directory.makeDirectory("outside")
        try directory.write("outside/secret.txt", "secret")
        try directory.makeDirectory("www")
        try directory.write("www/index.html", "<h1>home</h1>")
        try directory.write("www/a.txt", "a")
        try directory.makeDirectory("www/sub")
        try directory.write("www/sub/page.html", "page")
        try directory.makeDirectory("www/sub/deeper")
        try directory.makeDirectory("www/noindex")
        try directory.symlink("www/link-in.txt", to: "a.txt")
        try directory.symlink("www/link-out.txt", to: "../outside/secret.txt")
        try directory.symlink("www/dir-out", to: "../outside")
        try directory.symlink("www/dir-in", to: "sub")
        try directory.symlink("www/abs-out", to: directory.url("outside/secret.txt"))
        try directory.makeDirectory("www/sub/index-out")
        try directory.symlink("www/sub/index-out/index.html", to: "../../../outside/secret.txt")
        try directory.write("www/space name.txt", "space")
        try directory.write("www/pct%41.txt", "percent")
        root = try WebRoot(path: directory.url("www"))
    }

    /// The content served for `path`, or a description of the other outcomes.
    func outcome(_ path: String) -> String {
        switch root.resolve(path) {
        case .file(let file, let name):
            var buffer = [UInt8](repeating: 0, count: 64)
            let n = buffer.withUnsafeMutableBytes { file.read(into: $0, at: 0) } ?? -1
            return "file \(name): " + String(decoding: buffer[..<max(0, n)], as: UTF8.self)
        case .directoryWithoutSlash: return "redirect"
        case .notFound: return "404"
        case .forbidden: return "403"
        case .badRequest: return "400"
        }
    }
}

@Suite struct WebRootTests {
    @Test func servesFilesAndIndexes() throws {
        let f = try WebRootFixture()
        #expect(f.outcome("/a.txt") == "file a.txt: a")
        #expect(f.outcome("/") == "file index.html: <h1>home</h1>")
        #expect(f.outcome("/index.html") == "file index.html: <h1>home</h1>")
        #expect(f.outcome("/sub/page.html") == "file page.html: page")
        #expect(f.outcome("/space%20name.txt") == "file space name.txt: space")
        #expect(f.outcome("/pct%2541.txt") == "file pct%41.txt: percent", "decoded exactly once")
        #expect(f.outcome("/%61.txt") == "file a.txt: a")
    }

    @Test func directories() throws {
        let f = try WebRootFixture()
        #expect(f.outcome("/sub") == "redirect")
        #expect(f.outcome("/sub/") == "403", "no index.html, and no listings")
        #expect(f.outcome("/noindex/") == "403")
        #expect(f.outcome("/a.txt/") == "404", "a file named with a trailing slash")
    }

    @Test func missing() throws {
        let f = try WebRootFixture()
        #expect(f.outcome("/nope.txt") == "404")
        #expect(f.outcome("/nope/") == "404")
        #expect(f.outcome("/a.txt/x") == "404")
    }

    @Test func dotDotInAllItsSpellings() throws {
        let f = try WebRootFixture()
        for path in ["/../outside/secret.txt", "/sub/../../outside/secret.txt", "/sub/../a.txt",
                     "/%2e%2e/outside/secret.txt", "/%2E%2E/outside/secret.txt", "/.%2e/outside/secret.txt",
                     "/sub/%2e%2e/%2e%2e/outside/secret.txt", "/./a.txt", "/%2e/a.txt", "/..", "/sub/.."] {
            #expect(f.outcome(path) == "404", "\(path)")
        }
    }

    @Test func encodedSlashesAndEmptySegments() throws {
        let f = try WebRootFixture()
        for path in ["/..%2foutside%2fsecret.txt", "/sub%2fpage.html", "/%2F", "//a.txt", "/sub//page.html",
                     "//" + f.directory.url("outside/secret.txt"), "/%2f" + f.directory.url("outside/secret.txt")] {
            #expect(f.outcome(path) == "404", "\(path)")
        }
    }

    @Test func absolutePathsStayInsideTheRoot() throws {
        let f = try WebRootFixture()
        // An absolute file-system path is just a path under the root.
        #expect(f.outcome(f.directory.url("outside/secret.txt")) == "404")
        #expect(f.outcome("/etc/passwd") == "404")
        #expect(f.outcome("a.txt") == "400", "no leading slash")
        #expect(f.outcome("") == "400")
    }

    @Test func nulBytesAndBadEscapes() throws {
        let f = try WebRootFixture()
        #expect(f.outcome("/a.txt%00") == "400")
        #expect(f.outcome("/a.txt%00.html") == "400")
        #expect(f.outcome("/%00") == "400")
        #expect(f.outcome("/a%2") == "400")
        #expect(f.outcome("/a%zz") == "400")
        #expect(f.outcome("/a.txt\u{0}") == "400")
    }

    @Test func symlinks() throws {
        let f = try WebRootFixture()
        #expect(f.outcome("/link-in.txt") == "file link-in.txt: a", "an inward symlink is served")
        #expect(f.outcome("/dir-in/page.html") == "file page.html: page", "through an inward directory symlink")
        #expect(f.outcome("/dir-in") == "redirect")
        #expect(f.outcome("/link-out.txt") == "404")
        #expect(f.outcome("/dir-out/secret.txt") == "404")
        #expect(f.outcome("/dir-out/") == "404")
        #expect(f.outcome("/abs-out") == "404")
        #expect(f.outcome("/sub/index-out/") == "404", "an index.html that points outside")
    }

    /// Unreadable files and directories beneath the root are 403, as nginx answers. Root
    /// reads everything, so as root only the index-less directory can be checked here (the
    /// integration tests run the daemon as nobody and check the rest).
    @Test func unreadableIsForbidden() throws {
        let f = try WebRootFixture()
        try f.directory.write("www/private.txt", "private")
        chmod(f.directory.url("www/private.txt"), 0o000)
        try f.directory.makeDirectory("www/closed")
        try f.directory.write("www/closed/index.html", "closed")
        chmod(f.directory.url("www/closed"), 0o000)
        defer { chmod(f.directory.url("www/closed"), 0o755) }
        // Searchable but not readable: what lies beneath is still served.
        try f.directory.makeDirectory("www/blind")
        try f.directory.write("www/blind/seen.txt", "seen")
        chmod(f.directory.url("www/blind"), 0o111)
        defer { chmod(f.directory.url("www/blind"), 0o755) }
        #expect(f.outcome("/blind/seen.txt") == "file seen.txt: seen")
        #expect(f.outcome("/sub/deeper/") == "403")
        guard geteuid() != 0 else { return }
        #expect(f.outcome("/private.txt") == "403")
        #expect(f.outcome("/closed/index.html") == "403")
        #expect(f.outcome("/closed/") == "403")
    }

    @Test func otherFileTypesAreNotServed() throws {
        let f = try WebRootFixture()
        guard mkfifo(f.directory.url("www/fifo"), 0o644) == 0 else {
            Issue.record("mkfifo failed: errno \(errno)")
            return
        }
        defer { unlink(f.directory.url("www/fifo")) }
        #expect(f.outcome("/fifo") == "404", "and opening it does not block")
    }

    @Test func setupErrors() throws {
        let d = try TemporaryDirectory()
        try d.write("file", "x")
        #expect(throws: WebRoot.SetupError.notADirectory(path: d.url("file"))) { try WebRoot(path: d.url("file")) }
        #expect(throws: WebRoot.SetupError.self) { try WebRoot(path: d.url("missing")) }
        let root = try WebRoot(path: d.path + "/.")
        #expect(root.path == d.path, "the root is kept as its real path")
    }
}

@Suite struct MIMETypesTests {
    @Test(arguments: [
        ("a.txt", "text/plain; charset=utf-8"), ("a.html", "text/html; charset=utf-8"),
        ("a.htm", "text/html; charset=utf-8"), ("A.HTML", "text/html; charset=utf-8"),
        ("s.css", "text/css; charset=utf-8"), ("s.js", "text/javascript; charset=utf-8"),
        ("s.mjs", "text/javascript; charset=utf-8"), ("d.json", "application/json; charset=utf-8"),
        ("i.png", "image/png"), ("i.jpg", "image/jpeg"), ("i.JPEG", "image/jpeg"), ("i.gif", "image/gif"),
        ("i.svg", "image/svg+xml; charset=utf-8"), ("d.pdf", "application/pdf"), ("favicon.ico", "image/x-icon"),
        ("m.wasm", "application/wasm"), ("d.xml", "application/xml; charset=utf-8"), ("i.webp", "image/webp"),
        ("v.mp4", "video/mp4"), ("f.woff2", "font/woff2"),
        ("noext", "application/octet-stream"), ("trailingdot.", "application/octet-stream"),
        ("a.unknown", "application/octet-stream"), (".bashrc", "application/octet-stream"),
        ("archive.tar.gz", "application/gzip"),
    ])
    func contentTypes(_ name: String, _ expected: String) {
        #expect(MIMETypes.contentType(forFileName: name) == expected)
    }
}
