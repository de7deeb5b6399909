/// Presents every capture record as an Ethernet frame, so that one parser (TernWire's)
/// handles all link types.
enum LinkFrames {
    /// The record as an Ethernet II frame: as is for Ethernet captures; for raw-IP and Linux
    /// cooked captures, the IPv4 datagram behind a blank Ethernet header (zero MACs, type
    /// 0x0800). Nil when the record is not IPv4 or the link type is not supported.
    static func ethernetFrame(_ record: ArraySlice<UInt8>, linkType: UInt32) -> [UInt8]? {
        switch linkType {
        case PcapFile.linkTypeEthernet:
            return Array(record)
        case PcapFile.linkTypeRaw, PcapFile.linkTypeIPv4:
            guard let first = record.first, first >> 4 == 4 else { return nil }
            return wrap(record)
        case PcapFile.linkTypeLinuxCooked:
            return cooked(record, headerLength: 16, protocolOffset: 14)
        case PcapFile.linkTypeLinuxCooked2:
            return cooked(record, headerLength: 20, protocolOffset: 0)
        default:
            return nil
        }
    }

    /// Whether `ethernetFrame` understands `linkType`.
    static func supports(_ linkType: UInt32) -> Bool {
        [PcapFile.linkTypeEthernet, PcapFile.linkTypeRaw, PcapFile.linkTypeIPv4,
         PcapFile.linkTypeLinuxCooked, PcapFile.linkTypeLinuxCooked2].contains(linkType)
    }

    /// An IPv4 datagram behind a blank Ethernet header.
    static func wrap(_ datagram: some Collection<UInt8>) -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: 12)
        frame += [0x08, 0x00]
        frame += datagram
        return frame
    }

    private static func cooked(_ record: ArraySlice<UInt8>, headerLength: Int, protocolOffset: Int) -> [UInt8]? {
        guard record.count >= headerLength else { return nil }
        let base = record.startIndex
        guard record[base + protocolOffset] == 0x08, record[base + protocolOffset + 1] == 0x00 else { return nil }
        return wrap(record.dropFirst(headerLength))
    }
}
