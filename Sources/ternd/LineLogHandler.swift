import Glibc
import Logging

/// Log lines on stderr: "2026-01-31T12:00:00.123Z warning ternd: message key=value".
/// Lines go through `LogBuffer`: info and debug lines are written once per turn of the
/// event loop, warnings and errors at once; whole lines always, never cut in half.
struct LineLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        // Metadata is merged and sorted only when there is some.
        let extra = event.metadata ?? [:]
        let fields = metadata.isEmpty && extra.isEmpty
            ? [] : metadata.merging(extra) { $1 }.sorted(by: { $0.key < $1.key })
        LineLogHandler.writeLine(level: event.level, label: label) { line in
            line.append(text: event.message.description)
            for (key, value) in fields {
                line.append(text: " " + key + "=")
                line.append(text: value.description)
            }
        }
    }

    /// Puts a line together straight in the log buffer: timestamp, level and label, then
    /// what `message` appends. The web server's access log comes this way for every request.
    static func writeLine(level: Logger.Level, label: String, message: (inout [UInt8]) -> Void) {
        LogBuffer.shared.appendLine(urgent: level >= .warning) { line in
            appendTimestamp(to: &line)
            line.append(text: " " + level.rawValue + " ")
            line.append(text: label)
            line.append(text: ": ")
            message(&line)
        }
    }

    /// UTC, to the millisecond. The date and time up to the second are formatted once per
    /// second.
    private static func appendTimestamp(to line: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        line.append(text: SecondStamp.shared.text(for: now.tv_sec))
        let milliseconds = Int(now.tv_nsec / 1_000_000)
        line.append(UInt8(ascii: "."))
        line.append(UInt8(ascii: "0") + UInt8(milliseconds / 100 % 10))
        line.append(UInt8(ascii: "0") + UInt8(milliseconds / 10 % 10))
        line.append(UInt8(ascii: "0") + UInt8(milliseconds % 10))
        line.append(UInt8(ascii: "Z"))
    }
}

private extension [UInt8] {
    mutating func append(text: String) { append(contentsOf: text.utf8) }
}

/// The last second's "YYYY-MM-DDTHH:MM:SS", reused while the second lasts.
private final class SecondStamp: @unchecked Sendable {
    static let shared = SecondStamp()
    private var second = -1
    private var cached = ""

    func text(for seconds: Int) -> String {
        if seconds == second { return cached }
        var parts = tm()
        var value = seconds
        gmtime_r(&value, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        cached = "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
        second = seconds
        return cached
    }
}
