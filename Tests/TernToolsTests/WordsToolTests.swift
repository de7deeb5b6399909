import Glibc
import TernServices
import TernToolSupport
import Testing
@testable import tern_words

@Suite("tern-words: reassembling words")
struct WordsToolTests {
    /// Words of 1 and 65,535 bytes, and some UTF-8 between them.
    static let words: [[UInt8]] = [
        Array("a".utf8),
        Array((String(repeating: "é", count: 32_767) + "x").utf8),
        Array("naïve".utf8),
        Array("漢字".utf8),
        Array(String(repeating: "w", count: 300).utf8),
    ]

    static func stream(_ words: [[UInt8]]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for word in words { try LengthPrefixedPacketEncoder().encode(word, into: &bytes) }
        return bytes
    }

    /// Runs the reader on a socket pair whose other end sends `bytes` in `pieceSize` writes.
    static func read(_ bytes: [UInt8], chunk: Int, pieceSize: Int = 7) throws
        -> (words: [[UInt8]], readSizes: Set<Int>, failure: WordStreamReader.Failure?) {
        let (client, server) = try SocketPairs.make()
        SocketPairs.serve(server, bytes, pieceSize: pieceSize)
        var reader = WordStreamReader(chunkSize: chunk)
        var words: [[UInt8]] = []
        var readSizes: Set<Int> = []
        do {
            try reader.run(read: { (buffer: inout [UInt8]) throws(NetworkFailure) in
                readSizes.insert(buffer.count)
                return try client.receive(into: &buffer, timeout: 30)
            }, deliver: { words.append($0) })
            return (words, readSizes, nil)
        } catch {
            return (words, readSizes, error)
        }
    }

    @Test("words of 1 to 65,535 bytes come out whole at every read size", arguments: [1, 5, 4096])
    func reassembly(chunk: Int) throws {
        #expect(Self.words[1].count == 65_535)
        let result = try Self.read(try Self.stream(Self.words), chunk: chunk)
        #expect(result.failure == nil)
        #expect(result.words == Self.words)
        #expect(result.readSizes == [chunk], "every read asks for exactly --chunk bytes")
    }

    @Test("a stream that ends in the middle of a packet is an error, after the whole words", arguments: [1, 5, 4096])
    func endsMidPacket(chunk: Int) throws {
        var bytes = try Self.stream([Array("one".utf8), Array("two".utf8)])
        bytes.removeLast()
        let result = try Self.read(bytes, chunk: chunk)
        #expect(result.words == [Array("one".utf8)])
        #expect(result.failure == .endedMidPacket(words: 1, buffered: 2))
        #expect(result.failure?.message == "the connection closed in the middle of a packet, after 1 complete word")
    }

    @Test("a stream that ends inside a length prefix is an error too")
    func endsInPrefix() throws {
        let result = try Self.read(try Self.stream([Array("one".utf8)]) + [0x00], chunk: 5)
        #expect(result.failure == .endedMidPacket(words: 1, buffered: 1))
    }

    @Test("a length of zero loses the framing: the words before it are kept")
    func zeroLength() throws {
        let result = try Self.read(try Self.stream([Array("ok".utf8)]) + [0, 0, 0, 1, 0x41], chunk: 4096)
        #expect(result.words == [Array("ok".utf8)])
        #expect(result.failure == .framing(.emptyPacket, words: 1))
        #expect(result.failure?.message == "the server sent a packet length of zero after 1 word; the stream cannot be read further")
    }

    @Test("no words at all is a clean, empty stream")
    func empty() throws {
        let result = try Self.read([], chunk: 5)
        #expect(result.failure == nil && result.words.isEmpty)
    }

    @Test("a silent server times out")
    func timeout() throws {
        let (client, server) = try SocketPairs.make()
        defer { close(server) }
        var reader = WordStreamReader(chunkSize: 16)
        #expect(throws: WordStreamReader.Failure.network(.receiveTimedOut(endpoint: "test peer", seconds: 0.2), words: 0)) {
            try reader.run(read: { (buffer: inout [UInt8]) throws(NetworkFailure) in
                try client.receive(into: &buffer, timeout: 0.2)
            }, deliver: { _ in })
        }
    }

    @Test("the read size is clamped to 1…4096")
    func chunkBounds() {
        #expect(WordStreamReader(chunkSize: 0).chunkSize == 1)
        #expect(WordStreamReader(chunkSize: 100_000).chunkSize == 4096)
    }

    @Test("words print as text; control characters and bytes that are not UTF-8 are escaped", arguments: [
        (Array("plain café".utf8), "plain café"),
        (Array("two\nlines".utf8), "two\\x0Alines"),
        ([0x61, 0xFF, 0x62], "a\\xFFb"),
        ([0x61, 0xE2, 0x82, 0x41], "a\\xE2\\x82A"),
        (Array("esc\u{1B}[2J".utf8), "esc\\x1B[2J"),
        (Array("c1\u{85}rtl\u{202E}".utf8), "c1\\u{0085}rtl\\u{202E}"),
    ])
    func display(_ word: [UInt8], _ shown: String) {
        #expect(WordDisplay.text(word) == shown)
    }
}
