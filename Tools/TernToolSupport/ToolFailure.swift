import Glibc

/// A failure a tool reports to its user: a one-line message and an exit status.
///
/// Tools throw this for bad input (an unreadable file, a malformed address, a graph that
/// makes no sense). `runAsTool()` prints `TOOL: message` on standard error and exits with
/// `status`, so no bad input ever ends in a trap or a stack trace.
public struct ToolFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, phrased for the user, without the tool's name or a final newline.
    public var message: String
    /// The exit status; 2 (bad usage or input) unless the tool documents otherwise.
    public var status: Int32

    public init(_ message: String, status: Int32 = 2) {
        self.message = message
        self.status = status
    }

    public var description: String { message }
}

/// The name the tool was started as (the last component of `argv[0]`), for messages.
public var toolName: String {
    let path = CommandLine.arguments.first ?? "tern"
    return path.split(separator: "/").last.map(String.init) ?? path
}

/// Writes `text` to standard error as is (add the newline yourself).
public func writeStandardError(_ text: String) {
    try? RawOutput.write(Array(text.utf8), to: STDERR_FILENO)
}

/// Prints `TOOL: message` on standard error and exits with `status` (2 by default: bad
/// usage or input).
public func fail(_ message: String, status: Int32 = 2) -> Never {
    writeStandardError("\(toolName): \(message)\n")
    exit(status)
}
