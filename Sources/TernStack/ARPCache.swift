import TernWire

/// The neighbour table: IPv4 address → MAC, with expiry, re-resolution and a bounded queue
/// of datagrams waiting for an answer (RFC 826, RFC 1122 §2.3.2).
///
/// A pure data structure: it decides what should be sent (requests) and what must be
/// dropped, and the stack does the sending.
struct ARPCache {
    enum State {
        /// Confirmed; trusted until `expires`.
        case reachable(expires: Instant)
        /// Lifetime over: still used, but being re-resolved (`requestsSent` so far).
        case stale(requestsSent: Int, nextRequest: Instant)
        /// No MAC yet; datagrams wait in `queue`.
        case incomplete(requestsSent: Int, nextRequest: Instant)
    }

    struct Entry {
        var mac: MACAddress
        var state: State
        var queue: [[UInt8]] = []
        /// Last time the entry was confirmed, for eviction.
        var confirmed: Instant
    }

    /// What the stack must do after a timer check.
    struct Actions {
        var requests: [(address: IPv4Address, knownMAC: MACAddress?)] = []
        var failed: [(address: IPv4Address, dropped: [[UInt8]])] = []
    }

    let configuration: ARPConfiguration
    private(set) var entries: [IPv4Address: Entry] = [:]
    private(set) var queuedTotal = 0
    /// The earliest retry due, or nil when nothing is being resolved. May be early (an entry
    /// answered since), never late.
    private(set) var nextDeadline: Instant?

    init(configuration: ARPConfiguration) {
        self.configuration = configuration
    }

    /// The last reachable answer, so a stream of datagrams to one next hop skips the table.
    private var recent: (address: IPv4Address, mac: MACAddress, expires: Instant)?

    /// The MAC to use for `address`, if any. A reachable entry past its lifetime turns
    /// stale: it is still used while a request re-confirms it (returned in `needsRequest`).
    @inline(__always)
    mutating func lookup(_ address: IPv4Address, now: Instant) -> (mac: MACAddress?, needsRequest: Bool) {
        if let r = recent, r.address == address, now < r.expires { return (r.mac, false) }
        return lookupEntry(address, now: now)
    }

    private mutating func lookupEntry(_ address: IPv4Address, now: Instant) -> (mac: MACAddress?, needsRequest: Bool) {
        guard var entry = entries[address] else { return (nil, false) }
        switch entry.state {
        case .reachable(let expires):
            if now < expires {
                recent = (address, entry.mac, expires)
                return (entry.mac, false)
            }
            entry.state = .stale(requestsSent: 1, nextRequest: now + configuration.retryInterval)
            entries[address] = entry
            schedule(now + configuration.retryInterval)
            return (entry.mac, true)
        case .stale:
            return (entry.mac, false)
        case .incomplete:
            return (nil, false)
        }
    }

    /// Records `mac` for `address`. With `create` false only an existing entry is updated
    /// (RFC 826: learn from every ARP packet only what we already track, plus the senders of
    /// packets aimed at us). Returns the datagrams that were waiting for this answer.
    mutating func learn(_ address: IPv4Address, mac: MACAddress, now: Instant, create: Bool) -> [[UInt8]] {
        if recent?.address == address { recent = nil }
        if var entry = entries[address] {
            let waiting = entry.queue
            queuedTotal -= waiting.count
            entry.queue = []
            entry.mac = mac
            entry.state = .reachable(expires: now + configuration.entryLifetime)
            entry.confirmed = now
            entries[address] = entry
            return waiting
        }
        guard create else { return [] }
        makeRoom(now: now)
        entries[address] = Entry(mac: mac, state: .reachable(expires: now + configuration.entryLifetime), confirmed: now)
        return []
    }

    /// Queues a datagram for an address with no MAC yet. Returns whether a request should
    /// go out now (the first datagram for the address) and whether the datagram was kept.
    mutating func enqueue(_ datagram: [UInt8], for address: IPv4Address, now: Instant) -> (sendRequest: Bool, queued: Bool) {
        var entry: Entry
        var sendRequest = false
        if let existing = entries[address] {
            entry = existing
        } else {
            makeRoom(now: now)
            entry = Entry(mac: .zero, state: .incomplete(requestsSent: 1, nextRequest: now + configuration.retryInterval),
                          confirmed: now)
            schedule(now + configuration.retryInterval)
            sendRequest = true
        }
        guard entry.queue.count < configuration.maximumQueuedPerAddress,
              queuedTotal < configuration.maximumQueuedTotal else {
            entries[address] = entry
            return (sendRequest, false)
        }
        entry.queue.append(datagram)
        queuedTotal += 1
        entries[address] = entry
        return (sendRequest, true)
    }

    /// Retries and failures due at `now`.
    mutating func expire(now: Instant) -> Actions {
        var actions = Actions()
        guard let due = nextDeadline, due <= now else { return actions }
        nextDeadline = nil
        for (address, entry) in entries {
            switch entry.state {
            case .reachable:
                continue
            case .stale(let sent, let next), .incomplete(let sent, let next):
                guard next <= now else {
                    schedule(next)
                    continue
                }
                let isStale: Bool
                if case .stale = entry.state { isStale = true } else { isStale = false }
                if sent >= configuration.maximumRequests {
                    queuedTotal -= entry.queue.count
                    entries[address] = nil
                    actions.failed.append((address, entry.queue))
                } else {
                    var updated = entry
                    let nextTime = now + configuration.retryInterval
                    updated.state = isStale ? .stale(requestsSent: sent + 1, nextRequest: nextTime)
                                            : .incomplete(requestsSent: sent + 1, nextRequest: nextTime)
                    entries[address] = updated
                    schedule(nextTime)
                    actions.requests.append((address, isStale ? entry.mac : nil))
                }
            }
        }
        return actions
    }

    private mutating func schedule(_ deadline: Instant) {
        if let current = nextDeadline, current <= deadline { return }
        nextDeadline = deadline
    }

    /// Evicts the least recently confirmed entry when the table is full.
    private mutating func makeRoom(now: Instant) {
        guard entries.count >= configuration.maximumEntries else { return }
        guard let victim = entries.min(by: { $0.value.confirmed < $1.value.confirmed }) else { return }
        if recent?.address == victim.key { recent = nil }
        queuedTotal -= victim.value.queue.count
        entries[victim.key] = nil
    }
}
