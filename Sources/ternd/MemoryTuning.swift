import CShims
import TernStack

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

    /// How long after the last frame the daemon counts as idle and gives memory back: once
    /// at the first delay, when the clients have gone, and again at the second, when their
    /// TIME-WAIT records (4 s) and pooled buffers (1–2 s) have gone too.
    static let releaseDelays: [UInt64] = [1_000_000_000, 5_000_000_000]

    /// What a burst of traffic leaves behind in malloc's heap: each connection's state,
    /// the web server's file chunks (64 KiB, below the mapping threshold) and the tables
    /// sized for the crowd, all freed when the burst ends, but freed memory below a block
    /// that is still live stays resident for good (after 4,000 concurrent downloads the
    /// daemon kept 130 MiB of heap, all of it free). So when traffic stops the tables are
    /// shrunk to what they hold and every free page of the heap is returned.
    static func releaseUnused(stack: NetworkStack, services: ServiceSet) {
        stack.releaseUnusedMemory()
        services.releaseUnusedMemory()
        _ = tern_release_free_memory()
    }
}
