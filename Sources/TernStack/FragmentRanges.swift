/// The byte ranges of a datagram being reassembled, kept sorted and merged: where a new
/// fragment's bytes go, and adding them. IPv4 and IPv6 reassembly share it (both discard a
/// datagram whose fragments overlap with different bytes: RFC 5722, and Linux for IPv4).
enum FragmentRanges {
    enum Placement {
        case new(insertAt: Int)
        case duplicate
        case overlap
    }

    /// Where `range` goes among the received ranges: new, an exact repeat of received
    /// bytes, or a conflicting overlap.
    static func placement(of range: Range<Int>, in received: [Range<Int>], data: [UInt8],
                          payload: UnsafeRawBufferPointer) -> Placement {
        if range.isEmpty { return .duplicate }
        var index = 0
        while index < received.count && received[index].upperBound <= range.lowerBound { index += 1 }
        guard index < received.count, received[index].lowerBound < range.upperBound else {
            return .new(insertAt: index)
        }
        // It touches received bytes: acceptable only if entirely inside and identical.
        let covering = received[index]
        guard covering.lowerBound <= range.lowerBound, covering.upperBound >= range.upperBound else {
            return .overlap
        }
        let same = data.withUnsafeBytes { bytes in
            UnsafeRawBufferPointer(rebasing: bytes[range]).elementsEqual(payload)
        }
        return same ? .duplicate : .overlap
    }

    /// Inserts a non-overlapping range and merges it with adjacent neighbours.
    static func insert(_ range: Range<Int>, into received: inout [Range<Int>], at index: Int) {
        var merged = range
        var i = index
        if i > 0 && received[i - 1].upperBound == merged.lowerBound {
            merged = received[i - 1].lowerBound..<merged.upperBound
            received.remove(at: i - 1)
            i -= 1
        }
        if i < received.count && received[i].lowerBound == merged.upperBound {
            merged = merged.lowerBound..<received[i].upperBound
            received.remove(at: i)
        }
        received.insert(merged, at: i)
    }
}
