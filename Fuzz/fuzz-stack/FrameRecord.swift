import FuzzSupport
import TernStack
import TernWire

/// Record 0: `[flags] [length:2] [bytes…]`, a frame patched as `StackScript` describes.
enum FrameRecord {
    static let patchEthernet: UInt8 = 1 << 0
    static let patchAddresses: UInt8 = 1 << 1
    static let repair: UInt8 = 1 << 2
    static let patchPorts: UInt8 = 1 << 3
    static let relativeSequence: UInt8 = 1 << 4
    static let broadcast: UInt8 = 1 << 5

    static func read(_ input: inout FuzzInput, world: StackWorld) -> [UInt8] {
        let flags = input.byte()
        let length = Int(input.uint16())
        var frame = input.bytes(length)
        patch(&frame, flags: flags, world: world)
        return frame
    }

    static func patch(_ frame: inout [UInt8], flags: UInt8, world: StackWorld) {
        guard frame.count >= FrameBuilding.ethernetSize else { return }
        var peer = StackCast.peers[Int(flags >> 6)]
        let toBroadcast = flags & broadcast != 0
        let etherType = FrameBuilding.get16(frame, at: 12)
        let ip = FrameBuilding.ethernetSize

        if etherType == 0x0806 && flags & patchAddresses != 0 && frame.count >= ip + 28 {
            FrameBuilding.put(peer.mac, into: &frame, at: ip + 8)
            FrameBuilding.put(peer.ip, into: &frame, at: ip + 14)
            FrameBuilding.put(StackCast.hostIP, into: &frame, at: ip + 24)
        }
        if etherType == 0x0800 && frame.count >= ip + IPv4Header.minimumSize {
            let headerLength = Int(frame[ip] & 0x0F) * 4
            let transport = ip + headerLength
            let proto = frame[ip + 9]
            let hasPorts = (proto == IPProtocol.tcp.rawValue || proto == IPProtocol.udp.rawValue)
                && headerLength >= IPv4Header.minimumSize && frame.count >= transport + 4
            // A connection named by the ports field: its peer and ports replace the frame's.
            var target: TCPConnection?
            if hasPorts && flags & patchPorts != 0 && flags & relativeSequence != 0 {
                target = world.connection(Int(FrameBuilding.get16(frame, at: transport + 2)))
                if let target, let remote = target.remoteAddress.ipv4 { peer = (remote, StackCast.mac(for: remote)) }
            }
            if flags & patchAddresses != 0 {
                FrameBuilding.put(peer.ip, into: &frame, at: ip + 12)
                var destination = toBroadcast ? StackCast.subnet.broadcast : StackCast.hostIP
                // A router's frames without patched ports are for the host behind its other link.
                if world.forwarding && !toBroadcast && flags & patchPorts == 0 { destination = StackCast.farPeer.ip }
                FrameBuilding.put(destination, into: &frame, at: ip + 16)
            }
            if hasPorts && flags & patchPorts != 0 {
                if let target {
                    FrameBuilding.put16(target.remotePort, into: &frame, at: transport)
                    FrameBuilding.put16(target.localPort, into: &frame, at: transport + 2)
                } else {
                    let source = FrameBuilding.get16(frame, at: transport)
                    let destination = FrameBuilding.get16(frame, at: transport + 2)
                    FrameBuilding.put16(StackCast.peerPort(Int(source)), into: &frame, at: transport)
                    FrameBuilding.put16(StackCast.localPorts[Int(destination) % StackCast.localPorts.count],
                                        into: &frame, at: transport + 2)
                }
            }
            if proto == IPProtocol.tcp.rawValue && hasPorts && flags & relativeSequence != 0
                && frame.count >= transport + TCPHeader.minimumSize {
                let remote = IPv4Address(rawValue: FrameBuilding.get32(frame, at: ip + 12))
                if let view = world.view(remote: remote, remotePort: FrameBuilding.get16(frame, at: transport),
                                         localPort: FrameBuilding.get16(frame, at: transport + 2)) {
                    let sequence = FrameBuilding.get32(frame, at: transport + 4)
                    let acknowledgment = FrameBuilding.get32(frame, at: transport + 8)
                    FrameBuilding.put32(view.acknowledgment &+ sequence, into: &frame, at: transport + 4)
                    FrameBuilding.put32(view.sentEnd &+ acknowledgment, into: &frame, at: transport + 8)
                }
            }
        }
        if flags & patchEthernet != 0 {
            FrameBuilding.put(toBroadcast ? MACAddress.broadcast : StackCast.hostMAC, into: &frame, at: 0)
            FrameBuilding.put(peer.mac, into: &frame, at: 6)
        }
        if flags & repair != 0 { FrameBuilding.repair(&frame) }
    }
}
