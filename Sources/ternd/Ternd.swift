import ArgumentParser
import Glibc
import Logging
import TernLink
import TernServices
import TernStack

/// `ternd`: parse the command line, set up the link, drop privileges, and run the virtual
/// host until a termination signal.
@main
enum Ternd {
    static func main() {
        MemoryTuning.apply()
        let options: TerndOptions
        do {
            options = try TerndOptions.parse()
        } catch {
            let code = TerndOptions.exitCode(for: error)
            if code == .success {
                Output.line(TerndOptions.fullMessage(for: error), to: 1)
                exit(0)
            }
            fail(usage: TerndOptions.message(for: error), code: code.rawValue)
        }
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration(options)
        } catch {
            fail(usage: error.description, code: ExitCode.validationFailure.rawValue)
        }
        Output.bootstrapLogging(level: options.logLevel)
        let logger = Logger(label: "ternd")
        do {
            exit(try run(configuration, logger: logger))
        } catch {
            logger.error("\(error)")
            exit(1)
        }
    }

    /// A usage error: one line on stderr, then exit.
    private static func fail(usage message: String, code: Int32) -> Never {
        // Argument parser messages may list choices on lines of their own ("- trace"):
        // fold them into the one line.
        let lines = message.split(whereSeparator: \.isNewline).map { line in
            line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        }
            .filter { !$0.isEmpty }
        let choices = lines.filter { $0.hasPrefix("- ") }.map { $0.dropFirst(2) }
        var oneLine = lines.filter { !$0.hasPrefix("- ") }.joined(separator: " ")
        if !choices.isEmpty { oneLine += " " + choices.joined(separator: ", ") }
        Output.line("ternd: \(oneLine) (see ternd --help)", to: 2)
        exit(code == 0 ? 64 : code)
    }

    /// The documented order (docs/security.md): device, kernel side, capture and faults, signals and poller,
    /// privilege drop, stack, services, announcement, ready line, loop.
    private static func run(_ configuration: DaemonConfiguration, logger: Logger) throws(StartupError) -> Int32 {
        let links = try LinkSetup.openAll(configuration, logger: logger)
        func closeLinks() { for link in links { link.device.close() } }
        let termination: TerminationSignals
        let status: StatusSignal
        let poller: EventPoller
        do {
            termination = try TerminationSignals()
            status = try StatusSignal()
            poller = try EventPoller()
        } catch {
            closeLinks()
            throw StartupError(error)
        }
        do {
            try EventLoop.register(devices: links.map(\.device), termination: termination, status: status, with: poller)
        } catch {
            closeLinks()
            throw error
        }
        // The web root is opened while we may still read anything; the server keeps the
        // directory open and resolves every request beneath it.
        var webRoot: WebRoot?
        if configuration.httpPort != 0 {
            do {
                webRoot = try WebRoot(path: configuration.www)
            } catch {
                closeLinks()
                throw StartupError("web root \(error) (give --www DIR, or --http-port 0 to run without the web server)")
            }
        }
        try PrivilegeDrop.perform(user: configuration.user, logger: logger)

        let transmitters = links.map { DeviceTransmitter(device: $0.device, logger: logger) }
        var system = SystemRandomNumberGenerator()  // getrandom(2)
        let stackConfiguration = configuration.stackConfiguration(mtus: links.map(\.device.mtu),
                                                                  offloads: links.map(\.device.supportsOffload),
                                                                  randomSeed: system.next())
        let now = Instant(nanoseconds: MonotonicClock.nanoseconds())
        let stack: NetworkStack
        do {
            stack = try NetworkStack(configuration: stackConfiguration, transmitters: transmitters, now: now)
        } catch {
            throw StartupError(error)
        }
        // Where the monotonic clock's zero falls on the wall clock, for IP and ICMP timestamps.
        let wallNow = UInt64(max(0, WallClock.nanosecondsSinceEpoch()))
        stack.wallClockAtOrigin = (wallNow &- now.nanoseconds) / 1_000_000
        stack.eventHandler = { event in
            switch event {
            case .addressConflict(let address, let mac):
                logger.warning("address conflict: \(mac) also answers for \(address)")
            case .resolutionFailed(let address):
                logger.warning("no ARP answer from \(address); datagrams waiting for it were dropped")
            case .duplicateIPv6Address(let address, let mac):
                let who = mac.map { "\($0) uses it" } ?? "another node is claiming it"
                logger.warning("duplicate IPv6 address \(address): \(who); the address is not used")
            case .neighborUnreachable(let address):
                logger.warning("no neighbour discovery answer from \(address); packets waiting for it were dropped")
            case .ipv6AddressAutoconfigured(let address):
                logger.notice("autoconfigured \(address) from a router advertisement")
            case .ipv6AddressExpired(let address):
                logger.notice("autoconfigured \(address) expired: no router renewed its prefix in time")
            }
        }
        let services = try ServiceSet(configuration: configuration, stack: stack, webRoot: webRoot, logger: logger)
        stack.start(now: Instant(nanoseconds: MonotonicClock.nanoseconds()))

        // One link: "ADDRESS MAC … on DEVICE, MTU n"; several: the same for each, joined by " | ".
        var ready = "ternd ready: " + zip(zip(configuration.links, links), stack.interfaces).map { pair, interface in
            let (config, link) = pair
            let ipv6 = (config.ipv6Addresses.map(\.description) + ["\(interface.ipv6LinkLocalAddress)"])
                .map { " \($0)" }.joined()
            return "\(config.address)\(ipv6) MAC \(config.mac) on \(link.description), MTU \(link.device.mtu)"
        }.joined(separator: " | ")
        if let gateway = configuration.gateway { ready += ", gateway \(gateway)" }
        if configuration.forward { ready += ", forwarding" }
        ready += "; services: \(services.summary)"
        Output.line(ready, to: 1)

        let loop = EventLoop(links: links, stack: stack, services: services, transmitters: transmitters, poller: poller,
                             termination: termination, status: status, logger: logger,
                             busyPollMicroseconds: configuration.busyPollMicroseconds)
        return loop.run()
    }
}
