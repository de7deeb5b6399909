import TernStack
import TernWire

/// Everything the daemon needs, validated: the values of `TerndOptions` after every check
/// that does not need the system (addresses inside the subnet, ports distinct, limits in
/// range). Each failed check is a `UsageError` naming the flags involved.
struct DaemonConfiguration {
    /// The host's links, in the order given; the first is the primary one.
    let links: [LinkConfiguration]
    let gateway: IPv4Address?
    let routes: [(destination: IPv4Subnet, nextHop: IPv4Address)]
    /// `--route CIDR dev LINK`: straight onto a named link.
    let deviceRoutes: [(destination: IPv4Subnet, link: String)]
    /// `--route` with an IPv6 prefix: via a next hop on a link's prefix, or onto a named link.
    let ipv6Routes: [(destination: IPv6Subnet, nextHop: IPv6Address?, link: String?)]
    /// `--forward`: route datagrams between the links.
    let forward: Bool
    /// `--slaac`: addresses from router advertisements.
    let slaac: Bool
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
        let links = try DaemonConfiguration.parseLinks(options)
        self.links = links
        forward = options.forward
        slaac = options.slaac
        if slaac && forward {
            throw UsageError("--slaac is for a host; a router (--forward) advertises its prefixes instead")
        }
        let subnets = links.map(\.address)
        let firstAddress = options.link.isEmpty ? "--address \(links[0].address)" : "any --link"

        if let text = options.gateway {
            gateway = try DaemonConfiguration.parseNeighbour(text, flag: "--gateway", in: subnets, named: firstAddress)
        } else {
            gateway = nil
        }

        var routes: [(destination: IPv4Subnet, nextHop: IPv4Address)] = []
        var deviceRoutes: [(destination: IPv4Subnet, link: String)] = []
        var ipv6Routes: [(destination: IPv6Subnet, nextHop: IPv6Address?, link: String?)] = []
        for (destination, word, target) in try DaemonConfiguration.parseRoutes(options.route) {
            if DaemonConfiguration.isIPv6Text(destination) {
                ipv6Routes.append(try DaemonConfiguration.parseIPv6Route(destination, word, target, links: links,
                                                                         given: ipv6Routes.map(\.destination)))
                continue
            }
            guard let parsed = IPv4Subnet(destination) else {
                throw UsageError("--route \(destination) \(word) \(target): \(destination) is not a CIDR such as 10.9.0.0/16")
            }
            let normalized = parsed.normalized
            if subnets.contains(where: { $0.normalized == normalized }) {
                throw UsageError("--route \(destination) \(word) \(target): \(normalized) is a connected subnet itself")
            }
            if normalized.prefixLength == 0 && gateway != nil {
                throw UsageError("--route \(destination) \(word) \(target) and --gateway both set the default route; use one")
            }
            if routes.contains(where: { $0.destination == normalized })
                || deviceRoutes.contains(where: { $0.destination == normalized }) {
                throw UsageError("--route \(normalized) is given twice")
            }
            if word == "dev" {
                guard links.contains(where: { $0.name == target }) else {
                    throw UsageError("--route \(destination) dev \(target): no link is named \(target)")
                }
                deviceRoutes.append((normalized, target))
            } else {
                let hop = try DaemonConfiguration.parseNeighbour(target, flag: "--route \(destination) via",
                                                                 in: subnets, named: firstAddress)
                routes.append((normalized, hop))
            }
        }
        self.routes = routes
        self.deviceRoutes = deviceRoutes
        self.ipv6Routes = ipv6Routes

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

    /// The stack's settings for this configuration, on links whose devices have
    /// `mtus` and `offloads` (one each, in link order).
    func stackConfiguration(mtus: [Int], offloads: [Bool], randomSeed: UInt64) -> StackConfiguration {
        let interfaces = links.indices.map { i in
            InterfaceConfiguration(name: links[i].name, mac: links[i].mac, address: links[i].address, mtu: mtus[i],
                                   capabilities: offloads[i] ? .tapOffloads : .none,
                                   ipv6Addresses: links[i].ipv6Addresses)
        }
        var configuration = StackConfiguration(interfaces: interfaces, gateway: gateway, staticRoutes: routes,
                                               randomSeed: randomSeed)
        configuration.deviceRoutes = deviceRoutes.map { ($0.destination, $0.link) }
        configuration.ipv6Routes = ipv6Routes.map { ($0.destination, $0.nextHop, $0.link) }
        configuration.forwarding = forward
        configuration.ipv6.autoconfigure = slaac

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
    static func checkInterfaceName(_ name: String, flag: String) throws(UsageError) {
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
    static func parseHostCIDR(_ text: String, flag: String) throws(UsageError) -> IPv4Subnet {
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

    /// An address on a connected subnet other than our own: a gateway or next hop.
    private static func parseNeighbour(_ text: String, flag: String, in subnets: [IPv4Subnet],
                                       named: String) throws(UsageError) -> IPv4Address {
        guard let address = IPv4Address(text) else {
            throw UsageError("\(flag) \(text) is not an IPv4 address such as 10.0.0.1")
        }
        guard let ours = subnets.first(where: { $0.contains(address) }) else {
            let list = subnets.map { "\($0.normalized)" }.joined(separator: ", ")
            throw UsageError("\(flag) \(text) is outside the subnet \(list) of \(named)")
        }
        guard !subnets.contains(where: { $0.address == address }) else {
            throw UsageError("\(flag) \(text) is the virtual host's own address")
        }
        try checkUnicast(address, text: text, flag: flag, in: ours)
        return address
    }

    /// A unicast MAC address.
    static func parseMAC(_ text: String, flag: String) throws(UsageError) -> MACAddress {
        guard let mac = MACAddress(text) else {
            throw UsageError("\(flag) \(text) is not a MAC address such as 02:00:0a:00:00:02")
        }
        guard !mac.isMulticast, mac != .zero else {
            throw UsageError("\(flag) \(text) must be a unicast address (not zero, broadcast or multicast)")
        }
        return mac
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
    /// into (destination, "via" or "dev", next hop or link name) triples.
    static func parseRoutes(_ arguments: [String]) throws(UsageError) -> [(String, String, String)] {
        var words: [String] = []
        for argument in arguments {
            words += argument.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        }
        var routes: [(String, String, String)] = []
        var index = 0
        while index < words.count {
            guard index + 2 < words.count, words[index + 1] == "via" || words[index + 1] == "dev" else {
                let given = words[index..<min(words.count, index + 3)].joined(separator: " ")
                throw UsageError("--route \(given): expected CIDR via IP or CIDR dev LINK, e.g. --route 10.9.0.0/16 via 10.0.0.1")
            }
            routes.append((words[index], words[index + 1], words[index + 2]))
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
