import Glibc
import Synchronization
import TernLink
import TernWire

/// Whether the tests run as root (needed for TAP devices, packet sockets, namespaces).
let runningAsRoot = geteuid() == 0

/// A test failure found off the test's own thread, reported back to it.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A path for a scratch file unique to this process and call.
func temporaryPath(_ stem: String) -> String {
    nextTemporaryIndex.withLock { index in
        index += 1
        return "/tmp/tern-link-test-\(getpid())-\(index)-\(stem)"
    }
}

private let nextTemporaryIndex = Mutex(0)

/// The whole contents of the file at `path`.
func readFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw TestFailure("cannot open \(path): errno \(errno)") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { throw TestFailure("cannot read \(path): errno \(errno)") }
        if n == 0 { return bytes }
        bytes.append(contentsOf: chunk[0..<n])
    }
}

/// The result of running a command.
struct CommandResult {
    var status: Int32
    /// Standard output and standard error together.
    var output: String
}

/// Runs `arguments` (looked up in PATH) and collects its output. Returns status 127 when
/// the program cannot be started.
@discardableResult
func runCommand(_ arguments: [String]) -> CommandResult {
    var pipeEnds: [Int32] = [-1, -1]
    guard makePipe(&pipeEnds) else { return CommandResult(status: 127, output: "pipe failed") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
    posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
    argv.append(nil)
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ)
    close(pipeEnds[1])
    defer { close(pipeEnds[0]) }
    guard spawned == 0 else { return CommandResult(status: 127, output: "cannot start \(arguments[0])") }

    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        output.append(contentsOf: chunk[0..<n])
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return CommandResult(status: exitStatus, output: String(decoding: output, as: UTF8.self))
}

/// Creates a pipe whose ends are close-on-exec (and non-blocking if asked).
func makePipe(_ ends: inout [Int32], nonBlocking: Bool = false) -> Bool {
    guard pipe(&ends) == 0 else { return false }
    for fd in ends {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        if nonBlocking { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    }
    return true
}

/// Whether `program` is on PATH.
func isInstalled(_ program: String) -> Bool {
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
    return path.split(separator: ":").contains { access("\($0)/\(program)", X_OK) == 0 }
}

/// Runs `body` on a thread of its own and returns what it returns. Threads that enter a
/// network namespace must be threads nobody else will reuse.
func onDedicatedThread<T>(_ body: @escaping () throws -> T) throws -> T {
    let box = ThreadBox(body)
    let unmanaged = Unmanaged.passRetained(box)
    var thread = pthread_t()
    let created = pthread_create(&thread, nil, { context in
        guard let context else { return nil }
        (Unmanaged<AnyObject>.fromOpaque(context).takeRetainedValue() as? any ThreadWork)?.perform()
        return nil
    }, unmanaged.toOpaque())
    guard created == 0 else {
        unmanaged.release()
        throw TestFailure("pthread_create failed: \(created)")
    }
    pthread_join(thread, nil)
    guard let result = box.result else { throw TestFailure("thread finished without a result") }
    return try result.get()
}

/// Carries a closure and its result across `pthread_create`.
private final class ThreadBox<T>: ThreadWork {
    let body: () throws -> T
    var result: Result<T, any Error>?
    init(_ body: @escaping () throws -> T) { self.body = body }
    func perform() { result = Result { try body() } }
}

private protocol ThreadWork: AnyObject {
    func perform()
}

/// A network namespace created with `ip netns add` for one test and deleted by `remove()`.
final class TestNamespace {
    let name: String
    var path: String { "/run/netns/\(name)" }

    init(_ purpose: String) throws {
        name = "tern-\(purpose)-\(getpid())"
        _ = runCommand(["ip", "netns", "del", name])  // left over from a crashed run of this pid
        let result = runCommand(["ip", "netns", "add", name])
        guard result.status == 0 else { throw TestFailure("ip netns add \(name) failed: \(result.output)") }
    }

    /// Runs `ip ARGS` inside the namespace; throws when it fails.
    func ip(_ arguments: String...) throws {
        let result = runCommand(["ip", "-n", name] + arguments)
        guard result.status == 0 else {
            throw TestFailure("ip -n \(name) \(arguments.joined(separator: " ")) failed: \(result.output)")
        }
    }

    /// Runs `body` on a fresh thread that has entered the namespace.
    func run<T>(_ body: @escaping () throws -> T) throws -> T {
        let path = self.path
        return try onDedicatedThread {
            try NetworkNamespace.enterForCurrentThread(path: path)
            return try body()
        }
    }

    func remove() {
        _ = runCommand(["ip", "netns", "del", name])
    }
}

/// Sends `payload` in a UDP datagram from the calling thread's network namespace, as any
/// program on the host would (so the kernel's checksum offload applies).
func sendUDP(_ payload: [UInt8], to address: IPv4Address, port: UInt16) throws {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
    defer { close(fd) }
    var destination = sockaddr_in()
    destination.sin_family = sa_family_t(AF_INET)
    destination.sin_port = port.bigEndian
    destination.sin_addr = in_addr(s_addr: address.rawValue.bigEndian)
    let sent = payload.withUnsafeBytes { bytes in
        withUnsafePointer(to: &destination) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
    guard sent == payload.count else { throw TestFailure("sendto: errno \(errno)") }
}
