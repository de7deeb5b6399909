import TernServices
import TernToolSupport

/// Reassembles the word service's stream (docs/protocols.md, "Words": length-prefixed packets, then a close)
/// from reads of a fixed size, with the framing codec chat uses.
struct WordStreamReader {
    /// The size of every read: 1…4096 bytes.
    let chunkSize: Int
    private var decoder = LengthPrefixedPacketDecoder()
    /// Words delivered so far.
    private(set) var wordCount = 0

    static let chunkSizes = 1...4096

    /// Why the stream does not hold whole words.
    enum Failure: Error, Equatable {
        /// The server closed after `words` complete words and part of another packet
        /// (`buffered` bytes of its length prefix, or of its payload once the prefix is whole).
        case endedMidPacket(words: Int, buffered: Int)
        /// A length of zero: the framing is lost.
        case framing(PacketFramingError, words: Int)
        case network(NetworkFailure, words: Int)

        var message: String {
            switch self {
            case .endedMidPacket(let words, _):
                "the connection closed in the middle of a packet, after \(words) complete word\(words == 1 ? "" : "s")"
            case .framing(let error, let words):
                "the server sent \(error) after \(words) word\(words == 1 ? "" : "s"); the stream cannot be read further"
            case .network(let error, let words):
                words == 0 ? error.description : "\(error) (after \(words) word\(words == 1 ? "" : "s"))"
            }
        }
    }

    /// `chunkSize` is clamped to 1…4096.
    init(chunkSize: Int) {
        self.chunkSize = min(max(chunkSize, Self.chunkSizes.lowerBound), Self.chunkSizes.upperBound)
    }

    /// Reads until the stream ends, handing each word (its UTF-8 bytes) to `deliver`.
    ///
    /// `read` gets a buffer of exactly `chunkSize` bytes, fills its front and returns how
    /// many bytes it put there, 0 at the end of the stream.
    mutating func run(read: (inout [UInt8]) throws(NetworkFailure) -> Int,
                      deliver: ([UInt8]) -> Void) throws(Failure) {
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count: Int
            do {
                count = try read(&buffer)
            } catch {
                throw .network(error, words: wordCount)
            }
            guard count > 0 else { break }
            var delivered = 0
            do {
                try decoder.feed(Array(buffer[..<min(count, buffer.count)])) { word in
                    delivered += 1
                    deliver(word)
                }
            } catch {
                wordCount += delivered
                throw .framing(error, words: wordCount)
            }
            wordCount += delivered
        }
        guard decoder.isAtPacketBoundary else {
            throw .endedMidPacket(words: wordCount, buffered: decoder.bufferedByteCount)
        }
    }
}
