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
        var line = LineLogHandler.timestamp() + " \(event.level) \(label): \(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(value)"
        }
        LogBuffer.shared.append(line, urgent: event.level >= .warning)
    }

    /// UTC, to the millisecond. The date and time up to the second are formatted once per
    /// second.
    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let milliseconds = Int(now.tv_nsec / 1_000_000)
        let fraction = String(String(milliseconds + 1000).dropFirst())
        return SecondStamp.shared.text(for: now.tv_sec) + "." + fraction + "Z"
    }
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
