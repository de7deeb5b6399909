import Glibc

/// A failed system call, told the way the person running Tern needs to read it: what was
/// being done, the system's reason, and — for the usual causes — what to do about it.
///
/// `description` reads, for example:
/// - `cannot open /dev/net/tun: Permission denied — run as root or with CAP_NET_ADMIN`
/// - `TAP device tern0: Device or resource busy — another process has it open`
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The `errno` value the call failed with.
    public let code: Int32
    /// What was being done, phrased to open the message: "cannot open /dev/net/tun",
    /// "TAP device tern0", "interface eth1: cannot set the MTU to 9000".
    public let operation: String
    /// Advice for the usual cause of `code` in this operation, if there is one.
    public let hint: String?

    /// An error with an explicit hint (or none).
    public init(code: Int32, operation: String, hint: String? = nil) {
        self.code = code
        self.operation = operation
        self.hint = hint
    }

    /// An error whose hint is chosen from `code` and what the operation was working on.
    public init(code: Int32, operation: String, subject: Subject) {
        self.init(code: code, operation: operation, hint: SystemError.hint(for: code, subject: subject))
    }

    /// The system's text for `code`, e.g. "Permission denied".
    public var reason: String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    public var description: String {
        var text = operation + ": " + reason
        if let hint { text += " — " + hint }
        return text
    }

    /// Whether the failure is momentary (a full queue, or nothing to read): the device still
    /// works, and the frame in hand was not sent. Stacks treat it as a loss on the wire.
    public var isTransient: Bool {
        code == EAGAIN || code == EWOULDBLOCK || code == ENOBUFS || code == EINTR
    }
}

extension SystemError {
    /// What an operation was working on; it decides which advice fits an errno.
    public enum Subject: Sendable, Equatable {
        /// The TUN/TAP driver's control file, /dev/net/tun.
        case tunDriver
        /// A TAP device being created or attached to.
        case tapDevice(String)
        /// An existing network interface (configuration ioctls, binding a packet socket).
        case interface(String)
        /// An AF_PACKET socket.
        case packetSocket
        /// The user privileges are dropped to.
        case user(String)
        /// A file Tern writes, such as a packet capture.
        case file(String)
        /// Anything else: only errno-generic advice applies.
        case other
    }

    /// Advice for `code` when it has a usual cause for `subject`; nil when the system's
    /// reason says it all.
    public static func hint(for code: Int32, subject: Subject) -> String? {
        switch (code, subject) {
        case (EPERM, .packetSocket), (EACCES, .packetSocket):
            return "run as root or with CAP_NET_RAW"
        case (EPERM, .user), (EACCES, .user):
            return "only root (CAP_SETUID and CAP_SETGID) can change to another user"
        case (EPERM, .file), (EACCES, .file):
            return "check the permissions of the file and its directory"
        case (EPERM, _), (EACCES, _):
            return "run as root or with CAP_NET_ADMIN"

        case (ENOENT, .tunDriver), (ENODEV, .tunDriver), (ENXIO, .tunDriver):
            return "the TUN/TAP driver is not available: load it with `modprobe tun`, "
                + "or pass the device into the container (e.g. --device /dev/net/tun)"
        case (ENOENT, .user):
            return "no such user; create it or choose another"
        case (ENOENT, .file):
            return "the directory does not exist"
        case (ENOENT, .interface(let name)), (ENODEV, .interface(let name)), (ENXIO, .interface(let name)):
            return "there is no interface named \(name) in this network namespace (see `ip link`)"

        case (EBUSY, .tapDevice):
            return "another process has it open"
        case (EBUSY, .interface):
            return "the interface is in use"

        case (EINVAL, .tapDevice):
            return "the name must be 1–15 characters, and must not belong to an interface "
                + "that is not a TAP device"
        case (EINVAL, .interface):
            return "the kernel rejected the value (check the interface name, address, prefix or MTU)"
        case (EINVAL, .user):
            return "the user name is not valid"

        case (ENETDOWN, .interface(let name)):
            return "the interface is down; bring it up with `ip link set \(name) up`"
        case (EMSGSIZE, _):
            return "the frame is larger than the link's MTU allows"
        case (EMFILE, _), (ENFILE, _):
            return "too many open files; raise the limit with `ulimit -n`"
        case (ENOSPC, _), (EDQUOT, _):
            return "the disk is full"
        case (EROFS, _):
            return "the file system is read-only"
        default:
            return nil
        }
    }
}

/// The current thread's errno (a function so call sites read as what they are).
@inline(__always)
func currentErrno() -> Int32 { errno }
