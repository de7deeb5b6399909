import Glibc
import TernToolSupport

/// Asking a time server: the exchange over TCP or UDP.
enum TimeQuery {
    /// Over TCP the server sends its 4 bytes and closes; reading on until the close tells a
    /// time server from something else on the port. More than this is not worth reading.
    static let streamReadLimit = 64

    /// Connects over TCP and reads until the server closes.
    static func overTCP(host: String, port: UInt16, timeout: Double) throws(ToolFailure) -> UInt32 {
        let socket = try ClientSocket.connectForTool(host: host, port: port, transport: .tcp, timeout: timeout)
        return try read(from: socket, timeout: timeout)
    }

    /// Reads a reply from a connected stream socket until the peer closes (or sends too much).
    static func read(from socket: ClientSocket, timeout: Double) throws(ToolFailure) -> UInt32 {
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: streamReadLimit)
        do {
            while reply.count <= TimeReply.length {
                let count = try socket.receive(into: &buffer, timeout: timeout)
                guard count > 0 else { break }
                reply += buffer[..<count]
            }
        } catch {
            throw error.toolFailure
        }
        guard let value = TimeReply.value(of: reply) else {
            throw ToolFailure(TimeReply.Problem.streamLength(reply.count).message, status: 1)
        }
        return value
    }

    /// Sends an empty datagram and waits for the 4-byte answer. UDP may lose either
    /// datagram, so the query is sent up to `attempts` times, the timeout shared among them;
    /// an answer to any of them will do.
    static func overUDP(host: String, port: UInt16, timeout: Double, attempts: Int = 3) throws(ToolFailure) -> UInt32 {
        do {
            let socket = try ClientSocket.connect(host: host, port: port, transport: .udp, timeout: timeout)
            var buffer = [UInt8](repeating: 0, count: 512)
            for attempt in 1...max(attempts, 1) {
                try socket.send([], timeout: timeout)
                let count: Int
                do {
                    count = try socket.receive(into: &buffer, timeout: timeout / Double(max(attempts, 1)))
                } catch .receiveTimedOut where attempt < attempts {
                    continue
                } catch .receiveTimedOut {
                    throw NetworkFailure.receiveTimedOut(endpoint: socket.endpoint, seconds: timeout)
                }
                guard let value = TimeReply.value(of: Array(buffer[..<count])) else {
                    throw ToolFailure(TimeReply.Problem.datagramLength(count).message, status: 1)
                }
                return value
            }
            throw NetworkFailure.receiveTimedOut(endpoint: socket.endpoint, seconds: timeout)
        } catch let failure as ToolFailure {
            throw failure
        } catch let failure as NetworkFailure {
            throw failure.toolFailure
        } catch {
            throw ToolFailure("\(error)", status: 1)
        }
    }

    /// The local clock, in whole seconds since 1970.
    static func unixTimeNow() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }
}
