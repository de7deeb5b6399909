import TernWire

/// What a link device can do with outgoing frames, said abstractly: the stack decides from
/// it what work to leave to the link (the device's own format stays in TernLink).
public struct LinkCapabilities: Sendable, Equatable {
    /// The link finishes transport checksums the stack leaves open.
    public var checksumOffload: Bool
    /// The link cuts TCP super-segments into MSS-sized frames.
    public var segmentationOffload: Bool
    /// The largest super-segment the link takes, in bytes of IPv4 datagram.
    public var maximumSegmentationSize: Int

    public init(checksumOffload: Bool = false, segmentationOffload: Bool = false,
                maximumSegmentationSize: Int = 65535) {
        self.checksumOffload = checksumOffload
        self.segmentationOffload = segmentationOffload
        self.maximumSegmentationSize = maximumSegmentationSize
    }

    /// A link that does everything in software.
    public static let none = LinkCapabilities()
    /// A TAP with offloads: checksums and TCP segmentation up to 64 KiB.
    public static let tapOffloads = LinkCapabilities(checksumOffload: true, segmentationOffload: true)
}

/// One link of the host as configured: its name, addresses and device.
public struct InterfaceConfiguration: Sendable {
    /// The link's name, as the operator calls it (`tap0`, `veth1`).
    public var name: String
    /// The MAC address the host uses on this link.
    public var mac: MACAddress
    /// The host's address on this link and the connected subnet, e.g. 10.0.1.1/24.
    public var address: IPv4Subnet
    /// The largest IPv4 datagram sent in one frame.
    public var mtu: Int
    /// What the device does for us.
    public var capabilities: LinkCapabilities
    /// IPv6 addresses with their on-link prefixes, besides the link-local one every link
    /// takes from its MAC.
    public var ipv6Addresses: [IPv6Subnet]

    public init(name: String, mac: MACAddress, address: IPv4Subnet, mtu: Int = 1500,
                capabilities: LinkCapabilities = .none, ipv6Addresses: [IPv6Subnet] = []) {
        self.name = name
        self.mac = mac
        self.address = address
        self.mtu = mtu
        self.capabilities = capabilities
        self.ipv6Addresses = ipv6Addresses
    }
}

/// Traffic counted on one interface.
public struct InterfaceCounters: Sendable, Equatable {
    public var framesReceived: UInt64 = 0
    public var bytesReceived: UInt64 = 0
    public var framesSent: UInt64 = 0
    public var bytesSent: UInt64 = 0
    /// Datagrams that arrived here for other hosts and were routed on.
    public var datagramsForwardedIn: UInt64 = 0
    /// Datagrams for other hosts routed out of this interface.
    public var datagramsForwardedOut: UInt64 = 0
    public init() {}
}

/// One link of the host at run time: its addresses, MTU, neighbour cache, device
/// capabilities, counters and where its frames go. The stack owns its interfaces; they are
/// numbered in configuration order.
public final class Interface {
    /// Position in `NetworkStack.interfaces`.
    public let index: Int
    public let name: String
    public let mac: MACAddress
    /// The host's address on this link.
    public let address: IPv4Address
    /// The connected subnet.
    public let subnet: IPv4Subnet
    public let mtu: Int
    public let capabilities: LinkCapabilities
    public internal(set) var counters = InterfaceCounters()

    let transmitter: any FrameTransmitter
    /// IPv4 → MAC on this link only: the same address on two links is two neighbours.
    var arp: ARPCache
    /// Conflict warnings are rate limited: one per interval.
    var lastConflictReport: Instant?
    /// When the second announcement of our address is due (RFC 5227 §2.3), if it is.
    var nextAnnouncement: Instant?
    /// Addresses, neighbour cache and duplicate address detection of IPv6.
    var ipv6: InterfaceIPv6

    init(index: Int, configuration: InterfaceConfiguration, arp: ARPConfiguration, ipv6: IPv6Configuration,
         isRouter: Bool, transmitter: any FrameTransmitter) {
        self.index = index
        self.name = configuration.name
        self.mac = configuration.mac
        self.address = configuration.address.address
        self.subnet = configuration.address
        self.mtu = max(68, configuration.mtu)
        self.capabilities = configuration.capabilities
        self.transmitter = transmitter
        self.arp = ARPCache(configuration: arp)
        self.ipv6 = InterfaceIPv6(mac: configuration.mac, configured: configuration.ipv6Addresses, isRouter: isRouter,
                                  configuration: ipv6)
    }

    /// Whether `address` is this link's subnet broadcast (or the limited broadcast).
    @inline(__always)
    func isBroadcast(_ address: IPv4Address) -> Bool {
        address.isLimitedBroadcast || subnet.isDirectedBroadcast(address)
    }
}
