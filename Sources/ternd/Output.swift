import Glibc
import Logging

/// Writing lines straight to a file descriptor: the ready line to stdout, usage errors to
/// stderr. Unbuffered, so nothing waits in a buffer when the process exits or is killed.
enum Output {
    static func line(_ text: String, to fd: Int32) {
        LogBuffer.shared.flush()
        var bytes = Array(text.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { writeAll($0, to: fd) }
    }

    /// Writes all of `bytes`, retrying after interruptions and short writes; gives up
    /// silently on any other failure (there is nowhere left to report it).
    static func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, base + offset, bytes.count - offset)
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    /// Sends logs to stderr, one line per message, at `level` and above.
    static func bootstrapLogging(level: LogLevelOption) {
        let threshold = Logger.Level(rawValue: level.rawValue) ?? .info
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, logLevel: threshold) }
    }
}
