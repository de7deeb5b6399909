import CShims
import Glibc

/// Giving up root once the device is open and configured.
public enum Privileges {
    /// Becomes `user` for good and clears every capability.
    ///
    /// In order: no-new-privs; every capability out of the bounding and ambient sets; no
    /// supplementary groups; the user's gid and uid as real, effective and saved ids; the
    /// effective, permitted and inheritable sets cleared. Then it checks that root cannot be
    /// regained. Open file descriptors (the TAP device, a capture file) keep working.
    ///
    /// Call it before starting threads: glibc changes the ids of every thread, but the
    /// capability sets change only for the calling one.
    public static func drop(toUser user: String) throws(SystemError) {
        guard !user.isEmpty, !user.utf8.contains(0) else {
            throw SystemError(code: EINVAL, operation: "cannot drop privileges to user \"\(user)\"", subject: .user(user))
        }
        var step: UnsafePointer<CChar>? = nil
        let result = tern_drop_privileges(user, &step)
        guard result < 0 else { return }
        let stepText = stepName(step)
        let operation = stepText == "look up user"
            ? "cannot drop privileges to user \(user)"
            : "cannot drop privileges to user \(user) (\(stepText))"
        throw SystemError(code: -result, operation: operation, subject: .user(user))
    }

    /// Gives up every capability while staying the same user: for a process that is not
    /// root but was granted capabilities (file capabilities, ambient ones). Clears the
    /// effective, permitted, inheritable and ambient sets and sets no-new-privs; the
    /// bounding set stays (shrinking it needs CAP_SETPCAP), which no-new-privs makes moot.
    public static func clearCapabilities() throws(SystemError) {
        let result = tern_clear_capabilities()
        guard result < 0 else { return }
        throw SystemError(code: -result, operation: "cannot clear the process's capabilities")
    }

    /// Whether the effective, permitted and inheritable capability sets are all empty.
    public static func capabilitiesAreClear() throws(SystemError) -> Bool {
        let result = tern_capabilities_are_clear()
        guard result >= 0 else {
            throw SystemError(code: -result, operation: "cannot read the process's capabilities")
        }
        return result == 1
    }
}
