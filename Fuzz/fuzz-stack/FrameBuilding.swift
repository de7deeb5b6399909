import TernStack
import TernWire

/// Byte-level construction and repair of the frames scripts deliver.
enum FrameBuilding {
    static let ethernetSize = EthernetHeader.size

    static func put(_ mac: MACAddress, into frame: inout [UInt8], at offset: Int) {
        for i in 0..<6 { frame[offset + i] = UInt8(truncatingIfNeeded: mac.rawValue >> (8 * (5 - i))) }
    }

    static func put(_ address: IPv4Address, into frame: inout [UInt8], at offset: Int) {
        put32(address.rawValue, into: &frame, at: offset)
    }

    static func put16(_ value: UInt16, into frame: inout [UInt8], at offset: Int) {
        frame[offset] = UInt8(value >> 8)
        frame[offset + 1] = UInt8(value & 0xFF)
    }

    static func put32(_ value: UInt32, into frame: inout [UInt8], at offset: Int) {
        for i in 0..<4 { frame[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * (3 - i))) }
    }

    static func get16(_ frame: [UInt8], at offset: Int) -> UInt16 {
        UInt16(frame[offset]) << 8 | UInt16(frame[offset + 1])
    }

    static func get32(_ frame: [UInt8], at offset: Int) -> UInt32 {
        UInt32(get16(frame, at: offset)) << 16 | UInt32(get16(frame, at: offset + 2))
    }

    static func checksum(_ frame: [UInt8], _ range: Range<Int>, start: InternetChecksum = InternetChecksum()) -> UInt16 {
        var sum = start
        frame.withUnsafeBytes { sum.add(UnsafeRawBufferPointer(rebasing: $0[range])) }
        return sum.value
    }

    /// An ARP request from `peer` asking for our address.
    static func arpRequest(from peer: (ip: IPv4Address, mac: MACAddress)) -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: 60)
        put(MACAddress.broadcast, into: &frame, at: 0)
        put(peer.mac, into: &frame, at: 6)
        put16(0x0806, into: &frame, at: 12)
        frame.replaceSubrange(14..<22, with: [0, 1, 0x08, 0x00, 6, 4, 0, 1])
        put(peer.mac, into: &frame, at: 22)
        put(peer.ip, into: &frame, at: 28)
        put(StackCast.hostIP, into: &frame, at: 38)
        return frame
    }

    /// An Ethernet frame holding an IPv4 datagram from `source` to us, with valid lengths and
    /// header checksum; the transport checksum is the caller's.
    static func ipv4Frame(from source: IPv4Address, to destination: IPv4Address = StackCast.hostIP,
                          protocol proto: IPProtocol, transport: [UInt8], identification: UInt16,
                          flagsAndOffset: UInt16 = 0) -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: ethernetSize + IPv4Header.minimumSize)
        let broadcast = destination == StackCast.subnet.broadcast || destination.isLimitedBroadcast
        put(broadcast ? MACAddress.broadcast : StackCast.hostMAC, into: &frame, at: 0)
        put(StackCast.mac(for: source), into: &frame, at: 6)
        put16(0x0800, into: &frame, at: 12)
        frame[14] = 0x45
        put16(UInt16(clamping: IPv4Header.minimumSize + transport.count), into: &frame, at: 16)
        put16(identification, into: &frame, at: 18)
        put16(flagsAndOffset, into: &frame, at: 20)
        frame[22] = 64
        frame[23] = proto.rawValue
        put(source, into: &frame, at: 26)
        put(destination, into: &frame, at: 30)
        put16(checksum(frame, 14..<34), into: &frame, at: 24)
        frame += transport
        return frame
    }

    /// Recomputes the IPv4 total length and every checksum of an IPv4 frame that has room
    /// for its headers (a fragment's transport checksum is left alone).
    static func repair(_ frame: inout [UInt8]) {
        guard frame.count >= ethernetSize + IPv4Header.minimumSize, get16(frame, at: 12) == 0x0800 else { return }
        let ip = ethernetSize
        let headerLength = Int(frame[ip] & 0x0F) * 4
        guard headerLength >= IPv4Header.minimumSize, ip + headerLength <= frame.count else { return }
        let total = min(frame.count - ip, 65535)
        put16(UInt16(total), into: &frame, at: ip + 2)
        put16(0, into: &frame, at: ip + 10)
        put16(checksum(frame, ip..<ip + headerLength), into: &frame, at: ip + 10)
        let fragmentField = get16(frame, at: ip + 6)
        guard fragmentField & 0x3FFF == 0 else { return }
        let start = ip + headerLength, end = ip + total
        let length = end - start
        let source = IPv4Address(rawValue: get32(frame, at: ip + 12))
        let destination = IPv4Address(rawValue: get32(frame, at: ip + 16))
        switch frame[ip + 9] {
        case IPProtocol.tcp.rawValue where length >= TCPHeader.minimumSize:
            put16(0, into: &frame, at: start + 16)
            let pseudo = InternetChecksum.pseudoHeader(source: source, destination: destination, protocol: .tcp, length: length)
            put16(checksum(frame, start..<end, start: pseudo), into: &frame, at: start + 16)
        case IPProtocol.udp.rawValue where length >= UDPHeader.size:
            put16(UInt16(length), into: &frame, at: start + 4)
            put16(0, into: &frame, at: start + 6)
            let pseudo = InternetChecksum.pseudoHeader(source: source, destination: destination, protocol: .udp, length: length)
            let sum = checksum(frame, start..<end, start: pseudo)
            put16(sum == 0 ? 0xFFFF : sum, into: &frame, at: start + 6)
        case IPProtocol.icmp.rawValue where length >= 4:
            put16(0, into: &frame, at: start + 2)
            put16(checksum(frame, start..<end), into: &frame, at: start + 2)
        default:
            break
        }
    }
}
