import Testing
@testable import TernServices

@Suite struct WordServiceTests {
    /// Drains a connection through a socket that takes a pseudo-random 1…`maxChunk` bytes per
    /// call, and returns the stream.
    private func drain(_ connection: inout WordConnection, maxChunk: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        var stream: [UInt8] = []
        var calls = 0
        while connection.hasPendingOutput && calls < 1_000_000 {
            _ = connection.sendOutput { offered in
                let n = min(offered.count, Int.random(in: 1...maxChunk, using: &generator))
                stream += offered[..<n]
                return n
            }
            calls += 1
        }
        return stream
    }

    private func decode(_ stream: [UInt8], chunk: Int) throws -> [[UInt8]] {
        var decoder = LengthPrefixedPacketDecoder()
        var words: [[UInt8]] = []
        var start = 0
        while start < stream.count {
            let end = min(stream.count, start + chunk)
            try decoder.feed(Array(stream[start..<end])) { words.append($0) }
            start = end
        }
        #expect(decoder.isAtPacketBoundary)
        return words
    }

    @Test func extremeWordLengthsAreFramedExactly() throws {
        let tiny: [UInt8] = [UInt8(ascii: "a")]
        let huge = [UInt8](repeating: UInt8(ascii: "z"), count: 65_535)
        let service = try WordService(words: [tiny, huge])
        for seed in UInt64(0)..<20 {
            var generator = SeededGenerator(seed: seed)
            let expected = service.chooseWords(using: &generator)
            var again = SeededGenerator(seed: seed)
            var connection = service.makeConnection(using: &again)
            #expect(connection.disposition == .closeAfterOutput)
            let stream = drain(&connection, maxChunk: 9000, seed: seed)
            #expect(stream.count == expected.reduce(0) { $0 + 2 + $1.count })
            for chunk in [1, 5, 4096] where seed < 3 || chunk != 1 {
                #expect(try decode(stream, chunk: chunk) == expected)
            }
        }
    }

    @Test func headerBytesOfTheExtremes() {
        var one = WordConnection(words: [[0x41]])
        #expect(drain(&one, maxChunk: 1, seed: 1) == [0x00, 0x01, 0x41])
        var largest = WordConnection(words: [[UInt8](repeating: 0x42, count: 65_535)])
        let stream = drain(&largest, maxChunk: 100_000, seed: 2)
        #expect(Array(stream.prefix(3)) == [0xFF, 0xFF, 0x42])
        #expect(stream.count == 65_537)
    }

    @Test func wordsPerConnectionAreOneToTen() {
        let service = WordService()
        var generator = SeededGenerator(seed: 42)
        var seen = Set<Int>()
        for _ in 0..<2000 {
            let count = service.chooseWords(using: &generator).count
            #expect((1...10).contains(count))
            seen.insert(count)
        }
        #expect(seen == Set(1...10))
    }

    @Test func builtInListIsServable() throws {
        let service = WordService()
        #expect(service.words.count > 50)
        #expect(throws: Never.self) { try WordService(words: service.words) }
        #expect(service.words.contains([UInt8]("café")))
    }

    @Test func badListsAreRefused() {
        #expect(throws: WordService.ListError.emptyList) { try WordService(words: []) }
        #expect(throws: WordService.ListError.badLength(index: 1)) { try WordService(words: [[0x41], []]) }
        #expect(throws: WordService.ListError.badLength(index: 0)) {
            try WordService(words: [[UInt8](repeating: 0x41, count: 65_536)])
        }
        #expect(throws: WordService.ListError.invalidUTF8(index: 0)) { try WordService(words: [[0xFF]]) }
    }

    @Test func stalledSocketMakesNoProgress() {
        var connection = WordConnection(words: [[0x41, 0x42]])
        #expect(connection.sendOutput { _ in 0 } == 0)
        #expect(connection.hasPendingOutput)
        var buffer = [UInt8](repeating: 0, count: 10)
        let n = buffer.withUnsafeMutableBytes { connection.fillOutput(into: $0) }
        #expect(n == 4)
        #expect(Array(buffer[..<4]) == [0, 2, 0x41, 0x42])
        #expect(!connection.hasPendingOutput)
    }

    @Test func inputIsDiscarded() {
        var connection = WordConnection(words: [[0x41]])
        let taken = [UInt8](repeating: 1, count: 100).withUnsafeBytes { connection.receive($0, now: 0) }
        #expect(taken == 100)
        #expect(connection.hasPendingOutput)
    }
}
