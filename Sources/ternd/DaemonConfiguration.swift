import TernStack
import TernWire

/// Everything the daemon needs, validated: the values of `TerndOptions` after every check
/// that does not need the system (addresses inside the subnet, ports distinct, limits in
/// range). Each failed check is a `UsageError` naming the flags involved.
struct DaemonConfiguration {
    enum Link {
        case tap(String)
        case packetSocket(String)
    }

    let link: Link
    let address: IPv4Subnet
    let gateway: IPv4Address?
    let routes: [(destination: IPv4Subnet, nextHop: IPv4Address)]
    let mac: MACAddress
    let hostAddress: IPv4Subnet?
    /// The MTU asked for; nil leaves it to the device (1500 for a TAP, the interface's own
    /// for a packet socket).
    let mtu: Int?
    let www: String
    let httpPort: UInt16
    let timePort: UInt16
    let chatPort: UInt16
    let echoPort: UInt16
    let discardPort: UInt16
    let chargenPort: UInt16
    let wordsPort: UInt16
    let user: String
    let pcapPath: String?
    let faults: FaultSettings?
    let maxConnections: Int
    let listenBacklog: Int
    /// Open a TAP with offloads (TCP segmentation and checksums left to the other side).
    let offloads: Bool
    /// Microseconds the event loop spins on the device after traffic before sleeping.
    let busyPollMicroseconds: Int
    let synQueue: Int
    let tcpSendBuffer: Int
    let tcpReceiveBuffer: Int
    let tcpReceiveBufferMax: Int
    let reassemblyMemory: Int
    let maxReassemblies: Int
    let arpQueue: Int
    let maxChatClients: Int

    /// The resource limits' defaults, shown by `--help`.
    enum Defaults {
        static let maxConnections = 1024
        static let listenBacklog = 128
        static let synQueue = 256
        static let tcpBufferSize = 256 * 1024
        static let tcpReceiveBufferMax = 4 << 20
        static let reassemblyMemory = 1 << 20
        static let maxReassemblies = 64
        static let arpQueue = 256
        static let maxChatClients = 256
    }

    /// The limits' accepted ranges. Buffers below 4 KiB would make TCP crawl; the upper
    /// bounds only keep a typo from asking for gigabytes per connection.
    enum Ranges {
        static let maxConnections = 1...1_000_000
        static let listenBacklog = 1...65535
        static let synQueue = 1...65535
        static let tcpBuffer = 4096...(64 << 20)
        static let reassemblyMemory = 65536...(1 << 30)
        static let maxReassemblies = 1...65536
        static let arpQueue = 1...65536
        static let maxChatClients = 1...1_000_000
    }

    /// Datagrams queued for any one address while it is resolved (and never more than
    /// `--arp-queue` in all).
    static let arpQueuePerAddress = 16

    /// The `--fault-*` flags, present when any probability is above zero.
    struct FaultSettings {
        let drop, duplicate, reorder, corrupt: Double
        let seed: UInt64?
    }

    static let defaultTAPMTU = 1500
    static let mtuRange = 68...65535

    init(_ options: TerndOptions) throws(UsageError) {
        switch (options.tap, options.packetSocket) {
        case (let tap?, nil):
            try DaemonConfiguration.checkInterfaceName(tap, flag: "--tap")
            link = .tap(tap)
        case (nil, let interface?):
            try DaemonConfiguration.checkInterfaceName(interface, flag: "--packet-socket")
            link = .packetSocket(interface)
        case (nil, nil):
            throw UsageError("give a link: --tap NAME or --packet-socket IFNAME")
        case (_?, _?):
            throw UsageError("--tap and --packet-socket cannot be used together; choose one")
        }

        let address = try DaemonConfiguration.parseHostCIDR(options.address, flag: "--address")
        self.address = address
        let subnet = address.normalized

        if let text = options.gateway {
            let gateway = try DaemonConfiguration.parseNeighbour(text, flag: "--gateway", in: address)
            self.gateway = gateway
        } else {
            gateway = nil
        }

        var routes: [(destination: IPv4Subnet, nextHop: IPv4Address)] = []
        for (destination, nextHop) in try DaemonConfiguration.parseRoutes(options.route) {
            guard let parsed = IPv4Subnet(destination) else {
                throw UsageError("--route \(destination) via \(nextHop): \(destination) is not a CIDR such as 10.9.0.0/16")
            }
            let normalized = parsed.normalized
            let hop = try DaemonConfiguration.parseNeighbour(nextHop, flag: "--route \(destination) via", in: address)
            if normalized == subnet {
                throw UsageError("--route \(destination) via \(nextHop): \(normalized) is the connected subnet itself")
            }
            if normalized.prefixLength == 0 && gateway != nil {
                throw UsageError("--route \(destination) via \(nextHop) and --gateway both set the default route; use one")
            }
            if routes.contains(where: { $0.destination == normalized }) {
                throw UsageError("--route \(normalized) is given twice")
            }
            routes.append((normalized, hop))
        }
        self.routes = routes

        if let text = options.mac {
            guard let mac = MACAddress(text) else {
                throw UsageError("--mac \(text) is not a MAC address such as 02:00:0a:00:00:02")
            }
            guard !mac.isMulticast, mac != .zero else {
                throw UsageError("--mac \(text) must be a unicast address (not zero, broadcast or multicast)")
            }
            self.mac = mac
        } else {
            mac = StackConfiguration.defaultMAC(for: address.address)
        }

        if let text = options.hostAddress {
            guard case .tap = link else {
                throw UsageError("--host-address configures the kernel side of a TAP device; with --packet-socket, configure the interface with ip(8)")
            }
            let host = try DaemonConfiguration.parseHostCIDR(text, flag: "--host-address")
            guard host.normalized == subnet else {
                throw UsageError("--host-address \(text) is not in the subnet \(subnet) of --address \(options.address)")
            }
            guard host.address != address.address else {
                throw UsageError("--host-address \(text) is the virtual host's own address; the kernel side needs another one")
            }
            hostAddress = host
        } else {
            hostAddress = nil
        }

        if let mtu = options.mtu {
            guard DaemonConfiguration.mtuRange.contains(mtu) else {
                throw UsageError("--mtu \(mtu) is out of range: \(DaemonConfiguration.mtuRange.lowerBound)–\(DaemonConfiguration.mtuRange.upperBound)")
            }
        }
        mtu = options.mtu

        www = options.www
        httpPort = options.httpPort
        timePort = options.timePort
        chatPort = options.chatPort
        echoPort = options.echoPort
        discardPort = options.discardPort
        chargenPort = options.chargenPort
        wordsPort = options.wordsPort
        var claimed: [UInt16: String] = [:]
        for (flag, port) in [("--http-port", httpPort), ("--time-port", timePort), ("--chat-port", chatPort),
                             ("--echo-port", echoPort), ("--discard-port", discardPort),
                             ("--chargen-port", chargenPort), ("--words-port", wordsPort)] where port != 0 {
            if let other = claimed[port] {
                throw UsageError("\(flag) \(port) is already taken by \(other); give each service its own port (0 turns one off)")
            }
            claimed[port] = flag
        }

        guard !options.user.isEmpty, !options.user.utf8.contains(0) else {
            throw UsageError("--user needs a user name")
        }
        user = options.user

        if let path = options.pcap, path.isEmpty || path.utf8.contains(0) {
            throw UsageError("--pcap needs a file name")
        }
        pcapPath = options.pcap

        let probabilities = [("--fault-drop", options.faultDrop), ("--fault-duplicate", options.faultDuplicate),
                             ("--fault-reorder", options.faultReorder), ("--fault-corrupt", options.faultCorrupt)]
        for (flag, value) in probabilities where !(value >= 0 && value <= 1) {
            throw UsageError("\(flag) \(value) is not a probability between 0 and 1")
        }
        if probabilities.contains(where: { $0.1 > 0 }) {
            faults = FaultSettings(drop: options.faultDrop, duplicate: options.faultDuplicate,
                                   reorder: options.faultReorder, corrupt: options.faultCorrupt, seed: options.faultSeed)
        } else {
            faults = nil
        }

        offloads = !options.noOffload
        busyPollMicroseconds = try DaemonConfiguration.check(options.busyPoll, flag: "--busy-poll", in: 0...10_000)
        maxConnections = try DaemonConfiguration.check(options.maxConnections, flag: "--max-connections",
                                                       in: Ranges.maxConnections)
        listenBacklog = try DaemonConfiguration.check(options.listenBacklog, flag: "--listen-backlog",
                                                      in: Ranges.listenBacklog)
        synQueue = try DaemonConfiguration.check(options.synQueue, flag: "--syn-queue", in: Ranges.synQueue)
        let bufferSize = try DaemonConfiguration.check(options.tcpBufferSize ?? Defaults.tcpBufferSize,
                                                       flag: "--tcp-buffer-size",
                                                       in: Ranges.tcpBuffer)
        tcpSendBuffer = try DaemonConfiguration.check(options.tcpSendBuffer ?? bufferSize, flag: "--tcp-send-buffer",
                                                      in: Ranges.tcpBuffer)
        tcpReceiveBuffer = try DaemonConfiguration.check(options.tcpReceiveBuffer ?? bufferSize,
                                                         flag: "--tcp-receive-buffer", in: Ranges.tcpBuffer)
        // A receive buffer size given on the command line is the size, as SO_RCVBUF turns off
        // Linux's autotuning; growth stays on only when asked for or when nothing was set.
        let sizeGiven = options.tcpReceiveBuffer != nil || options.tcpBufferSize != nil
        tcpReceiveBufferMax = try DaemonConfiguration.check(
            options.tcpReceiveBufferMax ?? (sizeGiven ? tcpReceiveBuffer : Defaults.tcpReceiveBufferMax),
            flag: "--tcp-receive-buffer-max", in: Ranges.tcpBuffer)
        reassemblyMemory = try DaemonConfiguration.check(options.reassemblyMemory, flag: "--reassembly-memory",
                                                         in: Ranges.reassemblyMemory)
        maxReassemblies = try DaemonConfiguration.check(options.maxReassemblies, flag: "--max-reassemblies",
                                                        in: Ranges.maxReassemblies)
        arpQueue = try DaemonConfiguration.check(options.arpQueue, flag: "--arp-queue", in: Ranges.arpQueue)
        maxChatClients = try DaemonConfiguration.check(options.maxChatClients, flag: "--max-chat-clients",
                                                       in: Ranges.maxChatClients)
    }

    /// The stack's settings for this configuration, on a link with `mtu`.
    func stackConfiguration(mtu: Int, randomSeed: UInt64, linkOffloads: Bool) -> StackConfiguration {
        var configuration = StackConfiguration(mac: mac, address: address, gateway: gateway,
                                               staticRoutes: routes, mtu: mtu, randomSeed: randomSeed)
        configuration.linkOffloads = linkOffloads
        configuration.ipv4.reassemblyMemory = reassemblyMemory
        configuration.ipv4.maximumReassemblies = maxReassemblies
        configuration.arp.maximumQueuedTotal = arpQueue
        configuration.arp.maximumQueuedPerAddress = min(arpQueue, DaemonConfiguration.arpQueuePerAddress)
        configuration.tcp.maximumConnections = maxConnections
        configuration.tcp.synQueueLength = synQueue
        configuration.tcp.sendBufferSize = tcpSendBuffer
        configuration.tcp.receiveBufferSize = tcpReceiveBuffer
        configuration.tcp.maximumReceiveBufferSize = tcpReceiveBufferMax
        return configuration
    }

    // MARK: - Parsing helpers

    /// An interface name as the kernel accepts it: 1–15 bytes, no '/', ':' or whitespace.
    private static func checkInterfaceName(_ name: String, flag: String) throws(UsageError) {
        let bytes = Array(name.utf8)
        guard (1...15).contains(bytes.count) else {
            throw UsageError("\(flag) \(name): an interface name is 1–15 bytes long")
        }
        let forbidden: Set<UInt8> = [0, UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: " "),
                                     UInt8(ascii: "\t"), UInt8(ascii: "\n")]
        guard !bytes.contains(where: forbidden.contains), name != ".", name != ".." else {
            throw UsageError("\(flag) \(name): an interface name cannot contain '/', ':' or whitespace")
        }
    }

    /// A host address with its prefix, usable as a unicast address on its subnet.
    private static func parseHostCIDR(_ text: String, flag: String) throws(UsageError) -> IPv4Subnet {
        guard let cidr = IPv4Subnet(text) else {
            if IPv4Address(text) != nil {
                throw UsageError("\(flag) \(text) needs a prefix length, e.g. \(text)/24")
            }
            throw UsageError("\(flag) \(text) is not an IPv4 address with a prefix, such as 10.0.0.2/24")
        }
        guard cidr.prefixLength > 0 else {
            throw UsageError("\(flag) \(text): the prefix length must be 1–32")
        }
        try checkUnicast(cidr.address, text: text, flag: flag, in: cidr)
        return cidr
    }

    /// An address on the connected subnet other than our own: a gateway or next hop.
    private static func parseNeighbour(_ text: String, flag: String, in ours: IPv4Subnet) throws(UsageError) -> IPv4Address {
        guard let address = IPv4Address(text) else {
            throw UsageError("\(flag) \(text) is not an IPv4 address such as 10.0.0.1")
        }
        guard ours.contains(address) else {
            throw UsageError("\(flag) \(text) is outside the subnet \(ours.normalized) of --address \(ours)")
        }
        guard address != ours.address else {
            throw UsageError("\(flag) \(text) is the virtual host's own address")
        }
        try checkUnicast(address, text: text, flag: flag, in: ours)
        return address
    }

    private static func checkUnicast(_ address: IPv4Address, text: String, flag: String,
                                     in subnet: IPv4Subnet) throws(UsageError) {
        if address.isUnspecified || address.isLoopback || address.isMulticast || address[0] >= 240 {
            throw UsageError("\(flag) \(text) is not a unicast host address")
        }
        // /31 and /32 have no network or broadcast address (RFC 3021).
        if subnet.prefixLength <= 30 && (address == subnet.network || address == subnet.broadcast) {
            throw UsageError("\(flag) \(text) is the \(address == subnet.network ? "network" : "broadcast") address of \(subnet.normalized)")
        }
    }

    /// Splits the words given to `--route` (one argument each, or "CIDR via IP" in one)
    /// into (destination, next hop) pairs.
    static func parseRoutes(_ arguments: [String]) throws(UsageError) -> [(String, String)] {
        var words: [String] = []
        for argument in arguments {
            words += argument.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        }
        var routes: [(String, String)] = []
        var index = 0
        while index < words.count {
            guard index + 2 < words.count, words[index + 1] == "via" else {
                let given = words[index..<min(words.count, index + 3)].joined(separator: " ")
                throw UsageError("--route \(given): expected CIDR via IP, e.g. --route 10.9.0.0/16 via 10.0.0.1")
            }
            routes.append((words[index], words[index + 2]))
            index += 3
        }
        return routes
    }

    private static func check(_ value: Int, flag: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard range.contains(value) else {
            throw UsageError("\(flag) \(value) is out of range: \(range.lowerBound)–\(range.upperBound)")
        }
        return value
    }
}
