import Glibc
import Logging
import TernLink

/// Giving up root once the device is open: the documented promise (docs/daemon.md) to drop
/// to `--user` and clear all capabilities.
enum PrivilegeDrop {
    /// As root: become `user` with no capabilities (`Privileges.drop`). Not as root there
    /// is no way to change user, so staying the current user is allowed (with a warning)
    /// and any other user is an error; capabilities the process was granted (file or
    /// ambient capabilities, the usual way to run it unprivileged) are cleared.
    static func perform(user: String, logger: Logger) throws(StartupError) {
        if geteuid() == 0 {
            do {
                try Privileges.drop(toUser: user)
            } catch {
                throw StartupError(error)
            }
            logger.info("dropped privileges: now user \(user) (uid \(getuid()), gid \(getgid())), no capabilities")
            return
        }
        let current = currentUserName() ?? "uid \(geteuid())"
        guard let entry = getpwnam(user) else {
            throw StartupError("cannot drop privileges to user \(user): no such user")
        }
        guard entry.pointee.pw_uid == geteuid() else {
            throw StartupError("cannot change to user \(user): ternd is not running as root (it runs as \(current); pass --user \(current) to stay so)")
        }
        do {
            try Privileges.clearCapabilities()
        } catch {
            throw StartupError(error)
        }
        logger.warning("not running as root: staying user \(current); capabilities cleared")
    }

    private static func currentUserName() -> String? {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }
}
