import Logging
import TernLink
import TernWire

/// The link as the daemon set it up: the device the stack talks to (the kernel device,
/// wrapped in fault injection and capture when asked), and the pieces it reports on.
struct LinkSetup {
    /// What the stack sends and receives through: outermost wrapper first.
    let device: any LinkDevice
    /// For the ready line: "TAP tern0", "packet socket on veth1".
    let description: String
    let faults: FaultInjector?
    let capture: PcapWriter?

    /// Opens the device, configures the kernel side of a TAP when asked, then wraps the
    /// device: faults next to the device, capture outside them, so the capture shows what
    /// the stack itself received and sent, as a capture on a real host's interface would.
    static func open(_ configuration: DaemonConfiguration, logger: Logger) throws(StartupError) -> LinkSetup {
        let base: any LinkDevice
        let description: String
        do {
            switch configuration.link {
            case .tap(let name):
                let mtu = configuration.mtu ?? DaemonConfiguration.defaultTAPMTU
                let tap: TAPDevice
                if configuration.offloads, let withOffloads = try? TAPDevice(name: name, mtu: mtu, offloads: true) {
                    tap = withOffloads
                } else {
                    if configuration.offloads { logger.notice("TAP \(name): offloads unavailable, using plain frames") }
                    tap = try TAPDevice(name: name, mtu: mtu)
                }
                try configureKernelSide(of: tap, configuration, logger: logger)
                base = tap
                description = "TAP \(tap.name)" + (tap.offloads ? " with offloads" : "")
            case .packetSocket(let interface):
                let socket = try PacketSocketDevice(interface: interface, mtu: configuration.mtu)
                if let mtu = configuration.mtu, let kernelMTU = try? KernelInterface(name: interface).mtu(), kernelMTU < mtu {
                    logger.warning("--mtu \(mtu) is larger than the MTU \(kernelMTU) of \(interface); larger frames will not pass")
                }
                base = socket
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
            let seed = settings.seed ?? system.next()
            let injector = FaultInjector(wrapping: device, profile: profile, seed: seed)
            logger.notice("fault injection for testing: \(profile), seed \(seed)")
            faults = injector
            device = injector
        }
        var capture: PcapWriter?
        if let path = configuration.pcapPath {
            do {
                let writer = try PcapWriter(wrapping: device, path: path)
                capture = writer
                device = writer
            } catch {
                device.close()
                throw StartupError(error)
            }
        }
        return LinkSetup(device: device, description: description, faults: faults, capture: capture)
    }

    /// `--host-address`: the kernel side gets its address, our MTU, and is brought up.
    /// Without it the kernel side is left as it is, with a word if its MTU differs.
    private static func configureKernelSide(of tap: TAPDevice, _ configuration: DaemonConfiguration,
                                            logger: Logger) throws(SystemError) {
        let kernel = KernelInterface(name: tap.name)
        guard let host = configuration.hostAddress else {
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
