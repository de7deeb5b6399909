import TernWire

/// Everything the engine needs to know about its host: addresses, routes and limits.
public struct StackConfiguration: Sendable {
    /// The host's links, at least one; the first is the primary one, whose address the
    /// single-link accessors below read and write.
    public var interfaces: [InterfaceConfiguration]
    /// The default route's next hop, inside a connected subnet.
    public var gateway: IPv4Address?
    /// Extra static routes: destination subnet and next hop (inside a connected subnet,
    /// which picks the interface).
    public var staticRoutes: [(destination: IPv4Subnet, nextHop: IPv4Address)]
    /// Routes straight onto a link by name: the destination's hosts answer ARP there.
    public var deviceRoutes: [(destination: IPv4Subnet, interface: String)] = []
    /// IPv6 static routes: a prefix to a next hop on one of the links' prefixes, or (no next
    /// hop) straight onto the link named `interface`.
    public var ipv6Routes: [(destination: IPv6Subnet, nextHop: IPv6Address?, interface: String?)] = []
    /// Routes datagrams for other hosts between the links (a router), as RFC 1812 asks;
    /// off, such datagrams are dropped as a host must (RFC 1122 §3.3.4.2).
    public var forwarding = false
    /// Seeds every random choice the engine makes.
    public var randomSeed: UInt64

    public var arp = ARPConfiguration()
    public var ipv4 = IPv4Configuration()
    public var icmp = ICMPConfiguration()
    public var tcp = TCPConfiguration()
    public var ipv6 = IPv6Configuration()

    /// A host on one link named `eth0`.
    public init(mac: MACAddress, address: IPv4Subnet, gateway: IPv4Address? = nil,
                staticRoutes: [(destination: IPv4Subnet, nextHop: IPv4Address)] = [],
                mtu: Int = 1500, randomSeed: UInt64) {
        self.init(interfaces: [InterfaceConfiguration(name: "eth0", mac: mac, address: address, mtu: mtu)],
                  gateway: gateway, staticRoutes: staticRoutes, randomSeed: randomSeed)
    }

    /// A host on the links `interfaces` (at least one).
    public init(interfaces: [InterfaceConfiguration], gateway: IPv4Address? = nil,
                staticRoutes: [(destination: IPv4Subnet, nextHop: IPv4Address)] = [], randomSeed: UInt64) {
        precondition(!interfaces.isEmpty, "a host needs at least one interface")
        self.interfaces = interfaces
        self.gateway = gateway
        self.staticRoutes = staticRoutes
        self.randomSeed = randomSeed
    }

    /// The primary interface's MAC address.
    public var mac: MACAddress {
        get { interfaces[0].mac }
        set { interfaces[0].mac = newValue }
    }
    /// The primary interface's address and connected subnet, e.g. 10.0.0.2/24.
    public var address: IPv4Subnet {
        get { interfaces[0].address }
        set { interfaces[0].address = newValue }
    }
    /// The primary interface's MTU: the largest IPv4 datagram sent in one frame.
    public var mtu: Int {
        get { interfaces[0].mtu }
        set { interfaces[0].mtu = newValue }
    }
    /// The primary link finishes TCP checksums and cuts TCP super-segments of up to 64 KiB
    /// into MSS-sized frames (a TAP with offloads): the stack then sends fewer, larger frames.
    public var linkOffloads: Bool {
        get { interfaces[0].capabilities.segmentationOffload }
        set { interfaces[0].capabilities = newValue ? .tapOffloads : .none }
    }

    /// The locally administered MAC derived from an IPv4 address: 02:00:a:b:c:d. Stable
    /// across restarts, so the kernel's neighbour table stays valid.
    public static func defaultMAC(for address: IPv4Address) -> MACAddress {
        MACAddress(0x02, 0x00, address[0], address[1], address[2], address[3])
    }
}

/// ARP cache and resolution limits, for each interface's cache.
public struct ARPConfiguration: Sendable {
    /// How long a learned entry is trusted before it is re-resolved.
    public var entryLifetime: Duration = .seconds(60)
    /// Time between requests while resolving.
    public var retryInterval: Duration = .seconds(1)
    /// Requests sent before resolution fails and waiting packets are dropped.
    public var maximumRequests = 3
    /// Packets held per address while it is being resolved.
    public var maximumQueuedPerAddress = 16
    /// Packets held in all while resolving.
    public var maximumQueuedTotal = 256
    /// Entries in the cache; the least recently confirmed is evicted first.
    public var maximumEntries = 1024
    public init() {}
}

/// IPv4 limits.
public struct IPv4Configuration: Sendable {
    /// TTL of datagrams we originate.
    public var defaultTTL: UInt8 = 64
    /// Bytes held in all by datagrams being reassembled.
    public var reassemblyMemory = 1 << 20
    /// Datagrams reassembled at once.
    public var maximumReassemblies = 64
    /// How long fragments of an incomplete datagram are kept (RFC 791 suggests 15 s; Linux 30 s).
    public var reassemblyTimeout: Duration = .seconds(30)
    public init() {}
}

/// ICMP error rate limit: a token bucket (RFC 1812 §4.3.2.8 / RFC 1122 §3.2.2).
public struct ICMPConfiguration: Sendable {
    /// Errors per second in the long run.
    public var errorsPerSecond = 100
    /// Errors sent back to back before the rate applies.
    public var errorBurst = 50
    public init() {}
}

/// TCP limits and tunables.
public struct TCPConfiguration: Sendable {
    /// Connections in all states but LISTEN and TIME-WAIT.
    public var maximumConnections = 4096
    /// Compact TIME-WAIT records kept; the oldest is forgotten first when full.
    public var maximumTimeWait = 16384
    /// Half-open (SYN-RECEIVED) connections per listener.
    public var synQueueLength = 256
    /// Maximum segment lifetime; TIME-WAIT lasts twice this. Short by default: this is a
    /// test host, and the Linux client reuses ports fast.
    public var maximumSegmentLifetime: Duration = .seconds(2)
    /// Send buffer per connection, in bytes (allocated when data is queued).
    public var sendBufferSize = 512 * 1024
    /// Receive buffer per connection, in bytes, when it starts: the most we advertise until
    /// the buffer grows.
    public var receiveBufferSize = 512 * 1024
    /// The largest a receive buffer may grow to. It doubles whenever the peer fills the whole
    /// window while the application keeps up: a fast sender recovering from a loss is
    /// otherwise stopped by the data held behind the hole. At most `receiveBufferSize`: no growth.
    public var maximumReceiveBufferSize = 4 * 1024 * 1024
    /// Bytes all connections together may hold in receive buffers beyond
    /// `receiveBufferSize`; when used up, buffers stay as they are.
    public var receiveBufferGrowthLimit = 32 * 1024 * 1024
    /// The most ranges one connection tracks: out-of-order data it holds, or blocks the
    /// peer has SACKed. Within this bound a connection keeps one range per KiB of its buffer
    /// (at least 16), enough for every other full-sized segment of a window to be lost,
    /// for a few bytes of bookkeeping per KiB buffered.
    public var maximumOutOfOrderRanges = 4096
    /// Initial retransmission timeout (RFC 6298 says 1 s).
    public var initialRTO: Duration = .seconds(1)
    /// Lower bound of the retransmission timeout (RFC 6298 says 1 s; Linux uses 200 ms).
    public var minimumRTO: Duration = .milliseconds(200)
    /// Upper bound of the retransmission timeout.
    public var maximumRTO: Duration = .seconds(60)
    /// Retransmissions of one segment before the connection is given up.
    public var maximumRetransmissions = 12
    /// SYN / SYN-ACK retransmissions before giving up.
    public var maximumSynRetransmissions = 5
    /// Delayed-ACK timeout (RFC 9293 says under 0.5 s; 40 ms as Linux).
    public var delayedACKTimeout: Duration = .milliseconds(40)
    /// A bare ACK outside the receive window is answered at most this often per connection
    /// (data outside the window is always answered).
    public var outOfWindowACKInterval: Duration = .milliseconds(500)
    /// Idle time after which a connection's empty buffers are returned.
    public var bufferReleaseDelay: Duration = .seconds(1)
    /// Buffers of each size kept for reuse once connections give them back: enough for a
    /// few dozen connections opening and closing at once. Blocks unused for two
    /// buffer-release intervals are freed.
    public var maximumPooledBuffers = 64
    /// Time a closing connection may spend in FIN-WAIT-2 before it is dropped.
    public var finWait2Timeout: Duration = .seconds(60)
    public init() {}
}
