import CShims

/// Moving into a network namespace, for tests and tools that run inside one they created
/// (`ip netns add NAME` makes /run/netns/NAME).
public enum NetworkNamespace {
    /// Moves the calling thread — only that thread — into the namespace at `path`. Devices,
    /// sockets and interface settings the thread then creates live in that namespace, and
    /// their descriptors keep working from any thread. Use a thread of your own: a pooled
    /// thread would carry the namespace into unrelated work. Needs CAP_SYS_ADMIN.
    public static func enterForCurrentThread(path: String) throws(SystemError) {
        let result = tern_enter_netns(path)
        guard result >= 0 else {
            throw SystemError(code: -result, operation: "cannot enter the network namespace \(path)", subject: .file(path))
        }
    }
}
