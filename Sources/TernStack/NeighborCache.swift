import TernWire

/// The state of a neighbour cache entry (RFC 4861 §7.3.2).
public enum NeighborState: Sendable, Equatable, CustomStringConvertible {
    /// Being resolved: multicast solicitations sent, no link-layer address yet.
    case incomplete
    /// Confirmed recently; used without question.
    case reachable
    /// Not confirmed for a while; still used, and checked when next used.
    case stale
    /// Used while stale: waiting a little for a confirmation before probing.
    case delay
    /// Being confirmed with unicast solicitations.
    case probe

    public var description: String {
        switch self {
        case .incomplete: "INCOMPLETE"
        case .reachable: "REACHABLE"
        case .stale: "STALE"
        case .delay: "DELAY"
        case .probe: "PROBE"
        }
    }
}

/// One link's neighbour cache: IPv6 address → MAC, with the reachability states and timers
/// of RFC 4861 §7.3 and a bounded queue of packets waiting for resolution.
///
/// A pure data structure: it says which solicitations to send and what to drop; the stack
/// sends. Durations that involve chance (the reachable time) are passed in.
struct NeighborCache {
    struct Entry {
        var mac: MACAddress?
        var state: NeighborState
        /// Solicitations sent in INCOMPLETE or PROBE.
        var solicitations = 0
        /// When the state's timer fires: REACHABLE ends, DELAY turns PROBE, a
        /// solicitation is due. Nil in STALE, which waits for traffic.
        var deadline: Instant?
        var queue: [[UInt8]] = []
        /// Last confirmation or creation, for eviction.
        var touched: Instant
        /// The neighbour said it is a router (the R flag of its advertisements).
        var isRouter = false
    }

    /// What the stack must do after the timers ran.
    struct Actions {
        /// Solicitations to send: multicast (`unicastTo` nil) while resolving, unicast to
        /// the known MAC while probing.
        var solicitations: [(target: IPv6Address, unicastTo: MACAddress?)] = []
        /// Neighbours that did not answer, with the packets that waited for them.
        var failed: [(address: IPv6Address, dropped: [[UInt8]])] = []
    }

    let configuration: IPv6Configuration
    private(set) var entries: [IPv6Address: Entry] = [:]
    private(set) var queuedTotal = 0
    /// The earliest timer, or nil when none runs. May be early (the entry changed since),
    /// never late.
    private(set) var nextDeadline: Instant?

    init(configuration: IPv6Configuration) {
        self.configuration = configuration
    }

    /// The state of the entry for `address`, if there is one.
    func state(of address: IPv6Address) -> NeighborState? { entries[address]?.state }

    /// The MAC to send to `address`, if known. Using a STALE entry starts its DELAY timer
    /// (§7.3.3): the neighbour gets a few seconds to be confirmed before it is probed.
    /// Runs for every packet sent: one hash lookup, and the entry (with its queue) is read
    /// in place rather than copied.
    mutating func lookup(_ address: IPv6Address, now: Instant) -> MACAddress? {
        guard let index = entries.index(forKey: address) else { return nil }
        if entries.values[index].state == .stale {
            entries.values[index].state = .delay
            entries.values[index].deadline = now + configuration.delayFirstProbeTime
            schedule(now + configuration.delayFirstProbeTime)
        }
        return entries.values[index].mac
    }

    /// Queues a packet for an address with no MAC yet, creating an INCOMPLETE entry for a
    /// new one. Returns whether a solicitation should go out now (a new entry) and whether
    /// the packet was kept.
    mutating func enqueue(_ packet: [UInt8], for address: IPv6Address, now: Instant)
        -> (solicit: Bool, queued: Bool) {
        var entry: Entry
        var solicit = false
        if let existing = entries[address] {
            entry = existing
        } else {
            makeRoom()
            entry = Entry(mac: nil, state: .incomplete, solicitations: 1,
                          deadline: now + configuration.retransmitTimer, touched: now)
            schedule(now + configuration.retransmitTimer)
            solicit = true
        }
        guard entry.queue.count < configuration.maximumQueuedPerAddress,
              queuedTotal < configuration.maximumQueuedTotal else {
            entries[address] = entry
            return (solicit, false)
        }
        entry.queue.append(packet)
        queuedTotal += 1
        entries[address] = entry
        return (solicit, true)
    }

    /// A solicitation from `address` carried its link-layer address (§7.2.3): a new or
    /// changed address is recorded as STALE (it is not a confirmation of reachability).
    /// Returns the packets that were waiting for it.
    mutating func solicitationReceived(from address: IPv6Address, mac: MACAddress, now: Instant) -> [[UInt8]] {
        guard var entry = entries[address] else {
            makeRoom()
            entries[address] = Entry(mac: mac, state: .stale, touched: now)
            return []
        }
        if entry.mac != mac {
            entry.mac = mac
            entry.state = .stale
            entry.deadline = nil
            entry.solicitations = 0
        }
        entry.touched = now
        return takeQueue(of: &entry, address)
    }

    /// An advertisement for `target` (§7.2.5): its link-layer address (if it carried one)
    /// and flags. Only existing entries are updated. `reachableFor` is the reachable time
    /// to use if it confirms the neighbour. Returns the packets that were waiting.
    mutating func advertisementReceived(target: IPv6Address, mac: MACAddress?, solicited: Bool, override: Bool,
                                        router: Bool, reachableFor: Duration, now: Instant) -> [[UInt8]] {
        guard var entry = entries[target] else { return [] }
        if entry.state == .incomplete {
            guard let mac else { return [] }
            entry.mac = mac
            entry.isRouter = router
            entry.touched = now
            confirm(&entry, solicited: solicited, reachableFor: reachableFor, now: now)
            return takeQueue(of: &entry, target)
        }
        let changed = mac != nil && mac != entry.mac
        if !override && changed {
            // Someone else claims the address: trust the cached one a little less, no more.
            if entry.state == .reachable {
                entry.state = .stale
                entry.deadline = nil
            }
            entries[target] = entry
            return []
        }
        if let mac { entry.mac = mac }
        entry.isRouter = router
        if solicited {
            entry.touched = now
            confirm(&entry, solicited: true, reachableFor: reachableFor, now: now)
        } else if changed {
            entry.state = .stale
            entry.deadline = nil
            entry.solicitations = 0
        }
        entries[target] = entry
        return []
    }

    /// Forgets `address` (its packets are dropped and returned).
    mutating func remove(_ address: IPv6Address) -> [[UInt8]] {
        guard let entry = entries.removeValue(forKey: address) else { return [] }
        queuedTotal -= entry.queue.count
        return entry.queue
    }

    /// Runs the timers due at `now`: REACHABLE turns STALE, DELAY turns PROBE with a first
    /// probe, INCOMPLETE and PROBE solicit again or give up.
    mutating func expire(now: Instant) -> Actions {
        var actions = Actions()
        guard let due = nextDeadline, due <= now else { return actions }
        nextDeadline = nil
        for (address, entry) in entries {
            guard let deadline = entry.deadline else { continue }
            guard deadline <= now else {
                schedule(deadline)
                continue
            }
            var updated = entry
            switch entry.state {
            case .reachable:
                updated.state = .stale
                updated.deadline = nil
            case .stale:
                updated.deadline = nil
            case .delay:
                updated.state = .probe
                updated.solicitations = 1
                updated.deadline = now + configuration.retransmitTimer
                actions.solicitations.append((address, entry.mac))
            case .incomplete, .probe:
                let limit = entry.state == .incomplete ? configuration.maximumMulticastSolicitations
                                                       : configuration.maximumUnicastSolicitations
                if entry.solicitations >= limit {
                    queuedTotal -= entry.queue.count
                    entries[address] = nil
                    actions.failed.append((address, entry.queue))
                    continue
                }
                updated.solicitations += 1
                updated.deadline = now + configuration.retransmitTimer
                actions.solicitations.append((address, entry.state == .probe ? entry.mac : nil))
            }
            if let next = updated.deadline { schedule(next) }
            entries[address] = updated
        }
        return actions
    }

    /// REACHABLE for `reachableFor` when solicited; an unsolicited answer only says
    /// where the neighbour is (STALE).
    private mutating func confirm(_ entry: inout Entry, solicited: Bool, reachableFor: Duration, now: Instant) {
        entry.solicitations = 0
        if solicited {
            entry.state = .reachable
            entry.deadline = now + reachableFor
            schedule(now + reachableFor)
        } else {
            entry.state = .stale
            entry.deadline = nil
        }
    }

    private mutating func takeQueue(of entry: inout Entry, _ address: IPv6Address) -> [[UInt8]] {
        let waiting = entry.queue
        queuedTotal -= waiting.count
        entry.queue = []
        entries[address] = entry
        return waiting
    }

    private mutating func schedule(_ deadline: Instant) {
        if let current = nextDeadline, current <= deadline { return }
        nextDeadline = deadline
    }

    /// Forgets the least recently confirmed neighbour when the table is full.
    private mutating func makeRoom() {
        guard entries.count >= configuration.maximumNeighbors else { return }
        guard let victim = entries.min(by: { $0.value.touched < $1.value.touched }) else { return }
        queuedTotal -= victim.value.queue.count
        entries[victim.key] = nil
    }
}
