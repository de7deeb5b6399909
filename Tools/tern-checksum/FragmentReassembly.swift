import TernStack
import TernWire

/// Puts fragmented IPv4 datagrams of a capture back together, so that the TCP or UDP
/// checksum, which covers the whole datagram, can be checked. The bytes are reassembled by
/// the stack's own `IPv4Reassembler` (so overlapping fragments discard a datagram here as
/// they would in Tern); this type adds what a capture report needs: which frames each
/// datagram came in.
struct FragmentReassembly {
    /// A datagram rebuilt from its fragments.
    struct Datagram {
        /// The first fragment's header, its lengths and flags those of the whole datagram.
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
        /// The fragment cannot belong to a valid datagram (the reason, as the stack counts it).
        case invalid(String)
    }

    /// One datagram's identity (RFC 791): the fragments that go together.
    private struct Key: Hashable {
        var source: IPv4Address
        var destination: IPv4Address
        var protocolNumber: UInt8
        var identification: UInt16
    }

    /// A capture has no clock the reassembler should honour and may hold many datagrams at
    /// once: no timeout, generous bounds.
    private var reassembler: IPv4Reassembler = {
        var configuration = IPv4Configuration()
        configuration.reassemblyMemory = 1 << 30
        configuration.maximumReassemblies = 1 << 16
        configuration.reassemblyTimeout = .seconds(1 << 30)
        return IPv4Reassembler(configuration: configuration)
    }()
    private var frames: [Key: [Int]] = [:]
    private var arrival: [Key] = []

    /// Adds the fragment in `frame`; returns the whole datagram once every byte has arrived.
    mutating func add(_ header: IPv4Header, headerBytes: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer,
                      frame: Int) -> Progress {
        let key = Key(source: header.source, destination: header.destination,
                      protocolNumber: header.protocol.rawValue, identification: header.identification)
        if frames[key] == nil { arrival.append(key) }
        frames[key, default: []].append(frame)
        switch reassembler.add(header: header, headerBytes: headerBytes, payload: payload, now: .zero) {
        case .incomplete:
            return .incomplete
        case .dropped(let reason):
            forget(key)
            return .invalid("\(reason)")
        case .complete(let datagram):
            let seen = frames[key] ?? [frame]
            forget(key)
            return .complete(Datagram(header: datagram.header, options: Array(datagram.headerBytes.dropFirst(20)),
                                      payload: datagram.payload, frames: seen))
        }
    }

    /// The frames of every datagram still missing fragments, in the order the datagrams were
    /// first seen.
    var incomplete: [[Int]] {
        arrival.compactMap { frames[$0] }
    }

    private mutating func forget(_ key: Key) {
        frames[key] = nil
        arrival.removeAll { $0 == key }
    }
}
