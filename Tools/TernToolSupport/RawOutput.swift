import Glibc

/// Writing bytes to a file descriptor exactly as they are, for output that may be binary
/// (an HTTP body) or must not wait in a buffer (a chat line).
public enum RawOutput {
    /// Why output stopped.
    public enum Failure: Error, Equatable, Sendable {
        /// The reader went away (`tern-get … | head`): not an error worth a message.
        case readerClosed
        case failed(errno: Int32)
    }

    /// Writes all of `bytes` to `descriptor` (standard output by default), waiting for room
    /// when it is non-blocking.
    public static func write(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32 = STDOUT_FILENO) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if count > 0 {
                offset += count
                continue
            }
            switch errno {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&entry, 1, -1)
            case EPIPE:
                throw .readerClosed
            default:
                throw .failed(errno: errno)
            }
        }
    }

    public static func write(_ bytes: [UInt8], to descriptor: Int32 = STDOUT_FILENO) throws(Failure) {
        try write(bytes[...], to: descriptor)
    }

    public static func write(_ bytes: ArraySlice<UInt8>, to descriptor: Int32 = STDOUT_FILENO) throws(Failure) {
        let failure: Failure? = bytes.withUnsafeBytes { raw in
            do throws(Failure) {
                try write(raw, to: descriptor)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Writes `text` as UTF-8.
    public static func write(_ text: String, to descriptor: Int32 = STDOUT_FILENO) throws(Failure) {
        try write(Array(text.utf8), to: descriptor)
    }

    /// Makes a write to a closed pipe fail with `EPIPE` instead of killing the process, so
    /// tools can stop quietly (and restore the terminal) instead.
    public static func ignoreBrokenPipeSignal() {
        signal(SIGPIPE, SIG_IGN)
    }
}
