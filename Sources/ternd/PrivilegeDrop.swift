import Glibc
import Logging
import TernLink

/// Giving up root once the device is open: SPEC §1's "drops to --user and clears all
/// capabilities".
enum PrivilegeDrop {
    /// As root: become `user` with no capabilities (`Privileges.drop`). Not as root there
    /// is nothing to give up and no way to change user, so: staying the current user is
    /// allowed (with a warning, since `--user` says otherwise only by default), any other
    /// user is an error — unless capabilities were granted to the binary, which cannot be
    /// cleared without root's help here, and are refused rather than kept.
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
        let clear: Bool
        do {
            clear = try Privileges.capabilitiesAreClear()
        } catch {
            throw StartupError(error)
        }
        guard clear else {
            throw StartupError("ternd runs as \(current) but holds capabilities it cannot drop without root; run it as root, or without file capabilities")
        }
        logger.warning("not running as root: staying user \(current), which holds no capabilities")
    }

    private static func currentUserName() -> String? {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }
}
