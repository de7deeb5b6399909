/// Frames payloads as length-prefixed packets (see `LengthPrefixedPacket`).
public struct LengthPrefixedPacketEncoder: Sendable {
    public let maximumPayloadLength: Int
    public let allowsEmptyPayloads: Bool

    /// `maximumPayloadLength` is clamped to 1…65,535.
    public init(maximumPayloadLength: Int = LengthPrefixedPacket.largestPayloadLength,
                allowsEmptyPayloads: Bool = false) {
        self.maximumPayloadLength = min(max(maximumPayloadLength, 1), LengthPrefixedPacket.largestPayloadLength)
        self.allowsEmptyPayloads = allowsEmptyPayloads
    }

    /// The two header bytes for a payload of `length` bytes, for callers that send the payload
    /// from where it already lies.
    public func header(forPayloadLength length: Int) throws(PacketFramingError) -> (UInt8, UInt8) {
        if length == 0 && !allowsEmptyPayloads { throw .emptyPacket }
        guard length >= 0, length <= maximumPayloadLength else {
            throw .packetTooLarge(length: length, maximum: maximumPayloadLength)
        }
        return (UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length))
    }

    /// Appends the framed payload to `out`. On error `out` is unchanged.
    public func encode(_ payload: UnsafeRawBufferPointer, into out: inout [UInt8]) throws(PacketFramingError) {
        let (high, low) = try header(forPayloadLength: payload.count)
        out.reserveCapacity(out.count + LengthPrefixedPacket.headerLength + payload.count)
        out.append(high)
        out.append(low)
        out.append(contentsOf: payload)
    }

    public func encode(_ payload: [UInt8], into out: inout [UInt8]) throws(PacketFramingError) {
        let (high, low) = try header(forPayloadLength: payload.count)
        out.reserveCapacity(out.count + LengthPrefixedPacket.headerLength + payload.count)
        out.append(high)
        out.append(low)
        out.append(contentsOf: payload)
    }

    /// The framed payload.
    public func encode(_ payload: [UInt8]) throws(PacketFramingError) -> [UInt8] {
        var out: [UInt8] = []
        try encode(payload, into: &out)
        return out
    }
}
