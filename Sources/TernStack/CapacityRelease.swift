/// Tables that a burst grows give their storage back once the burst is over.
///
/// A Swift dictionary keeps the capacity of the largest size it ever had: removing entries
/// never shrinks it. After a burst of thousands of connections, the connection and session
/// tables would go on holding room for thousands, and since they were allocated at the peak
/// they sit near the top of malloc's heap and stop it from shrinking at all.
extension Dictionary {
    /// Rebuilds the table at its present size when at most a quarter of its room is used
    /// (tables of up to 64 entries are left alone). O(count); meant for idle moments.
    public mutating func releaseExcessCapacity() {
        guard capacity > 64 && count * 4 <= capacity else { return }
        var fresh = Dictionary(minimumCapacity: count)
        for (key, value) in self { fresh[key] = value }
        self = fresh
    }
}

extension Array {
    /// Gives back the storage of an array that is empty now (queues refilled per poll keep
    /// their capacity while busy; this drops a burst's worth when idle).
    public mutating func releaseExcessCapacityIfEmpty() {
        if isEmpty && capacity > 0 { self = [] }
    }
}
