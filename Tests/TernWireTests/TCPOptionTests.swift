import Testing
import TernWire

/// Edge cases of the TCP options area, for both readers: `TCPOptionIterator` (every option
/// in order) and `TCPOptions.parse` (the summary). They must always agree.
@Suite struct TCPOptionTests {
    private let mss: [UInt8] = [2, 4, 0x05, 0xB4]

    /// Both readers over `bytes`: the iterator's list, and whether the summary agrees.
    private func read(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> Result<[TCPOption], WireError> {
        let list = outcome { () throws(WireError) in try optionList(bytes) }
        let options = outcome { () throws(WireError) in try optionSummary(bytes) }
        #expect(options == list.map(summary(of:)), "TCPOptions.parse agrees with the iterator", sourceLocation: sourceLocation)
        return list
    }

    @Test func emptyAndNOPs() {
        #expect(read([]) == .success([]))
        #expect(read([1, 1, 1, 1]) == .success([.noOperation, .noOperation, .noOperation, .noOperation]))
    }

    @Test func unknownOptionIsSkippedByItsLength() {
        #expect(read([30, 4, 0xAB, 0xCD] + mss)
                == .success([.unknown(kind: 30, data: [0xAB, 0xCD]), .maximumSegmentSize(1460)]))
        // An unknown option with no data, and one filling most of the area.
        #expect(read([254, 2] + mss) == .success([.unknown(kind: 254, data: []), .maximumSegmentSize(1460)]))
        let long = [UInt8](repeating: 0x77, count: 34)
        #expect(read([99, 36] + long + mss) == .success([.unknown(kind: 99, data: long), .maximumSegmentSize(1460)]))
    }

    @Test(arguments: [0, 1] as [UInt8])
    func lengthBelowTwoIsRejected(length: UInt8) {
        // A length of 0 would loop forever, 1 would point into the option's own length byte.
        #expect(read([30, length, 0, 0]) == .failure(.badOption))
        #expect(read(mss + [2, length, 0, 0]) == .failure(.badOption))
        #expect(read([8, length] + [UInt8](repeating: 0, count: 8)) == .failure(.badOption))
    }

    @Test func lengthPastTheEndIsRejected() {
        #expect(read([30, 5, 0, 0]) == .failure(.badOption))
        #expect(read([2, 4, 0x05]) == .failure(.badOption))
        #expect(read([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0]) == .failure(.badOption))
        #expect(read([30, 255] + [UInt8](repeating: 0, count: 38)) == .failure(.badOption))
    }

    @Test func missingLengthByteIsRejected() {
        #expect(read([2]) == .failure(.badOption))
        #expect(read([1, 1, 1, 30]) == .failure(.badOption))
        #expect(read(mss + [3]) == .failure(.badOption))
    }

    @Test(arguments: [
        [2, 3, 0x05],                      // MSS needs 4
        [2, 5, 0x05, 0xB4, 0],
        [3, 2],                            // window scale needs 3
        [3, 4, 7, 0],
        [4, 3, 0],                         // SACK-permitted needs 2
        [8, 9, 0, 0, 0, 1, 0, 0, 0],       // timestamps need 10
        [8, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0],
        [5, 2],                            // SACK needs at least one block
        [5, 9, 0, 0, 0, 1, 0, 0, 0],       // and whole blocks of 8
        [5, 6, 0, 0, 0, 1],
        [5, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0],
    ] as [[UInt8]])
    func wrongLengthForAKnownKindIsRejected(bytes: [UInt8]) {
        #expect(read(bytes) == .failure(.badOption))
    }

    @Test func endOfOptionListStopsTheWalk() {
        // What follows EOL is padding, whatever it holds.
        #expect(read(mss + [0, 0, 0, 0]) == .success([.maximumSegmentSize(1460), .endOfOptionList]))
        #expect(read(mss + [0, 0xFF, 2, 9]) == .success([.maximumSegmentSize(1460), .endOfOptionList]))
        #expect(read([0] + mss) == .success([.endOfOptionList]))
        #expect(read([1, 0, 2, 1]) == .success([.noOperation, .endOfOptionList]))
    }

    private func sack(_ count: Int) -> (bytes: [UInt8], blocks: [TCPSACKBlock]) {
        var bytes: [UInt8] = [5, UInt8(2 + 8 * count)]
        var blocks: [TCPSACKBlock] = []
        for i in 0..<count {
            let left = UInt32(0xFFFF_FF00) &+ UInt32(i * 1000), right = left &+ 500
            blocks.append(TCPSACKBlock(left: SequenceNumber(left), right: SequenceNumber(right)))
            for v in [left, right] { bytes += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        }
        return (bytes, blocks)
    }

    @Test func fourSACKBlocks() throws {
        let (bytes, blocks) = sack(4)
        #expect(bytes.count == 34)
        let list = try read([1, 1] + bytes + [1, 1, 1, 1]).get()
        #expect(list == [.noOperation, .noOperation, .sack(TCPSACKBlocks(blocks)), .noOperation, .noOperation, .noOperation, .noOperation])
        let options = try optionSummary([1, 1] + bytes)
        #expect(Array(options.sackBlocks) == blocks)
        // The blocks straddle the sequence-number wrap.
        #expect(options.sackBlocks[0].left.rawValue == 0xFFFF_FF00)
        #expect(options.sackBlocks[3].right.rawValue == 0xFFFF_FF00 &+ 3500)
    }

    @Test func fiveSACKBlocksAreRejected() {
        // 42 bytes cannot fit in a 40-byte options area, and no reader may accept them.
        let (bytes, _) = sack(5)
        #expect(read(bytes) == .failure(.badOption))
        #expect(read(bytes + [0, 0]) == .failure(.badOption))
    }

    @Test func sackBlocksHoldAtMostFour() {
        var blocks = TCPSACKBlocks()
        let block = TCPSACKBlock(left: SequenceNumber(1), right: SequenceNumber(2))
        for _ in 0..<4 {
            let appended = blocks.append(block)
            #expect(appended)
        }
        let fifth = blocks.append(block)
        #expect(!fifth)
        #expect(blocks.count == 4)
        #expect(TCPSACKBlocks(Array(repeating: block, count: 6)).count == 4)
    }

    @Test func writerRejectsWhatCannotBeWritten() {
        var buffer = [UInt8](repeating: 0, count: 40)
        buffer.withUnsafeMutableBytes { raw in
            #expect(throws: WireError.badOption) { try TCPOption.write([.sack(TCPSACKBlocks())], to: raw) }
            #expect(throws: WireError.badOption) { try TCPOption.write([.unknown(kind: 0, data: [1, 2])], to: raw) }
            #expect(throws: WireError.badOption) { try TCPOption.write([.unknown(kind: 1, data: [])], to: raw) }
            let small = UnsafeMutableRawBufferPointer(rebasing: raw[0..<3])
            #expect(throws: WireError.bufferTooSmall) { try TCPOption.write([.maximumSegmentSize(1460)], to: small) }
            // Padding to a multiple of 4 must fit too.
            #expect(throws: WireError.bufferTooSmall) { try TCPOption.write([.windowScale(7)], to: small) }
            #expect(throws: WireError.bufferTooSmall) {
                try TCPOptions(maximumSegmentSize: 1460, windowScale: 7).write(to: small)
            }
        }
    }

    @Test func unknownOptionDataIsLimitedByTheLengthByte() throws {
        var buffer = [UInt8](repeating: 0, count: 300)
        let written = try buffer.withUnsafeMutableBytes { raw in
            #expect(throws: WireError.badOption) {
                try TCPOption.write([.unknown(kind: 30, data: [UInt8](repeating: 0, count: 254))], to: raw)
            }
            return try TCPOption.write([.unknown(kind: 30, data: [UInt8](repeating: 0, count: 253))], to: raw)
        }
        #expect(written == 256)
        #expect(buffer[0] == 30)
        #expect(buffer[1] == 255)
    }

    @Test func writtenListsReadBack() throws {
        var random = TestRandom(seed: 793)
        for _ in 0..<500 {
            var list: [TCPOption] = []
            var length = 0
            while true {
                let option: TCPOption
                switch Int.random(in: 0...7, using: &random) {
                case 0: option = .noOperation
                case 1: option = .maximumSegmentSize(UInt16.random(in: 0...UInt16.max, using: &random))
                case 2: option = .windowScale(UInt8.random(in: 0...14, using: &random))
                case 3: option = .sackPermitted
                case 4: option = .timestamps(TCPTimestamps(value: UInt32.random(in: 0...UInt32.max, using: &random),
                                                           echoReply: UInt32.random(in: 0...UInt32.max, using: &random)))
                case 5:
                    let n = Int.random(in: 1...4, using: &random)
                    option = .sack(TCPSACKBlocks((0..<n).map { _ in
                        TCPSACKBlock(left: SequenceNumber(UInt32.random(in: 0...UInt32.max, using: &random)),
                                     right: SequenceNumber(UInt32.random(in: 0...UInt32.max, using: &random)))
                    }))
                default:
                    let kinds: [UInt8] = [6, 7, 9, 28, 29, 30, 34, 253, 254]
                    option = .unknown(kind: kinds.randomElement(using: &random)!,
                                      data: random.bytes(Int.random(in: 0...6, using: &random)))
                }
                guard length + option.encodedLength <= 40 else { break }
                list.append(option)
                length += option.encodedLength
            }
            var buffer = [UInt8](repeating: 0xEE, count: 40)
            let written = try buffer.withUnsafeMutableBytes { try TCPOption.write(list, to: $0) }
            #expect(written == (length + 3) & ~3)
            let back = try optionList(Array(buffer[0..<written]))
            // Padding reads back as one EOL.
            #expect(back == (written > length ? list + [.endOfOptionList] : list))
        }
    }

    @Test func summaryWritesAndReadsBack() throws {
        var random = TestRandom(seed: 7323)
        for _ in 0..<500 {
            var options = TCPOptions()
            if Bool.random(using: &random) { options.maximumSegmentSize = UInt16.random(in: 0...UInt16.max, using: &random) }
            if Bool.random(using: &random) { options.windowScale = UInt8.random(in: 0...14, using: &random) }
            options.sackPermitted = Bool.random(using: &random)
            if Bool.random(using: &random) {
                options.timestamps = TCPTimestamps(value: UInt32.random(in: 0...UInt32.max, using: &random),
                                                   echoReply: UInt32.random(in: 0...UInt32.max, using: &random))
            }
            let room = (40 - options.encodedLength - 4) / 8
            for _ in 0..<Int.random(in: 0...max(0, min(room, 4)), using: &random) {
                options.sackBlocks.append(TCPSACKBlock(left: SequenceNumber(UInt32.random(in: 0...UInt32.max, using: &random)),
                                                       right: SequenceNumber(UInt32.random(in: 0...UInt32.max, using: &random))))
            }
            var fast = [UInt8](repeating: 0xEE, count: 40)
            let length = try fast.withUnsafeMutableBytes { try options.write(to: $0) }
            #expect(length == options.encodedLength)
            #expect(length % 4 == 0)
            #expect(try optionSummary(Array(fast[0..<length])) == options)
            // The allocation-free writer and the general one agree byte for byte.
            var general = [UInt8](repeating: 0xEE, count: 40)
            let generalLength = try general.withUnsafeMutableBytes { try TCPOption.write(options.layout, to: $0) }
            #expect(generalLength == length)
            #expect(fast == general)
            #expect(try optionList(Array(fast[0..<length])) == options.layout)
        }
    }
}
