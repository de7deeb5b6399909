import Glibc

/// The write end of the signal pipe, for the handler (which can reach nothing else). Set
/// once, before any handler is installed.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// Signals as bytes on a pipe, so that the event loop sees them in poll(2) like any other
/// input and handles them in order — restoring the terminal on the way out — instead of
/// being interrupted at an arbitrary point.
enum SignalPipe {
    /// Installs the handlers and returns the pipe's read end, or nil if no pipe could be made.
    static func install(_ signals: [Int32]) -> Int32? {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        signalPipeWriteEnd = ends[1]
        let handler: @convention(c) (Int32) -> Void = { number in
            let savedErrno = errno
            var byte = UInt8(truncatingIfNeeded: number)
            _ = write(signalPipeWriteEnd, &byte, 1)
            errno = savedErrno
        }
        for number in signals { signal(number, handler) }
        return ends[0]
    }

    /// The signals waiting on the pipe.
    static func drain(_ readEnd: Int32) -> [Int32] {
        var numbers: [Int32] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = read(readEnd, &buffer, buffer.count)
            guard count > 0 else { return numbers }
            numbers += buffer[..<count].map { Int32($0) }
        }
    }
}
