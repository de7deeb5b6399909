import CShims
import Glibc
import TernLink

/// SIGUSR1 as a readable event, like `TerminationSignals` does for SIGINT and SIGTERM: the
/// signal is blocked and read from a signalfd in the event loop. The daemon answers it by
/// logging its counters.
final class StatusSignal {
    private(set) var fileDescriptor: Int32

    init() throws(SystemError) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGUSR1)
        guard sigprocmask(SIG_BLOCK, &set, nil) == 0 else {
            throw SystemError(code: errno, operation: "cannot block SIGUSR1")
        }
        let fd = signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        guard fd >= 0 else {
            throw SystemError(code: errno, operation: "cannot set up SIGUSR1 handling")
        }
        fileDescriptor = fd
    }

    deinit {
        if fileDescriptor >= 0 { close(fileDescriptor) }
    }

    /// Reads every pending SIGUSR1; returns whether there was one.
    func drain() -> Bool {
        var any = false
        var info = signalfd_siginfo()
        while withUnsafeMutableBytes(of: &info, { read(fileDescriptor, $0.baseAddress, $0.count) })
            == MemoryLayout<signalfd_siginfo>.size {
            any = true
        }
        return any
    }
}
