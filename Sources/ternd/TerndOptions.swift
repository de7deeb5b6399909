import ArgumentParser
import TernWire

/// The command line of `ternd`, as typed: the flags of docs/daemon.md plus a few resource limits.
/// Syntax is checked here; what the values mean together is checked by
/// `DaemonConfiguration`.
struct TerndOptions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ternd",
        abstract: "Run a virtual IPv4 host, with Tern's userspace TCP/IP stack, on a TAP device or an interface.",
        discussion: """
            Examples:
              ternd --tap tern0 --address 10.0.0.2/24 --host-address 10.0.0.1/24
              ternd --packet-socket veth1 --address 10.0.1.2/24 --echo-port 7
              ternd --link packet:r-a,10.1.0.254/24 --link packet:r-b,10.2.0.254/24 --forward

            The daemon opens the device, configures the kernel side (--host-address), then \
            drops to --user with no capabilities left. SIGINT or SIGTERM closes connections \
            with a FIN and exits; SIGUSR1 logs the stack's counters.
            """,
        version: TernVersion.number)

    // MARK: Link

    @Option(name: .customLong("tap"), help: ArgumentHelp("Attach to TAP device NAME, creating it if absent.", valueName: "name"))
    var tap: String?

    @Option(name: .customLong("packet-socket"),
            help: ArgumentHelp("Instead of a TAP, use an AF_PACKET socket on the existing interface IFNAME (give it no IPv4 address).",
                               valueName: "ifname"))
    var packetSocket: String?

    @Option(help: ArgumentHelp("The virtual host's address and prefix, e.g. 10.0.0.2/24; repeatable: one IPv4 address and any IPv6 ones (fd00::2/64). The link-local IPv6 address comes from the MAC.",
                               valueName: "cidr"))
    var address: [String] = []

    @Option(name: .customLong("link"),
            help: ArgumentHelp("One link of the host (repeatable): KIND tap or packet, the device's name, its address, and options mac=MAC, mtu=N, host-address=CIDR (tap only), offload=off. Instead of --tap/--packet-socket with --address.",
                               valueName: "kind:name,cidr[,option=value...]"))
    var link: [String] = []

    @Flag(name: .customLong("forward"),
          help: "Route datagrams between the links (a router); without it, datagrams for other hosts are dropped.")
    var forward = false

    @Flag(name: .customLong("slaac"),
          help: "Take a global IPv6 address from each /64 prefix that router advertisements offer (stateless autoconfiguration).")
    var slaac = false

    @Option(help: ArgumentHelp("Next hop of the default route (inside the subnet).", valueName: "ip"))
    var gateway: String?

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("An extra static route, e.g. --route 10.9.0.0/16 via 10.0.0.1, or straight onto a link: --route 10.9.0.0/16 dev veth1 (repeatable).",
                               valueName: "cidr via ip|cidr dev link"))
    var route: [String] = []

    @Option(help: ArgumentHelp("The virtual host's MAC (default: 02:00 followed by the IPv4 address).", valueName: "mac"))
    var mac: String?

    @Option(name: .customLong("host-address"),
            help: ArgumentHelp("Configure the kernel side of the TAP with this address (same subnet) and bring it up.",
                               valueName: "cidr"))
    var hostAddress: String?

    @Option(help: ArgumentHelp("Link MTU (default 1500; with --packet-socket, the interface's).", valueName: "n"))
    var mtu: Int?

    // MARK: Services

    @Option(help: ArgumentHelp("Web root of the HTTP service.", valueName: "dir"))
    var www: String = "./www"

    @Option(name: .customLong("http-port"), help: ArgumentHelp("HTTP service port (0: off).", valueName: "n"))
    var httpPort: UInt16 = 80

    @Option(name: .customLong("time-port"), help: ArgumentHelp("Time Protocol port, TCP and UDP (0: off).", valueName: "n"))
    var timePort: UInt16 = 37

    @Option(name: .customLong("chat-port"), help: ArgumentHelp("Chat service port (0: off).", valueName: "n"))
    var chatPort: UInt16 = 3490

    @Option(name: .customLong("echo-port"), help: ArgumentHelp("Echo (RFC 862) port, TCP and UDP (0: off).", valueName: "n"))
    var echoPort: UInt16 = 0

    @Option(name: .customLong("discard-port"), help: ArgumentHelp("Discard (RFC 863) port, TCP and UDP (0: off).", valueName: "n"))
    var discardPort: UInt16 = 0

    @Option(name: .customLong("chargen-port"), help: ArgumentHelp("Chargen (RFC 864) port, TCP and UDP (0: off).", valueName: "n"))
    var chargenPort: UInt16 = 0

    @Option(name: .customLong("words-port"), help: ArgumentHelp("Word service port (0: off).", valueName: "n"))
    var wordsPort: UInt16 = 0

    // MARK: Process

    @Option(help: ArgumentHelp("Drop to this user after setup.", valueName: "name"))
    var user: String = "nobody"

    @Option(help: ArgumentHelp("Write every frame sent and received to this pcap file.", valueName: "file"))
    var pcap: String?

    @Option(name: .customLong("log-level"), help: "Log level.")
    var logLevel: LogLevelOption = .info

    @Option(name: .customLong("busy-poll"),
            help: ArgumentHelp("After traffic, keep reading the device up to this many microseconds before sleeping (0: never); less, down to not at all, while such spins catch nothing. Lower latency for a little CPU.",
                               valueName: "µs"))
    var busyPoll: Int = 50

    @Flag(name: .customLong("no-offload"),
          help: "On a TAP, exchange plain frames of at most the MTU with the kernel, instead of TCP super-segments of up to 64 KiB with checksums left to the other side.")
    var noOffload = false

    // MARK: Limits

    @Option(name: .customLong("max-connections"),
            help: ArgumentHelp("Most TCP connections at once, in all states but TIME-WAIT (also each stream service's limit).",
                               valueName: "n"))
    var maxConnections: Int = DaemonConfiguration.Defaults.maxConnections

    @Option(name: .customLong("listen-backlog"),
            help: ArgumentHelp("Established connections each service may have waiting to be accepted.", valueName: "n"))
    var listenBacklog: Int = DaemonConfiguration.Defaults.listenBacklog

    @Option(name: .customLong("syn-queue"),
            help: ArgumentHelp("Half-open (SYN received) connections each service holds; when full, the oldest is dropped.",
                               valueName: "n"))
    var synQueue: Int = DaemonConfiguration.Defaults.synQueue

    @Option(name: .customLong("tcp-buffer-size"),
            help: ArgumentHelp("Send and receive buffer of each TCP connection, in bytes (allocated while in use). (default: \(DaemonConfiguration.Defaults.tcpBufferSize))",
                               valueName: "bytes"))
    var tcpBufferSize: Int?

    @Option(name: .customLong("tcp-send-buffer"),
            help: ArgumentHelp("Send buffer of each TCP connection, in bytes (default: --tcp-buffer-size).", valueName: "bytes"))
    var tcpSendBuffer: Int?

    @Option(name: .customLong("tcp-receive-buffer"),
            help: ArgumentHelp("Receive buffer of each TCP connection, in bytes: the window it starts with (default: --tcp-buffer-size).",
                               valueName: "bytes"))
    var tcpReceiveBuffer: Int?

    @Option(name: .customLong("tcp-receive-buffer-max"),
            help: ArgumentHelp("Largest a receive buffer grows to, doubling while the sender fills the window and the application keeps up. (default: \(DaemonConfiguration.Defaults.tcpReceiveBufferMax); with a buffer size set, that size: no growth)",
                               valueName: "bytes"))
    var tcpReceiveBufferMax: Int?

    @Option(name: .customLong("reassembly-memory"),
            help: ArgumentHelp("Bytes held in all by IPv4 datagrams being reassembled.", valueName: "bytes"))
    var reassemblyMemory: Int = DaemonConfiguration.Defaults.reassemblyMemory

    @Option(name: .customLong("max-reassemblies"),
            help: ArgumentHelp("IPv4 datagrams reassembled at once; when full, the oldest is dropped.", valueName: "n"))
    var maxReassemblies: Int = DaemonConfiguration.Defaults.maxReassemblies

    @Option(name: .customLong("arp-queue"),
            help: ArgumentHelp("Datagrams held in all while waiting for ARP answers (at most 16 per address).",
                               valueName: "n"))
    var arpQueue: Int = DaemonConfiguration.Defaults.arpQueue

    @Option(name: .customLong("max-chat-clients"),
            help: ArgumentHelp("Chat clients at once; more are sent an error and closed.", valueName: "n"))
    var maxChatClients: Int = DaemonConfiguration.Defaults.maxChatClients

    // MARK: Testing

    @Option(name: .customLong("fault-drop"), help: ArgumentHelp("For testing: drop this share of frames (0–1), both ways.", valueName: "p"))
    var faultDrop: Double = 0

    @Option(name: .customLong("fault-duplicate"), help: ArgumentHelp("For testing: duplicate this share of frames (0–1).", valueName: "p"))
    var faultDuplicate: Double = 0

    @Option(name: .customLong("fault-reorder"), help: ArgumentHelp("For testing: reorder this share of frames (0–1).", valueName: "p"))
    var faultReorder: Double = 0

    @Option(name: .customLong("fault-corrupt"), help: ArgumentHelp("For testing: flip a bit in this share of frames (0–1).", valueName: "p"))
    var faultCorrupt: Double = 0

    @Option(name: .customLong("fault-seed"), help: ArgumentHelp("For testing: seed of the fault injector (default: random, logged).", valueName: "n"))
    var faultSeed: UInt64?
}

/// `--log-level` values.
enum LogLevelOption: String, CaseIterable, ExpressibleByArgument {
    case trace, debug, info, notice, warning, error, critical
}
