import Logging
import TernLink
import TernWire

/// One link as the daemon set it up: the device the stack talks to (the kernel device,
/// wrapped in fault injection and capture when asked), and the pieces it reports on.
struct LinkSetup {
    /// The link's name, as in routes.
    let name: String
    /// What the stack sends and receives through: outermost wrapper first.
    let device: any LinkDevice
    /// For the ready line: "TAP tern0", "packet socket on veth1".
    let description: String
    let faults: FaultInjector?
    let capture: PcapWriter?
    /// The packet socket under any wrappers, for its counters.
    let packetSocket: PacketSocketDevice?

    /// Opens the device, configures the kernel side of a TAP when asked, then wraps the
    /// device: faults next to the device, capture outside them, so the capture shows what
    /// the stack itself received and sent, as a capture on a real host's interface would.
    /// Opens every link of `configuration`, in order; on a failure closes those opened.
    static func openAll(_ configuration: DaemonConfiguration, logger: Logger) throws(StartupError) -> [LinkSetup] {
        var opened: [LinkSetup] = []
        for index in configuration.links.indices {
            do {
                opened.append(try open(index: index, of: configuration, logger: logger))
            } catch {
                for link in opened { link.device.close() }
                throw error
            }
        }
        return opened
    }

    static func open(index: Int, of configuration: DaemonConfiguration,
                     logger: Logger) throws(StartupError) -> LinkSetup {
        let link = configuration.links[index]
        let base: any LinkDevice
        let description: String
        var packetSocket: PacketSocketDevice?
        do {
            switch link.kind {
            case .tap:
                let name = link.name
                let mtu = link.mtu ?? DaemonConfiguration.defaultTAPMTU
                let tap: TAPDevice
                if link.offloads, let withOffloads = try? TAPDevice(name: name, mtu: mtu, offloads: true) {
                    tap = withOffloads
                } else {
                    if link.offloads { logger.notice("TAP \(name): offloads unavailable, using plain frames") }
                    tap = try TAPDevice(name: name, mtu: mtu)
                }
                try configureKernelSide(of: tap, link, logger: logger)
                base = tap
                description = "TAP \(tap.name)" + (tap.offloads ? " with offloads" : "")
            case .packet:
                let interface = link.name
                let socket = try PacketSocketDevice(interface: interface, mtu: link.mtu, batchesTransmissions: true,
                                                      transmitThread: true)
                if let mtu = link.mtu, let kernelMTU = try? KernelInterface(name: interface).mtu(), kernelMTU < mtu {
                    logger.warning("--mtu \(mtu) is larger than the MTU \(kernelMTU) of \(interface); larger frames will not pass")
                }
                base = socket
                packetSocket = socket
                description = "packet socket on \(interface)"
            }
        } catch {
            throw StartupError(error)
        }

        var device = base
        var faults: FaultInjector?
        if let settings = configuration.faults {
            let profile: FaultProfile
            do {
                profile = try FaultProfile(drop: settings.drop, duplicate: settings.duplicate,
                                           reorder: settings.reorder, corrupt: settings.corrupt)
            } catch {
                base.close()
                throw StartupError(error)
            }
            var system = SystemRandomNumberGenerator()
            let seed = settings.seed.map { $0 &+ UInt64(index) } ?? system.next()
            let injector = FaultInjector(wrapping: device, profile: profile, seed: seed)
            logger.notice("fault injection for testing: \(profile), seed \(seed)")
            faults = injector
            device = injector
        }
        var capture: PcapWriter?
        if let path = configuration.pcapPath.map({ capturePath($0, link: link.name, links: configuration.links.count) }) {
            do {
                let writer = try PcapWriter(wrapping: device, path: path)
                capture = writer
                device = writer
            } catch {
                device.close()
                throw StartupError(error)
            }
        }
        return LinkSetup(name: link.name, device: device, description: description, faults: faults, capture: capture,
                         packetSocket: packetSocket)
    }

    /// `--pcap FILE` as it is for one link; with several, one file per link: FILE with the
    /// link's name before the extension (capture.pcap → capture-r-a.pcap).
    static func capturePath(_ path: String, link: String, links: Int) -> String {
        guard links > 1 else { return path }
        let slash = path.lastIndex(of: "/")
        if let dot = path.lastIndex(of: "."), slash.map({ dot > $0 }) ?? true, dot != path.startIndex {
            return path[..<dot] + "-" + link + path[dot...]
        }
        return path + "-" + link
    }

    /// `--host-address`: the kernel side gets its address, our MTU, and is brought up.
    /// Without it the kernel side is left as it is, with a word if its MTU differs.
    private static func configureKernelSide(of tap: TAPDevice, _ link: LinkConfiguration,
                                            logger: Logger) throws(SystemError) {
        let kernel = KernelInterface(name: tap.name)
        guard let host = link.hostAddress else {
            if let kernelMTU = try? kernel.mtu(), kernelMTU != tap.mtu {
                logger.warning("the kernel side of \(tap.name) has MTU \(kernelMTU), ternd uses \(tap.mtu); set it with: ip link set \(tap.name) mtu \(tap.mtu)")
            }
            return
        }
        if (try? kernel.mtu()) != tap.mtu { try kernel.setMTU(tap.mtu) }
        try kernel.setIPv4Address(host)
        try kernel.bringUp()
        logger.info("kernel side of \(tap.name): \(host), up")
    }
}
