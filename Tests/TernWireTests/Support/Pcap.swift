/// A reader for classic pcap files (what `tcpdump -w` writes), just enough for the golden
/// captures: either byte order, micro- or nanosecond timestamps, Ethernet link type.
struct PcapFile {
    struct Record {
        /// The captured bytes.
        var bytes: [UInt8]
        /// The frame's length on the wire; equal to `bytes.count` when nothing was cut off.
        var originalLength: Int
    }

    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    static let ethernetLinkType: UInt32 = 1

    var linkType: UInt32
    var records: [Record]

    init(_ data: [UInt8]) throws {
        guard data.count >= 24 else { throw FormatError(description: "shorter than a pcap header") }
        let magicLE = PcapFile.u32(data, 0, bigEndian: false)
        let bigEndian: Bool
        switch magicLE {
        case 0xA1B2_C3D4, 0xA1B2_3C4D: bigEndian = false
        case 0xD4C3_B2A1, 0x4D3C_B2A1: bigEndian = true
        default: throw FormatError(description: "not a pcap file (magic \(magicLE))")
        }
        linkType = PcapFile.u32(data, 20, bigEndian: bigEndian)
        records = []
        var offset = 24
        while offset < data.count {
            guard offset + 16 <= data.count else { throw FormatError(description: "truncated record header") }
            let captured = Int(PcapFile.u32(data, offset + 8, bigEndian: bigEndian))
            let original = Int(PcapFile.u32(data, offset + 12, bigEndian: bigEndian))
            offset += 16
            guard captured <= data.count - offset else { throw FormatError(description: "truncated record") }
            records.append(Record(bytes: Array(data[offset..<offset + captured]), originalLength: original))
            offset += captured
        }
    }

    private static func u32(_ data: [UInt8], _ offset: Int, bigEndian: Bool) -> UInt32 {
        let b = data[offset..<offset + 4].map(UInt32.init)
        return bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]
                         : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
    }
}
