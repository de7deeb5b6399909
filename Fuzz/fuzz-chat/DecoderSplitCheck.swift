import FuzzSupport
import TernServices

/// The length-prefixed decoder yields the same packets, and the same error, for bytes fed
/// whole as for the same bytes fed one at a time.
enum DecoderSplitCheck {
    static func check(_ bytes: [UInt8], maximumPayloadLength: Int) {
        let whole = decode([bytes], maximumPayloadLength: maximumPayloadLength)
        let bytewise = decode(bytes.map { [$0] }, maximumPayloadLength: maximumPayloadLength)
        require(whole.packets == bytewise.packets && whole.error == bytewise.error,
                "the decoder's packets or error differ between whole and byte-by-byte input")
        var decoder = LengthPrefixedPacketDecoder(maximumPayloadLength: maximumPayloadLength)
        let buffered = (try? decoder.feed(bytes) { _ in }) != nil ? decoder.bufferedByteCount : 0
        require(buffered <= maximumPayloadLength + LengthPrefixedPacket.headerLength,
                "the decoder holds \(buffered) bytes, above one packet")
    }

    private static func decode(_ pieces: [[UInt8]], maximumPayloadLength: Int) -> (packets: [[UInt8]], error: PacketFramingError?) {
        var decoder = LengthPrefixedPacketDecoder(maximumPayloadLength: maximumPayloadLength)
        var packets: [[UInt8]] = []
        for piece in pieces {
            do {
                try decoder.feed(piece) { packets.append($0) }
            } catch {
                return (packets, error)
            }
        }
        return (packets, nil)
    }
}
