import DequeModule
import TernWire

/// What remains of a connection in TIME-WAIT: enough to re-acknowledge a retransmitted
/// FIN and to judge whether a new SYN may reuse the 4-tuple (RFC 6191), in a few dozen
/// bytes instead of a whole connection with its buffers.
struct TimeWaitEntry {
    var sendNext: SequenceNumber
    var receiveNext: SequenceNumber
    /// The window to advertise in re-acknowledgments (already scaled down).
    var window: UInt16
    /// The peer's last timestamp and our offset, when the connection used timestamps.
    var timestampRecent: UInt32?
    var timestampOffset: UInt32
    var expires: Instant
}

/// Connections in TIME-WAIT, expiring in the order they entered it (every entry lives for
/// the same 2·MSL, so a FIFO of deadlines is enough).
struct TimeWaitTable {
    private(set) var entries: [ConnectionKey: TimeWaitEntry] = [:]
    private var order = Deque<(key: ConnectionKey, expires: Instant)>()
    let limit: Int

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    var count: Int { entries.count }

    subscript(key: ConnectionKey) -> TimeWaitEntry? { entries[key] }

    /// Adds or refreshes an entry. When full, the oldest entry is forgotten early.
    mutating func insert(_ key: ConnectionKey, _ entry: TimeWaitEntry) {
        if entries[key] == nil && entries.count >= limit { evictOldest() }
        entries[key] = entry
        order.append((key, entry.expires))
    }

    mutating func remove(_ key: ConnectionKey) {
        entries[key] = nil
    }

    /// Forgets entries whose time is up.
    mutating func expire(now: Instant) {
        while let first = order.first, first.expires <= now {
            order.removeFirst()
            // A refreshed entry has a later deadline queued behind; only the current one counts.
            if let entry = entries[first.key], entry.expires <= now { entries[first.key] = nil }
        }
        compactIfNeeded()
    }

    /// The earliest queued deadline (possibly of an entry already removed: harmless).
    var nextDeadline: Instant? { order.first?.expires }

    private mutating func evictOldest() {
        while let first = order.popFirst() {
            if let entry = entries[first.key], entry.expires == first.expires {
                entries[first.key] = nil
                return
            }
        }
    }

    /// Storage sized for a burst's worth of entries, given back once they have expired.
    mutating func releaseUnusedMemory() {
        entries.releaseExcessCapacity()
        order = Deque(order.filter { entries[$0.key]?.expires == $0.expires })
    }

    /// Drops queue records of removed entries when they outnumber the live ones.
    private mutating func compactIfNeeded() {
        guard order.count > 2 * max(entries.count, 64) else { return }
        order = Deque(order.filter { entries[$0.key]?.expires == $0.expires })
    }
}
