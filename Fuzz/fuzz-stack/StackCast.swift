import TernStack
import TernWire

/// The fixed world of every script: our host on 10.0.0.2/24 behind gateway 10.0.0.1, the
/// peers a frame can come from, the ports a script can name, and the engine's limits.
enum StackCast {
    static let hostMAC = MACAddress(0x02, 0x00, 10, 0, 0, 2)
    static let hostIP = IPv4Address(10, 0, 0, 2)
    static let subnet = IPv4Subnet(address: hostIP, prefixLength: 24)!
    static let gatewayIP = IPv4Address(10, 0, 0, 1)
    static let gatewayMAC = MACAddress(0x02, 0xAA, 0, 0, 0, 1)

    /// Peer 0 is the gateway, introduced by ARP before the script starts; 1 and 3 are
    /// neighbours nobody has resolved (answering them needs ARP); 2 lies beyond the gateway,
    /// so its frames come from the gateway's MAC.
    static let peers: [(ip: IPv4Address, mac: MACAddress)] = [
        (gatewayIP, gatewayMAC),
        (IPv4Address(10, 0, 0, 3), MACAddress(0x02, 0xAA, 0, 0, 0, 3)),
        (IPv4Address(198, 51, 100, 7), gatewayMAC),
        (IPv4Address(10, 0, 0, 4), MACAddress(0x02, 0xAA, 0, 0, 0, 4)),
    ]

    /// The second link of a router (configuration bit 3): us as 10.9.0.1/24, one neighbour.
    static let farMAC = MACAddress(0x02, 0x00, 10, 9, 0, 1)
    static let farSubnet = IPv4Subnet(address: IPv4Address(10, 9, 0, 1), prefixLength: 24)!
    static let farPeer = (ip: IPv4Address(10, 9, 0, 2), mac: MACAddress(0x02, 0xAA, 10, 9, 0, 2))

    /// The MAC a frame from `address` carries: its own on the link, the gateway's beyond it.
    static func mac(for address: IPv4Address) -> MACAddress {
        guard subnet.contains(address) else { return gatewayMAC }
        return peers.first { $0.ip == address }?.mac ?? MACAddress(0x02, 0xAA, 0, 0, 0, 0xFE)
    }

    /// Local ports: 80 runs the echo application (accepts everything, echoes, closes when the
    /// peer does or a `Q` arrives), 81 listens but accepts only when the script says so, 7 is
    /// the UDP echo (closed to TCP) and 37 is closed.
    static let localPorts: [UInt16] = [80, 81, 7, 37]
    static let echoPort: UInt16 = 80
    static let manualPort: UInt16 = 81
    static let udpEchoPort: UInt16 = 7
    /// Ports of the peers' ends: 40000…40007.
    static func peerPort(_ index: Int) -> UInt16 { 40000 + UInt16(index & 7) }
    /// Remote ports of the connections the script opens.
    static let connectPorts: [UInt16] = [8080, 443, 80, 22]
    /// Destination ports of the datagrams the script sends.
    static let datagramPorts: [UInt16] = [7, 9, 40000, 53]

    /// The engine's settings, chosen by the first byte of the input. Small limits make every
    /// bound reachable by a short script.
    /// - bit 0: MTU 576 (outgoing fragmentation, small MSS) instead of 1500;
    /// - bit 1: buffers of 128 KiB / 64 KiB (window scaling) instead of 4 KiB / 2 KiB;
    /// - bit 2: tight table limits instead of moderate ones;
    /// - bit 3: a router: a second link (`farSubnet`) and forwarding between the two.
    static func configuration(_ selector: UInt8) -> StackConfiguration {
        var c = StackConfiguration(mac: hostMAC, address: subnet, gateway: gatewayIP,
                                   mtu: selector & 1 != 0 ? 576 : 1500, randomSeed: 7)
        if selector & 8 != 0 {
            c.interfaces.append(InterfaceConfiguration(name: "eth1", mac: farMAC, address: farSubnet, mtu: c.mtu))
            c.forwarding = true
        }
        if selector & 2 != 0 {
            c.tcp.receiveBufferSize = 128 * 1024
            c.tcp.sendBufferSize = 64 * 1024
        } else {
            c.tcp.receiveBufferSize = 4096
            c.tcp.sendBufferSize = 2048
        }
        let tight = selector & 4 != 0
        c.tcp.maximumConnections = tight ? 4 : 16
        c.tcp.maximumTimeWait = tight ? 2 : 16
        c.tcp.synQueueLength = tight ? 2 : 8
        c.tcp.maximumOutOfOrderRanges = tight ? 3 : 8
        c.ipv4.reassemblyMemory = tight ? 3000 : 64 * 1024
        c.ipv4.maximumReassemblies = tight ? 2 : 8
        c.arp.maximumQueuedPerAddress = tight ? 2 : 8
        c.arp.maximumQueuedTotal = tight ? 3 : 16
        c.arp.maximumEntries = tight ? 3 : 16
        return c
    }
}
