import Glibc
import Logging

/// Writing lines straight to a file descriptor: the ready line to stdout, usage errors to
/// stderr. Unbuffered, so nothing waits in a buffer when the process exits or is killed.
enum Output {
    static func line(_ text: String, to fd: Int32) {
        LogBuffer.shared.flush()
        var bytes = Array(text.utf8)
        bytes.append(UInt8(ascii: "\n"))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
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
