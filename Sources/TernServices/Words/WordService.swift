/// The word service (docs/protocols.md, "Words"): each connection gets a random number (1…10) of words, each a
/// length-prefixed packet (the framing chat uses), then the server closes.
public struct WordService: Sendable {
    /// Why a word list cannot be served.
    public enum ListError: Error, Equatable, Sendable {
        case emptyList
        /// The word at `index` is empty or longer than 65,535 bytes.
        case badLength(index: Int)
        case invalidUTF8(index: Int)
    }

    public static let minimumWordsPerConnection = 1
    public static let maximumWordsPerConnection = 10

    /// The words, as UTF-8, each 1…65,535 bytes.
    public let words: [[UInt8]]

    /// A service over the built-in list.
    public init() {
        words = BuiltInWords.all.map { Array($0.utf8) }
    }

    /// A service over `words` (for tests, or an operator's own list).
    public init(words: [[UInt8]]) throws(ListError) {
        guard !words.isEmpty else { throw .emptyList }
        for (index, word) in words.enumerated() {
            guard (1...LengthPrefixedPacket.largestPayloadLength).contains(word.count) else {
                throw .badLength(index: index)
            }
            guard UTF8Validation.isValid(word) else { throw .invalidUTF8(index: index) }
        }
        self.words = words
    }

    /// Picks the words for one connection.
    public func chooseWords(using generator: inout some RandomNumberGenerator) -> [[UInt8]] {
        let count = Int.random(in: Self.minimumWordsPerConnection...Self.maximumWordsPerConnection,
                               using: &generator)
        return (0..<count).map { _ in words[Int.random(in: 0..<words.count, using: &generator)] }
    }

    /// The logic of one new connection.
    public func makeConnection(using generator: inout some RandomNumberGenerator) -> WordConnection {
        WordConnection(words: chooseWords(using: &generator))
    }
}
