import TernServices

/// Reading a Time Protocol reply (RFC 868) and printing it beside the local clock.
enum TimeReply {
    /// The length of every reply: one 32-bit big-endian number.
    static let length = 4

    /// Why a reply is not a time.
    enum Problem: Error, Equatable {
        /// The TCP connection closed after `count` bytes (fewer than 4, or more).
        case streamLength(Int)
        /// A datagram of `count` bytes.
        case datagramLength(Int)

        var message: String {
            switch self {
            case .streamLength(let count) where count < TimeReply.length:
                "the server closed the connection after \(count) of \(TimeReply.length) bytes"
            case .streamLength(let count):
                "the server sent \(count) bytes or more; a time reply is \(TimeReply.length) bytes (is this a time server?)"
            case .datagramLength(let count):
                "the server answered with a datagram of \(count) bytes; a time reply is \(TimeReply.length) bytes"
            }
        }
    }

    /// The seconds since 1900 in a 4-byte reply, big-endian.
    static func value(of bytes: [UInt8]) -> UInt32? {
        guard bytes.count == length else { return nil }
        return bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// The local clock as the Time Protocol counts (seconds since 1900, modulo 2^32): the
    /// server's own formula, from TernServices.
    static func systemTime(unixTime: Int64) -> UInt32 {
        TimeProtocol.timeValue(unixTime: unixTime)
    }

    /// What `tern-time` prints.
    static func report(server: UInt32, system: UInt32) -> [String] {
        ["Server time: \(server)", "System time: \(system)"]
    }
}
