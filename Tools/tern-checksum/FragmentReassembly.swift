import TernWire

/// Puts fragmented IPv4 datagrams back together, so that the TCP or UDP checksum, which
/// covers the whole datagram, can be checked. Only what a capture needs: no timeouts, and
/// overlapping fragments are accepted with the later bytes winning.
struct FragmentReassembly {
    /// Identifies the fragments of one datagram (RFC 791).
    struct Key: Hashable {
        var source: IPv4Address
        var destination: IPv4Address
        var protocolNumber: UInt8
        var identification: UInt16
    }

    /// A datagram rebuilt from its fragments.
    struct Datagram {
        /// The first fragment's header (flags and lengths still those of the fragment).
        var header: IPv4Header
        /// The first fragment's IP options.
        var options: [UInt8]
        /// The whole transport segment or datagram.
        var payload: [UInt8]
        /// The frames the fragments came in, in capture order.
        var frames: [Int]
    }

    /// What adding a fragment led to.
    enum Progress {
        case incomplete
        case complete(Datagram)
        /// The fragment cannot belong to a valid datagram (it reaches past 65,535 bytes).
        case invalid(String)
    }

    /// The largest payload an IPv4 datagram can have (65,535 minus the minimum header).
    static let maximumPayload = 65_515

    private struct Pending {
        var first: (header: IPv4Header, options: [UInt8])?
        var pieces: [(offset: Int, bytes: [UInt8])] = []
        var totalLength: Int?
        var frames: [Int] = []
    }

    private var pending: [Key: Pending] = [:]
    private var arrival: [Key] = []

    /// Adds the fragment in `frame`; returns the whole datagram once every byte has arrived.
    mutating func add(_ header: IPv4Header, options: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer,
                      frame: Int) -> Progress {
        let offset = header.fragmentByteOffset
        guard offset + payload.count <= FragmentReassembly.maximumPayload else {
            return .invalid("fragment at offset \(offset) with \(payload.count) bytes reaches past the largest IPv4 datagram")
        }
        let key = Key(source: header.source, destination: header.destination,
                      protocolNumber: header.protocol.rawValue, identification: header.identification)
        if pending[key] == nil { arrival.append(key) }
        var entry = pending[key] ?? Pending()
        entry.frames.append(frame)
        entry.pieces.append((offset, Array(payload)))
        if offset == 0, entry.first == nil { entry.first = (header, Array(options)) }
        if !header.flags.contains(.moreFragments), entry.totalLength == nil { entry.totalLength = offset + payload.count }

        guard let first = entry.first, let total = entry.totalLength, covers(entry.pieces, total) else {
            pending[key] = entry
            return .incomplete
        }
        pending[key] = nil
        arrival.removeAll { $0 == key }
        var bytes = [UInt8](repeating: 0, count: total)
        for piece in entry.pieces where piece.offset < total {
            let end = min(total, piece.offset + piece.bytes.count)
            bytes.replaceSubrange(piece.offset..<end, with: piece.bytes.prefix(end - piece.offset))
        }
        return .complete(Datagram(header: first.header, options: first.options, payload: bytes, frames: entry.frames))
    }

    /// The frames of every datagram still missing fragments, in the order the datagrams were
    /// first seen.
    var incomplete: [[Int]] {
        arrival.compactMap { pending[$0]?.frames }
    }

    /// Whether the pieces leave no gap in 0..<total.
    private func covers(_ pieces: [(offset: Int, bytes: [UInt8])], _ total: Int) -> Bool {
        var covered = 0
        for piece in pieces.sorted(by: { $0.offset < $1.offset }) {
            if piece.offset > covered { return false }
            covered = max(covered, piece.offset + piece.bytes.count)
        }
        return covered >= total
    }
}
