/// Why a length-prefixed packet stream cannot be decoded or a payload cannot be framed.
public enum PacketFramingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A length of zero where empty packets are not allowed.
    case emptyPacket
    /// A length above the configured maximum (or a payload above 65,535 bytes when framing).
    case packetTooLarge(length: Int, maximum: Int)

    public var description: String {
        switch self {
        case .emptyPacket: "a packet length of zero"
        case .packetTooLarge(let length, let maximum): "a packet of \(length) bytes (at most \(maximum) allowed)"
        }
    }
}

/// The framing shared by chat and the word service: a 2-byte big-endian payload length, then
/// the payload.
public enum LengthPrefixedPacket {
    public static let headerLength = 2
    /// The largest payload a 2-byte length can describe.
    public static let largestPayloadLength = 65_535
}
