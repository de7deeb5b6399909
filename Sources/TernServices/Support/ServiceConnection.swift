/// What the adapter should do with a connection's socket.
public enum ConnectionDisposition: Equatable, Sendable {
    /// Keep the connection open.
    case open
    /// Close politely (FIN) as soon as `hasPendingOutput` is false.
    case closeAfterOutput
    /// Reset the connection now and discard anything unsent.
    case abort
}

/// The logic of one TCP connection of a service, free of I/O.
///
/// An adapter binds it to a socket like this:
/// - readable: read at most `receiveCapacity` bytes and hand them to `receive(_:now:)`
///   (it returns how many it took; offer the rest again later);
/// - peer closed its sending side: `receiveEnd(now:)`;
/// - after either, and whenever the socket becomes writable: `sendOutput(socket.send)`;
/// - then act on `disposition`;
/// - when the socket goes away for any reason: `connectionClosed()`.
///
/// `now` is any monotonic clock in any unit the adapter likes; it is only reported back (for
/// example by `HTTPConnection.requestInProgressSince`) so the adapter can apply timeouts.
public protocol ServiceConnection {
    /// How many more received bytes the connection is willing to hold now. When 0, the
    /// adapter should stop reading so the peer's window closes (back-pressure).
    var receiveCapacity: Int { get }

    /// Takes received bytes (any split of the stream) and returns how many it consumed.
    mutating func receive(_ bytes: UnsafeRawBufferPointer, now: Int64) -> Int

    /// The peer will send nothing more.
    mutating func receiveEnd(now: Int64)

    /// Whether there is output waiting to be sent (or produced on demand).
    var hasPendingOutput: Bool { get }

    /// Offers output to `send` repeatedly until `send` takes less than offered or nothing is
    /// left. `send` returns how many bytes of the offered view it took (0 when the socket is
    /// full). Returns the total taken.
    mutating func sendOutput(_ send: (UnsafeRawBufferPointer) -> Int) -> Int

    /// What to do with the socket now.
    var disposition: ConnectionDisposition { get }

    /// The socket is gone (closed, reset or aborted): release resources such as open files.
    mutating func connectionClosed()
}

extension ServiceConnection {
    /// Copies up to `buffer.count` bytes of output into `buffer` and returns how many, for
    /// adapters that know the socket's free space before sending.
    public mutating func fillOutput(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var filled = 0
        _ = sendOutput { offered in
            let n = min(offered.count, buffer.count - filled)
            if n > 0, let source = offered.baseAddress {
                (base + filled).copyMemory(from: source, byteCount: n)
                filled += n
            }
            return n
        }
        return filled
    }
}
