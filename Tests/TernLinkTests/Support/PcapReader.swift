/// A minimal reader of classic pcap files, written from the format's description, to check
/// what `PcapWriter` produces.
struct PcapFile: Equatable {
    struct Record: Equatable {
        var seconds: UInt32
        var microseconds: UInt32
        var originalLength: UInt32
        var data: [UInt8]
    }

    var magic: UInt32
    var versionMajor: UInt16
    var versionMinor: UInt16
    var snapshotLength: UInt32
    var linkType: UInt32
    var records: [Record]

    enum ParseError: Error { case truncated, badMagic }

    /// Parses a little-endian pcap file (what PcapWriter writes on every host).
    init(bytes: [UInt8]) throws {
        func u32(_ at: Int) throws -> UInt32 {
            guard at + 4 <= bytes.count else { throw ParseError.truncated }
            return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        func u16(_ at: Int) throws -> UInt16 {
            guard at + 2 <= bytes.count else { throw ParseError.truncated }
            return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
        }
        magic = try u32(0)
        guard magic == 0xA1B2_C3D4 else { throw ParseError.badMagic }
        versionMajor = try u16(4)
        versionMinor = try u16(6)
        snapshotLength = try u32(16)
        linkType = try u32(20)
        records = []
        var offset = 24
        while offset < bytes.count {
            let included = Int(try u32(offset + 8))
            let start = offset + 16
            guard start + included <= bytes.count else { throw ParseError.truncated }
            records.append(Record(seconds: try u32(offset), microseconds: try u32(offset + 4),
                                  originalLength: try u32(offset + 12), data: Array(bytes[start..<start + included])))
            offset = start + included
        }
    }
}
