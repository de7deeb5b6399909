import TernWire

/// Path MTUs learnt from packet too big messages (RFC 8201), per destination: bounded in
/// size, each forgotten after a while so a path that grew is found again.
struct IPv6PathMTUCache {
    private var entries: [IPv6Address: (mtu: Int, expires: Instant)] = [:]
    let lifetime: Duration
    let capacity: Int

    init(lifetime: Duration, capacity: Int) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    var isEmpty: Bool { entries.isEmpty }

    /// The MTU of the path to `destination` when smaller than `linkMTU`, else `linkMTU`.
    @inline(__always)
    func mtu(to destination: IPv6Address, linkMTU: Int, now: Instant) -> Int {
        guard !entries.isEmpty, let entry = entries[destination], now < entry.expires else { return linkMTU }
        return min(linkMTU, entry.mtu)
    }

    /// Records a packet too big's MTU for `destination`, never below IPv6's minimum of 1280
    /// (RFC 8200 §5: a smaller report is taken as 1280). Returns whether the path MTU fell.
    @discardableResult
    mutating func learn(_ reported: UInt32, for destination: IPv6Address, now: Instant) -> Bool {
        let mtu = max(IPv6Header.minimumMTU, Int(min(reported, 65535)))
        if let current = entries[destination], now < current.expires, current.mtu <= mtu { return false }
        if entries.count >= capacity, entries[destination] == nil {
            entries = entries.filter { now < $0.value.expires }
            if entries.count >= capacity, let oldest = entries.min(by: { $0.value.expires < $1.value.expires }) {
                entries[oldest.key] = nil
            }
        }
        entries[destination] = (mtu, now + lifetime)
        return true
    }
}
