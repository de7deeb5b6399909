import Glibc

/// A client socket on the host's own network stack, for the client tools: connect with a
/// timeout, then receive and send with timeouts, every failure a `NetworkFailure`.
///
/// The descriptor is non-blocking; the blocking calls wait with poll(2), so a timeout
/// never depends on socket options and a signal never cuts a wait short.
public final class ClientSocket {
    /// The socket's file descriptor (for poll(2) in an event loop); -1 once closed.
    public private(set) var descriptor: Int32
    /// How messages name the other end: `192.0.2.1 port 80`.
    public let endpoint: String

    /// Takes ownership of a connected socket (from socketpair(2) in tests, say) and makes it
    /// non-blocking.
    public init(adopting descriptor: Int32, endpoint: String) {
        self.descriptor = descriptor
        self.endpoint = endpoint
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) }
    }

    deinit {
        close()
    }

    /// Closes the socket; later calls do nothing.
    public func close() {
        guard descriptor >= 0 else { return }
        _ = Glibc.close(descriptor)
        descriptor = -1
    }

    /// Connects to `host` (a name or an address literal) on `port`, trying each address the
    /// name resolves to in turn; the failure of the last one is thrown. For UDP, "connect"
    /// fixes the peer, so that `send` and `receive` talk to it alone and an ICMP port
    /// unreachable comes back as `.refused`.
    public static func connect(host: String, port: UInt16, transport: ClientTransport = .tcp,
                               timeout: Double) throws(NetworkFailure) -> ClientSocket {
        let addresses = try HostResolution.resolve(host: host, port: port, transport: transport)
        var lastFailure = NetworkFailure.cannotResolve(host: host, reason: "no address")
        for address in addresses {
            let endpoint = HostResolution.endpointDescription(host: host, numericHost: address.numericHost, port: port)
            do {
                return try connect(to: address, transport: transport, endpoint: endpoint, timeout: timeout)
            } catch {
                lastFailure = error
            }
        }
        throw lastFailure
    }

    /// `connect(host:port:transport:timeout:)` for a tool's `run`: a failure becomes the
    /// tool's one-line message and exit status 1.
    public static func connectForTool(host: String, port: UInt16, transport: ClientTransport = .tcp,
                                      timeout: Double) throws(ToolFailure) -> ClientSocket {
        do {
            return try connect(host: host, port: port, transport: transport, timeout: timeout)
        } catch {
            throw error.toolFailure
        }
    }

    private static func connect(to address: ResolvedAddress, transport: ClientTransport, endpoint: String,
                                timeout: Double) throws(NetworkFailure) -> ClientSocket {
        let descriptor = socket(address.family, transport.socketType | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .system(call: "socket", endpoint: endpoint, errno: errno) }
        let client = ClientSocket(adopting: descriptor, endpoint: endpoint)
        var storage = address.storage
        let status = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, address.length) }
        }
        if status == 0 { return client }
        guard errno == EINPROGRESS || errno == EINTR else {
            throw NetworkFailure.from(errno: errno, call: "connect", endpoint: endpoint)
        }
        guard try client.wait(for: Int16(POLLOUT), timeout: timeout) else {
            throw .connectTimedOut(endpoint: endpoint, seconds: timeout)
        }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else {
            throw NetworkFailure.from(errno: errno, call: "getsockopt", endpoint: endpoint)
        }
        guard error == 0 else {
            throw error == ETIMEDOUT
                ? .connectTimedOut(endpoint: endpoint, seconds: timeout)
                : NetworkFailure.from(errno: error, call: "connect", endpoint: endpoint)
        }
        return client
    }

    /// Waits up to `timeout` seconds (nil: without limit) for data, then receives at most
    /// `buffer.count` bytes in one read. Returns the number of bytes, 0 when the peer has
    /// closed a TCP connection (or sent an empty datagram).
    public func receive(into buffer: UnsafeMutableRawBufferPointer, timeout: Double?) throws(NetworkFailure) -> Int {
        while true {
            if let count = try receiveAvailable(into: buffer) { return count }
            guard try wait(for: Int16(POLLIN), timeout: timeout) else {
                throw .receiveTimedOut(endpoint: endpoint, seconds: timeout ?? 0)
            }
        }
    }

    /// Receives at most `buffer.count` bytes if any are waiting: nil when none are, 0 when
    /// the peer has closed.
    public func receiveAvailable(into buffer: UnsafeMutableRawBufferPointer) throws(NetworkFailure) -> Int? {
        guard descriptor >= 0 else { throw .system(call: "recv", endpoint: endpoint, errno: EBADF) }
        while true {
            let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if count >= 0 { return count }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            case ETIMEDOUT: throw .receiveTimedOut(endpoint: endpoint, seconds: 0)
            default: throw NetworkFailure.from(errno: errno, call: "recv", endpoint: endpoint)
            }
        }
    }

    /// Sends all of `bytes` (one datagram over UDP), waiting up to `timeout` seconds each
    /// time the socket has no room.
    public func send(_ bytes: [UInt8], timeout: Double?) throws(NetworkFailure) {
        if bytes.isEmpty {
            // An empty datagram over UDP; nothing at all over TCP.
            _ = try sendAvailable(bytes, from: 0)
            return
        }
        var sent = 0
        while sent < bytes.count {
            let count = try sendAvailable(bytes, from: sent)
            sent += count
            if count == 0 {
                guard try wait(for: Int16(POLLOUT), timeout: timeout) else {
                    throw .system(call: "send", endpoint: endpoint, errno: ETIMEDOUT)
                }
            }
        }
    }

    /// Sends as much of `bytes[offset...]` as the socket takes now; returns how much.
    public func sendAvailable(_ bytes: [UInt8], from offset: Int) throws(NetworkFailure) -> Int {
        let start = min(max(offset, 0), bytes.count)
        let result: Result<Int, NetworkFailure> = bytes.withUnsafeBytes { raw in
            do throws(NetworkFailure) {
                return .success(try sendAvailable(UnsafeRawBufferPointer(rebasing: raw[start...])))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// `receive(into:timeout:)` into the front of an array: at most `limit` bytes (all of
    /// `buffer` by default).
    public func receive(into buffer: inout [UInt8], limit: Int? = nil, timeout: Double?) throws(NetworkFailure) -> Int {
        let count = min(max(limit ?? buffer.count, 0), buffer.count)
        let result: Result<Int, NetworkFailure> = buffer.withUnsafeMutableBytes { raw in
            do throws(NetworkFailure) {
                return .success(try receive(into: UnsafeMutableRawBufferPointer(rebasing: raw[..<count]), timeout: timeout))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// `receiveAvailable(into:)` into the front of an array: nil when nothing is waiting.
    public func receiveAvailable(into buffer: inout [UInt8]) throws(NetworkFailure) -> Int? {
        let result: Result<Int?, NetworkFailure> = buffer.withUnsafeMutableBytes { raw in
            do throws(NetworkFailure) {
                return .success(try receiveAvailable(into: raw))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Sends as much of `bytes` as the socket takes now; returns how much (0 when it has no
    /// room).
    public func sendAvailable(_ bytes: UnsafeRawBufferPointer) throws(NetworkFailure) -> Int {
        guard descriptor >= 0 else { throw .system(call: "send", endpoint: endpoint, errno: EBADF) }
        while true {
            let count = Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return count }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return 0
            default: throw NetworkFailure.from(errno: errno, call: "send", endpoint: endpoint)
            }
        }
    }

    /// Tells the peer nothing more will be sent (a TCP FIN); receiving goes on.
    public func shutdownWrite() {
        guard descriptor >= 0 else { return }
        _ = shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Waits until poll(2) reports `events` (or an error or hang-up, which the next call
    /// reports) or `timeout` seconds pass: true if the socket is ready, false on timeout.
    private func wait(for events: Int16, timeout: Double?) throws(NetworkFailure) -> Bool {
        let deadline = timeout.map { MonotonicClock.now + $0 }
        while true {
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let milliseconds = deadline.map { MonotonicClock.milliseconds(until: $0) } ?? -1
            let status = poll(&entry, 1, milliseconds)
            if status > 0 { return true }
            if status == 0 {
                if let deadline, MonotonicClock.now < deadline { continue }
                return false
            }
            guard errno == EINTR else { throw NetworkFailure.from(errno: errno, call: "poll", endpoint: endpoint) }
        }
    }
}

/// Seconds on the monotonic clock, for deadlines that wall-clock changes cannot move.
public enum MonotonicClock {
    /// Seconds since an arbitrary fixed point.
    public static var now: Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Whole milliseconds from now until `deadline` for poll(2): at least 0, rounded up so a
    /// wait never ends just short of the deadline, at most a day.
    public static func milliseconds(until deadline: Double) -> Int32 {
        let remaining = (deadline - now) * 1000
        guard remaining > 0 else { return 0 }
        return Int32(min(remaining.rounded(.up), 86_400_000))
    }
}
