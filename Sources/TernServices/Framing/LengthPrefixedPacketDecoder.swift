/// Reassembles length-prefixed packets (see `LengthPrefixedPacket`) from a byte stream split
/// in any way.
///
/// It holds at most one incomplete packet (header plus up to `maximumPayloadLength` bytes),
/// so a peer cannot make it buffer more than that. A bad length (zero when not allowed, or above
/// the maximum) loses the framing for good: the decoder then reports the same error on every
/// call.
public struct LengthPrefixedPacketDecoder: Sendable {
    public let maximumPayloadLength: Int
    public let allowsEmptyPayloads: Bool

    private var header: [UInt8] = []
    private var payloadLength: Int?
    private var payload: [UInt8] = []
    public private(set) var failure: PacketFramingError?

    /// `maximumPayloadLength` is clamped to 1…65,535.
    public init(maximumPayloadLength: Int = LengthPrefixedPacket.largestPayloadLength,
                allowsEmptyPayloads: Bool = false) {
        self.maximumPayloadLength = min(max(maximumPayloadLength, 1), LengthPrefixedPacket.largestPayloadLength)
        self.allowsEmptyPayloads = allowsEmptyPayloads
    }

    /// Bytes of an incomplete packet held (header bytes included).
    public var bufferedByteCount: Int {
        header.count + payload.count
    }

    /// True when no part of a packet is held: a stream that ends now ends cleanly.
    public var isAtPacketBoundary: Bool {
        bufferedByteCount == 0 && payloadLength == nil
    }

    /// Consumes bytes from the front of `input` until one packet is complete and returns it;
    /// returns nil once `input` is used up without completing one.
    public mutating func nextPacket(from input: inout UnsafeRawBufferPointer) throws(PacketFramingError) -> [UInt8]? {
        if let failure { throw failure }
        while true {
            guard let length = payloadLength else {
                // Whole packets lying in the input are copied out in one go.
                if header.isEmpty && input.count >= LengthPrefixedPacket.headerLength {
                    let length = Int(input[0]) << 8 | Int(input[1])
                    try check(length)
                    let end = LengthPrefixedPacket.headerLength + length
                    if input.count >= end {
                        let packet = Array(input[LengthPrefixedPacket.headerLength..<end])
                        input = UnsafeRawBufferPointer(rebasing: input[end...])
                        return packet
                    }
                    payloadLength = length
                    input = UnsafeRawBufferPointer(rebasing: input[LengthPrefixedPacket.headerLength...])
                    continue
                }
                guard !input.isEmpty else { return nil }
                header.append(input[0])
                input = UnsafeRawBufferPointer(rebasing: input[1...])
                if header.count == LengthPrefixedPacket.headerLength {
                    let length = Int(header[0]) << 8 | Int(header[1])
                    header.removeAll(keepingCapacity: true)
                    try check(length)
                    payloadLength = length
                }
                continue
            }
            let take = min(length - payload.count, input.count)
            payload.append(contentsOf: input[..<take])
            input = UnsafeRawBufferPointer(rebasing: input[take...])
            guard payload.count == length else { return nil }
            let packet = payload
            payload = []
            payloadLength = nil
            return packet
        }
    }

    /// Consumes all of `bytes`, calling `handle` with each complete packet in order. Packets
    /// before a framing error are delivered before it is thrown.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer,
                              _ handle: ([UInt8]) -> Void) throws(PacketFramingError) {
        var rest = bytes
        while let packet = try nextPacket(from: &rest) {
            handle(packet)
        }
    }

    /// `feed(_:_:)` for bytes in an array.
    public mutating func feed(_ bytes: [UInt8], _ handle: ([UInt8]) -> Void) throws(PacketFramingError) {
        let failure: PacketFramingError? = bytes.withUnsafeBytes { raw in
            do throws(PacketFramingError) {
                try feed(raw, handle)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    private mutating func check(_ length: Int) throws(PacketFramingError) {
        if length == 0 && !allowsEmptyPayloads {
            failure = .emptyPacket
        } else if length > maximumPayloadLength {
            failure = .packetTooLarge(length: length, maximum: maximumPayloadLength)
        }
        if let failure { throw failure }
    }
}
