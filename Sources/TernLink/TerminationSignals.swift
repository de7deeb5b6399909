import CShims
import Glibc

/// SIGINT and SIGTERM as readable events: the signals are blocked and delivered through a
/// signalfd that the event loop polls with everything else, so shutdown happens between two
/// loop iterations, never inside one. SIGPIPE is ignored.
///
/// Create it before starting any thread: threads started later inherit the blocked mask.
public final class TerminationSignals {
    private var descriptor: Int32

    /// The descriptor to poll; readable when a signal is pending.
    public var fileDescriptor: Int32 { descriptor }

    public init() throws(SystemError) {
        let result = tern_signalfd_for_termination()
        guard result >= 0 else {
            throw SystemError(code: -result, operation: "cannot set up SIGINT/SIGTERM handling", subject: .other)
        }
        descriptor = result
    }

    deinit {
        close()
    }

    /// The next pending signal's number (SIGINT or SIGTERM), or nil when none is pending.
    public func next() throws(SystemError) -> Int32? {
        guard descriptor >= 0 else {
            throw SystemError(code: EBADF, operation: "the signal descriptor is closed")
        }
        let result = tern_signalfd_read(descriptor)
        guard result >= 0 else {
            throw SystemError(code: -result, operation: "cannot read a pending signal", subject: .other)
        }
        return result == 0 ? nil : result
    }

    /// Closes the descriptor. The signals stay blocked.
    public func close() {
        guard descriptor >= 0 else { return }
        _ = Glibc.close(descriptor)
        descriptor = -1
    }
}
