import Testing
import TernWire

@Suite("IPv4 options")
struct IPv4OptionsTests {
    func index(_ area: [UInt8]) throws -> IPv4OptionIndex {
        try area.withUnsafeBytes { try IPv4Options.index($0) }
    }

    func errorOffset(_ area: [UInt8]) -> Int? {
        area.withUnsafeBytes { bytes -> Int? in
            do {
                _ = try IPv4Options.index(bytes)
                return nil
            } catch {
                return (error as? IPv4OptionError)?.offset ?? -1
            }
        }
    }

    @Test("the options a host acts on are found past NOPs; an end-of-list ends the walk")
    func finds() throws {
        let area: [UInt8] = [1, 7, 7, 4, 0, 0, 0, 0, 68, 8, 5, 0, 0, 0, 0, 0, 1, 131, 7, 4, 0, 0, 0, 0]
        #expect(try index(Array(area[0..<16]) + [0, 0, 0, 0]) == IPv4OptionIndex(recordRoute: 1, timestamp: 8))
        #expect(try index(area) == IPv4OptionIndex(recordRoute: 1, timestamp: 8, sourceRoute: 17))
        // Unknown options are skipped by their length.
        #expect(try index([0x9E, 4, 0, 0]) == IPv4OptionIndex())
    }

    // The same octets Linux points its parameter problems at.
    @Test("a malformed option is an error at the octet at fault", arguments: [
        ([7, 2, 4, 0], 1),                                    // record route shorter than 3
        ([7, 7, 3, 0, 0, 0, 0, 0], 2),                        // pointer below 4
        ([7, 6, 4, 0, 0, 0, 0, 0], 2),                        // room left, but not for a whole address
        ([0x88, 0, 0, 0], 0),                                 // length 0
        ([0x88, 9, 0, 0], 0),                                 // length beyond the area
        ([0, 0, 0, 0x88], nil),                               // after end-of-list nothing counts
        ([1, 1, 1, 0x88], 3),                                 // a type with no room for its length
        ([68, 8, 9, 0xF0, 0, 0, 0, 0], 3),                    // full, overflow at 15
        ([68, 3, 5, 0], 1),                                   // timestamp shorter than 4
        ([68, 8, 4, 0, 0, 0, 0, 0], 2),                       // timestamp pointer below 5
        ([68, 8, 5, 1, 0, 0, 0, 0], 2),                       // no room for an address and a stamp
        ([7, 3, 4, 7, 3, 4, 0, 0], 3),                        // record route twice
    ] as [([UInt8], Int?)])
    func malformed(area: [UInt8], offset: Int?) {
        #expect(errorOffset(area) == offset)
    }

    @Test("a timestamp flag RFC 791 does not define passes unstamped")
    func unknownFlag() throws {
        var area: [UInt8] = [68, 12, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(try index(area) == IPv4OptionIndex(timestamp: 0))
        let before = area
        area.withUnsafeMutableBytes {
            IPv4Options.timestamp(in: $0, at: 0, address: IPv4Address(10, 0, 0, 2), milliseconds: 5)
        }
        #expect(area == before)
    }

    @Test("record route fills the next slot and moves the pointer; a full option is left alone")
    func recordRoute() {
        var area: [UInt8] = [7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        let first = IPv4Address(10, 0, 0, 1), second = IPv4Address(10, 0, 0, 2)
        area.withUnsafeMutableBytes {
            IPv4Options.recordRoute(in: $0, at: 0, address: first)
            IPv4Options.recordRoute(in: $0, at: 0, address: second)
            IPv4Options.recordRoute(in: $0, at: 0, address: first)
        }
        #expect(area == [7, 11, 12, 10, 0, 0, 1, 10, 0, 0, 2, 0])
    }

    @Test("timestamps: stamps only, address and stamp, prespecified addresses, and the overflow count")
    func timestamps() {
        let us = IPv4Address(10, 0, 0, 2), other = IPv4Address(10, 0, 0, 9)
        var only: [UInt8] = [68, 8, 5, 0, 0, 0, 0, 0]
        only.withUnsafeMutableBytes {
            IPv4Options.timestamp(in: $0, at: 0, address: us, milliseconds: 0x0102_0304)
            IPv4Options.timestamp(in: $0, at: 0, address: us, milliseconds: 9)
        }
        #expect(only == [68, 8, 9, 0x10, 1, 2, 3, 4])

        var pairs: [UInt8] = [68, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0]
        pairs.withUnsafeMutableBytes { IPv4Options.timestamp(in: $0, at: 0, address: us, milliseconds: 7) }
        #expect(pairs == [68, 12, 13, 1, 10, 0, 0, 2, 0, 0, 0, 7])

        // Prespecified: only the slot that names us is stamped.
        var named: [UInt8] = [68, 12, 5, 3, 10, 0, 0, 9, 0, 0, 0, 0]
        named.withUnsafeMutableBytes { IPv4Options.timestamp(in: $0, at: 0, address: us, milliseconds: 7) }
        #expect(named == [68, 12, 5, 3, 10, 0, 0, 9, 0, 0, 0, 0])
        named.withUnsafeMutableBytes { IPv4Options.timestamp(in: $0, at: 0, address: other, milliseconds: 7) }
        #expect(named == [68, 12, 13, 3, 10, 0, 0, 9, 0, 0, 0, 7])

        var full: [UInt8] = [68, 4, 5, 0xE0]
        full.withUnsafeMutableBytes {
            IPv4Options.timestamp(in: $0, at: 0, address: us, milliseconds: 1)
            IPv4Options.timestamp(in: $0, at: 0, address: us, milliseconds: 1)
        }
        #expect(full == [68, 4, 5, 0xF0], "the overflow count saturates at 15")
    }

    @Test("an echo reply's options: record route and timestamp in their order, padded to words")
    func echoed() throws {
        let area: [UInt8] = [68, 8, 5, 0, 0, 0, 0, 0, 0x94, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0, 0]
        let found = try index(area)
        var out = [UInt8](repeating: 0xFF, count: 40)
        let length = area.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { IPv4Options.copyEchoed(from: source, index: found, into: $0) }
        }
        #expect(length == 16)
        #expect(Array(out[0..<16]) == [68, 8, 5, 0, 0, 0, 0, 0, 7, 7, 4, 0, 0, 0, 0, 0])
    }

    @Test("later fragments get only the options with the copied flag")
    func copied() {
        let area: [UInt8] = [7, 7, 4, 0, 0, 0, 0, 0x82, 3, 9, 1, 0]
        var out = [UInt8](repeating: 0xFF, count: 40)
        let length = area.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { IPv4Options.copyCopied(from: source, into: $0) }
        }
        #expect(length == 4)
        #expect(Array(out[0..<4]) == [0x82, 3, 9, 0])
    }
}
