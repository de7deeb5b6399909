import TernStack
import TernWire

/// Frames a scripted peer sends, built with TernWire's builders.
enum FrameBuilder {
    static func ethernet(_ destination: MACAddress, _ source: MACAddress, _ type: EtherType, _ payload: [UInt8]) -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: EthernetHeader.size + payload.count)
        frame.withUnsafeMutableBytes { buffer in
            _ = try? EthernetHeader(destination: destination, source: source, etherType: type).write(to: buffer)
            place(payload, into: buffer, at: EthernetHeader.size)
        }
        return frame
    }

    static func arp(_ operation: ARPPacket.Operation, senderMAC: MACAddress, senderIP: IPv4Address,
                    targetMAC: MACAddress = .zero, targetIP: IPv4Address, to destination: MACAddress = .broadcast) -> [UInt8] {
        var payload = [UInt8](repeating: 0, count: ARPPacket.size)
        payload.withUnsafeMutableBytes { buffer in
            _ = try? ARPPacket(operation: operation, senderMAC: senderMAC, senderIP: senderIP,
                               targetMAC: targetMAC, targetIP: targetIP).write(to: buffer)
        }
        return ethernet(destination, senderMAC, .arp, payload)
    }

    /// An IPv4 datagram (header built with a valid checksum) inside an Ethernet frame.
    static func ipv4(from source: IPv4Address, to destination: IPv4Address, protocol proto: IPProtocol,
                     payload: [UInt8], identification: UInt16 = 1, flags: IPv4Flags = [], fragmentOffset: UInt16 = 0,
                     ttl: UInt8 = 64, totalLength: Int? = nil, sourceMAC: MACAddress, destinationMAC: MACAddress) -> [UInt8] {
        let total = totalLength ?? (IPv4Header.minimumSize + payload.count)
        var datagram = [UInt8](repeating: 0, count: IPv4Header.minimumSize + payload.count)
        datagram.withUnsafeMutableBytes { buffer in
            let header = IPv4Header(totalLength: UInt16(total), identification: identification, flags: flags,
                                    fragmentOffset: fragmentOffset, timeToLive: ttl, protocol: proto,
                                    source: source, destination: destination)
            _ = try? header.write(to: buffer)
            place(payload, into: buffer, at: IPv4Header.minimumSize)
        }
        return ethernet(destinationMAC, sourceMAC, .ipv4, datagram)
    }

    static func udp(sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8],
                    source: IPv4Address, destination: IPv4Address) -> [UInt8] {
        var datagram = [UInt8](repeating: 0, count: UDPHeader.size + payload.count)
        datagram.withUnsafeMutableBytes { buffer in
            place(payload, into: buffer, at: UDPHeader.size)
            _ = try? UDPHeader(sourcePort: sourcePort, destinationPort: destinationPort,
                               length: UInt16(buffer.count)).write(to: buffer, source: source, destination: destination)
        }
        return datagram
    }

    static func icmpEcho(_ type: ICMPType = .echoRequest, identifier: UInt16, sequence: UInt16, data: [UInt8]) -> [UInt8] {
        var message = [UInt8](repeating: 0, count: ICMPHeader.size + data.count)
        message.withUnsafeMutableBytes { buffer in
            place(data, into: buffer, at: ICMPHeader.size)
            _ = try? ICMPHeader.echo(type, identifier: identifier, sequence: sequence).write(to: buffer)
        }
        return message
    }

    static func tcp(sourcePort: UInt16, destinationPort: UInt16, sequence: UInt32, acknowledgment: UInt32 = 0,
                    flags: TCPFlags, window: UInt16 = 65535, options: TCPOptions = TCPOptions(), payload: [UInt8] = [],
                    source: IPv4Address, destination: IPv4Address) -> [UInt8] {
        let optionsLength = options.encodedLength
        let headerLength = TCPHeader.minimumSize + optionsLength
        var segment = [UInt8](repeating: 0, count: headerLength + payload.count)
        segment.withUnsafeMutableBytes { buffer in
            _ = try? options.write(to: buffer.view(TCPHeader.minimumSize..<headerLength))
            place(payload, into: buffer, at: headerLength)
            let header = TCPHeader(sourcePort: sourcePort, destinationPort: destinationPort,
                                   sequenceNumber: SequenceNumber(sequence), acknowledgmentNumber: SequenceNumber(acknowledgment),
                                   headerLength: headerLength, flags: flags, window: window)
            _ = try? header.write(to: buffer, payloadLength: payload.count, source: source, destination: destination)
        }
        return segment
    }
}

/// Copies `bytes` into `buffer` starting at `offset`.
func place(_ bytes: [UInt8], into buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
    bytes.withUnsafeBytes { source in
        UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<offset + source.count]).copyMemory(from: source)
    }
}

extension UnsafeMutableRawBufferPointer {
    func view(_ range: Range<Int>) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: self[range])
    }
}

/// What a frame the stack sent contains, decoded for assertions.
struct SentFrame {
    let bytes: [UInt8]
    let ethernet: EthernetHeader
    let parsed: ParsedFrame

    init?(_ bytes: [UInt8]) {
        guard let parsed = try? ParsedFrame.parse(bytes) else { return nil }
        self.bytes = bytes
        self.ethernet = parsed.ethernet
        self.parsed = parsed
    }

    var arp: ARPPacket? {
        if case .arp(let p) = parsed.network { return p }
        return nil
    }

    var ipv4: IPv4Header? {
        if case .ipv4(let h, _, _) = parsed.network { return h }
        return nil
    }

    var tcp: (header: TCPHeader, options: TCPOptions, payloadLength: Int)? {
        if case .ipv4(_, _, .tcp(let h, let o, _, let n)) = parsed.network { return (h, o, n) }
        return nil
    }

    var icmp: ICMPHeader? {
        if case .ipv4(_, _, .icmp(let h, _, _)) = parsed.network { return h }
        return nil
    }

    var udp: UDPHeader? {
        if case .ipv4(_, _, .udp(let h, _, _)) = parsed.network { return h }
        return nil
    }

    /// Whether every checksum in the frame verifies.
    var checksumsValid: Bool {
        guard case .ipv4(_, let headerOK, let transport) = parsed.network else { return true }
        switch transport {
        case .icmp(_, let ok, _), .udp(_, let ok, _), .tcp(_, _, let ok, _): return headerOK && ok
        default: return headerOK
        }
    }

    /// The IPv4 payload bytes (transport header included).
    var ipPayload: [UInt8] {
        guard let ip = ipv4 else { return [] }
        let start = EthernetHeader.size + ip.headerLength
        let end = EthernetHeader.size + Int(ip.totalLength)
        guard end <= bytes.count, start <= end else { return [] }
        return Array(bytes[start..<end])
    }

    /// The TCP payload bytes.
    var tcpPayload: [UInt8] {
        guard let tcp else { return [] }
        let payload = ipPayload
        return Array(payload[tcp.header.headerLength...])
    }
}
