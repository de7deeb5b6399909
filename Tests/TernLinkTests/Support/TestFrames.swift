import TernLink
import TernWire

/// Frames for tests, built with the TernWire codecs.
enum TestFrames {
    static let ourMAC = MACAddress(0x02, 0x00, 0x5E, 0x10, 0x00, 0x02)
    static let peerMAC = MACAddress(0x02, 0x00, 0x5E, 0x10, 0x00, 0x01)

    /// An Ethernet frame of `size` bytes (at least 22) whose payload starts with `sequence`
    /// (big-endian) followed by a pattern derived from it, so any change is detectable.
    static func numbered(_ sequence: UInt32, size: Int = 100) -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: max(size, EthernetHeader.size + 8))
        frame.withUnsafeMutableBytes { bytes in
            let header = EthernetHeader(destination: peerMAC, source: ourMAC, etherType: EtherType(rawValue: 0x88B5))
            _ = try? header.write(to: bytes)
            bytes.storeBytes(of: sequence.bigEndian, toByteOffset: 14, as: UInt32.self)
            for i in 18..<bytes.count {
                bytes[i] = UInt8(truncatingIfNeeded: Int(sequence) &* 31 &+ i)
            }
        }
        return frame
    }

    /// The sequence number `numbered` put in `frame`, or nil when it is too short.
    static func sequence(of frame: [UInt8]) -> UInt32? {
        guard frame.count >= 18 else { return nil }
        return UInt32(frame[14]) << 24 | UInt32(frame[15]) << 16 | UInt32(frame[16]) << 8 | UInt32(frame[17])
    }

    /// A broadcast ARP request: who has `target`? tell `senderIP` at `senderMAC`.
    static func arpRequest(from senderMAC: MACAddress, _ senderIP: IPv4Address, for target: IPv4Address) -> [UInt8] {
        arp(.request, from: senderMAC, senderIP, to: .broadcast, targetMAC: .zero, target)
    }

    /// An ARP reply: `senderIP` is at `senderMAC`, sent to `targetMAC`.
    static func arpReply(from senderMAC: MACAddress, _ senderIP: IPv4Address,
                         to targetMAC: MACAddress, _ targetIP: IPv4Address) -> [UInt8] {
        arp(.reply, from: senderMAC, senderIP, to: targetMAC, targetMAC: targetMAC, targetIP)
    }

    private static func arp(_ operation: ARPPacket.Operation, from senderMAC: MACAddress, _ senderIP: IPv4Address,
                            to destination: MACAddress, targetMAC: MACAddress, _ targetIP: IPv4Address) -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: EthernetHeader.size + EthernetHeader.minimumPayload)
        frame.withUnsafeMutableBytes { bytes in
            let ethernet = EthernetHeader(destination: destination, source: senderMAC, etherType: .arp)
            let packet = ARPPacket(operation: operation, senderMAC: senderMAC, senderIP: senderIP,
                                   targetMAC: targetMAC, targetIP: targetIP)
            _ = try? ethernet.write(to: bytes)
            _ = try? packet.write(to: UnsafeMutableRawBufferPointer(rebasing: bytes[EthernetHeader.size...]))
        }
        return frame
    }

    /// An ICMP echo request frame.
    static func echoRequest(from sourceMAC: MACAddress, _ source: IPv4Address,
                            to destinationMAC: MACAddress, _ destination: IPv4Address,
                            identifier: UInt16, sequence: UInt16, payload: [UInt8]) -> [UInt8] {
        let ipLength = IPv4Header.minimumSize + ICMPHeader.size + payload.count
        var frame = [UInt8](repeating: 0, count: EthernetHeader.size + ipLength)
        frame.withUnsafeMutableBytes { bytes in
            let ethernet = EthernetHeader(destination: destinationMAC, source: sourceMAC, etherType: .ipv4)
            _ = try? ethernet.write(to: bytes)
            let ip = IPv4Header(totalLength: UInt16(ipLength), identification: sequence, flags: .dontFragment,
                                timeToLive: 64, protocol: .icmp, source: source, destination: destination)
            let ipBytes = UnsafeMutableRawBufferPointer(rebasing: bytes[EthernetHeader.size...])
            _ = try? ip.write(to: ipBytes)
            let message = UnsafeMutableRawBufferPointer(rebasing: ipBytes[IPv4Header.minimumSize...])
            UnsafeMutableRawBufferPointer(rebasing: message[ICMPHeader.size...]).copyBytes(from: payload)
            _ = try? ICMPHeader.echo(.echoRequest, identifier: identifier, sequence: sequence).write(to: message)
        }
        return frame
    }
}
