/// One Time Protocol connection over TCP: the 4-byte value, then close. Anything the peer
/// sends is discarded. (Over UDP, answer each datagram with `TimeProtocol.encoded(unixTime:)`.)
public struct TimeConnection: ServiceConnection {
    private let value: [UInt8]
    private var sent = 0

    /// `unixTime` is the wall-clock time at accept.
    public init(unixTime: Int64) {
        value = TimeProtocol.encoded(unixTime: unixTime)
    }

    public var receiveCapacity: Int { Int.max }

    public mutating func receive(_ bytes: UnsafeRawBufferPointer, now: Int64) -> Int { bytes.count }

    public mutating func receiveEnd(now: Int64) {}

    public var hasPendingOutput: Bool { sent < value.count }

    public mutating func sendOutput(_ send: (UnsafeRawBufferPointer) -> Int) -> Int {
        var total = 0
        while sent < value.count {
            let offered = value.count - sent
            let taken = value.withUnsafeBytes { send(UnsafeRawBufferPointer(rebasing: $0[sent...])) }
            let n = min(max(taken, 0), offered)
            sent += n
            total += n
            if n < offered { break }
        }
        return total
    }

    public var disposition: ConnectionDisposition { .closeAfterOutput }

    public mutating func connectionClosed() {}
}
