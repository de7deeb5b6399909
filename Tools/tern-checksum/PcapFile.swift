import TernToolSupport

/// A classic libpcap capture file (not pcapng), read whole into memory.
///
/// Both byte orders and both timestamp resolutions are accepted. A file that ends inside
/// a record keeps the records before it and says where it stopped in `truncation`.
struct PcapFile: Sendable {
    /// The link-layer header type of every record (LINKTYPE_* from tcpdump.org).
    var linkType: UInt32
    var records: [Record]
    /// Why reading stopped before the end of the file, or nil when every byte was used.
    var truncation: String?

    /// One captured frame.
    struct Record: Sendable {
        /// 1-based, as Wireshark numbers frames.
        var number: Int
        /// The bytes captured (fewer than `originalLength` when the snap length cut it).
        var bytes: ArraySlice<UInt8>
        /// The frame's length on the wire.
        var originalLength: Int
        /// Whether the capture kept only part of the frame.
        var isCutShort: Bool { bytes.count < originalLength }
    }

    static let linkTypeEthernet: UInt32 = 1
    static let linkTypeRaw: UInt32 = 101
    static let linkTypeLinuxCooked: UInt32 = 113
    static let linkTypeIPv4: UInt32 = 228
    static let linkTypeLinuxCooked2: UInt32 = 276

    /// Parses the file's bytes. Throws when they are not a classic pcap file at all.
    init(bytes: [UInt8], name: String) throws(ToolFailure) {
        guard bytes.count >= 24 else {
            throw ToolFailure("\(name): \(bytes.count) bytes, too short for a pcap file header (24)")
        }
        let bigEndianMagic = PcapFile.u32(bytes, 0, bigEndian: true)
        let bigEndian: Bool
        switch bigEndianMagic {
        case 0xA1B2_C3D4, 0xA1B2_3C4D: bigEndian = true
        case 0xD4C3_B2A1, 0x4D3C_B2A1: bigEndian = false
        case 0x0A0D_0D0A:
            throw ToolFailure("\(name): a pcapng file; convert it first: editcap -F pcap \(name) capture.pcap")
        default:
            throw ToolFailure("\(name): not a pcap file (magic \(hex(bigEndianMagic)))")
        }
        linkType = PcapFile.u32(bytes, 20, bigEndian: bigEndian) & 0x0FFF_FFFF
        records = []
        truncation = nil
        var offset = 24
        while offset < bytes.count {
            let number = records.count + 1
            guard bytes.count - offset >= 16 else {
                truncation = "the file ends inside the record header of frame \(number)"
                break
            }
            let captured = Int(PcapFile.u32(bytes, offset + 8, bigEndian: bigEndian))
            let original = Int(PcapFile.u32(bytes, offset + 12, bigEndian: bigEndian))
            let start = offset + 16
            guard captured <= bytes.count - start else {
                truncation = "frame \(number) claims \(captured) bytes but the file has only \(bytes.count - start) left"
                break
            }
            records.append(Record(number: number, bytes: bytes[start..<start + captured],
                                  originalLength: max(original, captured)))
            offset = start + captured
        }
    }

    /// A human name for the link type.
    var linkTypeName: String {
        switch linkType {
        case PcapFile.linkTypeEthernet: "Ethernet"
        case PcapFile.linkTypeRaw, PcapFile.linkTypeIPv4: "raw IP"
        case PcapFile.linkTypeLinuxCooked: "Linux cooked"
        case PcapFile.linkTypeLinuxCooked2: "Linux cooked v2"
        default: "link type \(linkType)"
        }
    }

    private static func u32(_ bytes: [UInt8], _ offset: Int, bigEndian: Bool) -> UInt32 {
        let b = (0..<4).map { UInt32(bytes[offset + $0]) }
        return bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
    }
}
