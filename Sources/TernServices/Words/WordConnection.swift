/// One word-service connection: sends its words, each framed with
/// `LengthPrefixedPacketEncoder`, then closes. Words are sent from where they lie (no framed
/// copy), so even ten 64 KiB words cost no extra memory. Input is discarded.
public struct WordConnection: ServiceConnection {
    private let words: [[UInt8]]
    private let encoder = LengthPrefixedPacketEncoder()
    /// Index of the word being sent.
    private var wordIndex = 0
    /// Bytes of the current packet (header then word) already sent.
    private var packetOffset = 0

    /// `words` must each be 1…65,535 bytes (as `WordService` guarantees); a word that is not is
    /// skipped rather than sent with a wrong length.
    public init(words: [[UInt8]]) {
        self.words = words.filter { (1...LengthPrefixedPacket.largestPayloadLength).contains($0.count) }
    }

    public var receiveCapacity: Int { Int.max }

    public mutating func receive(_ bytes: UnsafeRawBufferPointer, now: Int64) -> Int { bytes.count }

    public mutating func receiveEnd(now: Int64) {}

    public var hasPendingOutput: Bool { wordIndex < words.count }

    public mutating func sendOutput(_ send: (UnsafeRawBufferPointer) -> Int) -> Int {
        var total = 0
        while wordIndex < words.count {
            let word = words[wordIndex]
            let offered: Int
            let taken: Int
            if packetOffset < LengthPrefixedPacket.headerLength {
                // Checked lengths cannot fail here; a failure would mean a skipped word.
                guard let (high, low) = try? encoder.header(forPayloadLength: word.count) else {
                    wordIndex += 1
                    packetOffset = 0
                    continue
                }
                let header = [high, low]
                offered = header.count - packetOffset
                taken = header.withUnsafeBytes { send(UnsafeRawBufferPointer(rebasing: $0[packetOffset...])) }
            } else {
                let start = packetOffset - LengthPrefixedPacket.headerLength
                offered = word.count - start
                taken = word.withUnsafeBytes { send(UnsafeRawBufferPointer(rebasing: $0[start...])) }
            }
            let n = min(max(taken, 0), offered)
            total += n
            packetOffset += n
            if packetOffset == LengthPrefixedPacket.headerLength + word.count {
                wordIndex += 1
                packetOffset = 0
            }
            if n < offered { break }
        }
        return total
    }

    public var disposition: ConnectionDisposition { .closeAfterOutput }

    public mutating func connectionClosed() {}
}
