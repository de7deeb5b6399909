import TernToolSupport

/// Copies a response from the socket to the output as it arrives, byte for byte, until the
/// server closes the connection.
enum ResponseCopy {
    /// How the copy ended without a failure.
    enum Outcome: Equatable {
        /// The server closed the connection after `bytes` bytes, all written out.
        case complete(bytes: Int)
        /// The output's reader went away (`| head`) after `bytes` bytes: nothing to report.
        case outputClosed(bytes: Int)
    }

    /// Reads up to this many bytes at a time.
    static let readSize = 64 * 1024

    /// Runs the copy. `timeout` bounds each wait for data, so a server that stops sending
    /// ends the copy with a failure rather than hanging it; so do a reset and a close
    /// before any byte.
    static func run(from socket: ClientSocket, timeout: Double,
                    write: (ArraySlice<UInt8>) throws(RawOutput.Failure) -> Void) throws(ToolFailure) -> Outcome {
        var buffer = [UInt8](repeating: 0, count: readSize)
        var total = 0
        while true {
            let count: Int
            do {
                count = try socket.receive(into: &buffer, timeout: timeout)
            } catch {
                let received = total == 0 ? "" : " (after \(total) bytes of the response)"
                throw ToolFailure(error.description + received, status: 1)
            }
            guard count > 0 else { break }
            do {
                try write(buffer[..<count])
            } catch {
                switch error {
                case .readerClosed: return .outputClosed(bytes: total)
                case .failed(let code): throw ToolFailure("cannot write the response: error \(code)", status: 1)
                }
            }
            total += count
        }
        guard total > 0 else {
            throw ToolFailure("\(socket.endpoint): the server closed the connection without sending a response", status: 1)
        }
        return .complete(bytes: total)
    }
}
