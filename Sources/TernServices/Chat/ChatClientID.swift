/// The adapter's name for one chat connection (for example its socket handle). Opaque to the room.
public struct ChatClientID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(_ rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public static func < (a: ChatClientID, b: ChatClientID) -> Bool {
        a.rawValue < b.rawValue
    }

    public var description: String { "client \(rawValue)" }
}

/// What the adapter must do after a call into `ChatRoom`, in order.
public enum ChatRoomAction: Equatable, Sendable {
    /// New output is queued for this client: call `drainOutput(for:send:)` (and again whenever
    /// the socket becomes writable while `unsentByteCount(for:)` is not 0).
    case flush(ChatClientID)
    /// The room has dropped this client for bad input or because it is full: send `finalBytes`
    /// (an error packet; best effort), then close politely.
    case close(ChatClientID, finalBytes: [UInt8])
    /// The room has dropped this client because it stopped reading: reset the connection.
    case abort(ChatClientID)
}

/// The bounds that keep one client from costing the server without limit.
public struct ChatRoomLimits: Sendable {
    /// Clients beyond this are sent an error and closed as they connect.
    public var maximumClients: Int
    /// The largest packet payload a client may send (1…65,535); larger is bad input.
    public var maximumPacketLength: Int
    /// The longest nick, in UTF-8 bytes.
    public var maximumNickLength: Int
    /// Output queued for a client that it has not read yet. A client whose backlog would
    /// exceed this is dropped (reset) and a leave is broadcast.
    public var maximumUnsentBytes: Int

    public init(maximumClients: Int = 256, maximumPacketLength: Int = 16_384,
                maximumNickLength: Int = 32, maximumUnsentBytes: Int = 256 * 1024) {
        self.maximumClients = maximumClients
        self.maximumPacketLength = min(max(maximumPacketLength, 1), LengthPrefixedPacket.largestPayloadLength)
        self.maximumNickLength = maximumNickLength
        self.maximumUnsentBytes = maximumUnsentBytes
    }
}
