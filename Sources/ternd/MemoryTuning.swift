import CShims

/// How the daemon has glibc's malloc place its memory.
///
/// Each TCP connection's send and receive buffers (256 KiB each by default) are allocated
/// when data needs them and given back a second after they empty (to a small pool that
/// new connections reuse, itself emptied when idle). Left to itself, malloc soon
/// serves blocks of that size from its heap, and freed heap memory stays resident: after
/// a burst on a thousand connections the daemon kept tens of megabytes it no longer used.
/// With a mapping of its own per buffer, a freed buffer goes back to the system at once,
/// and a buffer costs only the pages actually written.
enum MemoryTuning {
    /// Allocations of at least this many bytes get their own mapping: every TCP buffer at
    /// the default sizes, not the web server's 64 KiB file chunks (reused per connection).
    static let mappedAllocationThreshold = 128 * 1024

    static func apply() {
        _ = tern_map_large_allocations(mappedAllocationThreshold)
    }
}
