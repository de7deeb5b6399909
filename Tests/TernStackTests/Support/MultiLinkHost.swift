@testable import TernStack
import TernTestSupport
import TernWire

/// A stack on several links, each with its own frame log and one scripted neighbour,
/// driven by a virtual clock: one stack of the shared `StackNetwork`, no interface linked.
/// Link `i` is 10.0.(i+1).0/24, the stack is .1 there and the neighbour .2.
final class MultiLinkHost {
    let network: StackNetwork
    let stack: NetworkStack
    let logs: [FrameLog]
    var now: Instant { network.now }

    static func stackAddress(_ link: Int) -> IPv4Address { IPv4Address(10, 0, UInt8(link + 1), 1) }
    static func neighbour(_ link: Int) -> IPv4Address { IPv4Address(10, 0, UInt8(link + 1), 2) }
    static func stackMAC(_ link: Int) -> MACAddress { MACAddress(0x02, 0, 0, 0, UInt8(link + 1), 1) }
    static func neighbourMAC(_ link: Int) -> MACAddress { MACAddress(0x02, 0xAA, 0, 0, UInt8(link + 1), 2) }

    init(links: Int, mtus: [Int] = [], configure: (inout StackConfiguration) -> Void = { _ in }) throws {
        let interfaces = (0..<links).map { i in
            InterfaceConfiguration(name: "eth\(i)", mac: MultiLinkHost.stackMAC(i),
                                   address: IPv4Subnet(address: MultiLinkHost.stackAddress(i), prefixLength: 24)!,
                                   mtu: i < mtus.count ? mtus[i] : 1500)
        }
        var configuration = StackConfiguration(interfaces: interfaces, randomSeed: 7)
        configure(&configuration)
        let network = StackNetwork(now: .seconds(1000))
        try network.add(configuration)
        self.network = network
        stack = network.stacks[0]
        logs = (0..<links).map { network.outbox(StackNetwork.Port(node: 0, interface: $0)) }
    }

    /// Delivers a frame on link `link`, then polls.
    func deliver(_ frame: [UInt8], on link: Int) {
        network.deliver(frame, to: StackNetwork.Port(node: 0, interface: link))
    }

    /// Moves the clock forward, firing every deadline on the way.
    func advance(by duration: Duration) {
        network.advance(by: duration)
    }

    /// What each link sent since the last call.
    func take() -> [[SentFrame]] { logs.map { $0.take() } }

    /// Teaches the stack the neighbour on `link` (an ARP request from it) and forgets the reply.
    func introduceNeighbour(on link: Int) {
        deliver(FrameBuilder.arp(.request, senderMAC: MultiLinkHost.neighbourMAC(link),
                                 senderIP: MultiLinkHost.neighbour(link), targetIP: MultiLinkHost.stackAddress(link)),
                on: link)
        _ = take()
    }

    /// An IPv4 frame from the neighbour on `link`.
    func frame(on link: Int, from source: IPv4Address? = nil, to destination: IPv4Address, _ proto: IPProtocol,
               _ payload: [UInt8], ttl: UInt8 = 64, flags: IPv4Flags = [], identification: UInt16 = 1,
               destinationMAC: MACAddress? = nil) -> [UInt8] {
        FrameBuilder.ipv4(from: source ?? MultiLinkHost.neighbour(link), to: destination, protocol: proto,
                          payload: payload, identification: identification, flags: flags, ttl: ttl,
                          sourceMAC: MultiLinkHost.neighbourMAC(link),
                          destinationMAC: destinationMAC ?? MultiLinkHost.stackMAC(link))
    }
}
