import TernWire

/// Where the engine hands the frames it wants sent. The daemon's implementation writes to
/// a TAP or packet socket; tests collect the frames in memory.
public protocol FrameTransmitter: AnyObject {
    /// Sends one complete Ethernet frame. The bytes are only valid during the call.
    func transmit(_ frame: UnsafeRawBufferPointer)

    /// Sends a frame that still needs the work `offload` describes (a checksum to finish,
    /// a TCP super-segment to cut). Only called for an interface whose capabilities include
    /// segmentation offload. The bytes may be changed and are only valid during the call.
    func transmit(_ frame: UnsafeMutableRawBufferPointer, offload: FrameOffload)
}

extension FrameTransmitter {
    /// Does the offload work in software and sends the resulting frames.
    public func transmit(_ frame: UnsafeMutableRawBufferPointer, offload: FrameOffload) {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { scratch.deallocate() }
        SoftwareOffload.wireFrames(of: UnsafeRawBufferPointer(frame), offload, scratch: scratch) { transmit($0) }
    }
}

/// Things worth telling an operator about, reported by the engine instead of logged (the
/// engine performs no I/O).
public enum StackEvent: Sendable, Equatable {
    /// Another host answered ARP for our own address.
    case addressConflict(address: IPv4Address, claimedBy: MACAddress)
    /// Duplicate address detection found another node using one of our IPv6 addresses
    /// (the MAC it answered from, when it answered rather than probed); the address is
    /// not used.
    case duplicateIPv6Address(address: IPv6Address, claimedBy: MACAddress?)
    /// Neighbour discovery got no answer for an IPv6 next hop; packets waiting were dropped.
    case neighborUnreachable(IPv6Address)
    /// Stateless autoconfiguration took an address from a router's prefix (it is used once
    /// duplicate address detection has passed).
    case ipv6AddressAutoconfigured(IPv6Subnet)
    /// The valid lifetime of an autoconfigured address ran out (no router renewed its
    /// prefix): the address is gone.
    case ipv6AddressExpired(IPv6Subnet)
    /// ARP got no answer for a next hop; datagrams waiting for it were dropped.
    case resolutionFailed(IPv4Address)
}

/// The engine behind a `NetworkStack`: the interfaces, routing, IP, ICMP, ARP/NDP and the
/// socket tables. Sockets reach it through strong references, so whatever a socket touches
/// is alive for as long as the socket is; the cycle this makes with the tables is broken
/// by `shutDown()`, which the application's `NetworkStack` calls when it goes.
final class StackCore {
    let configuration: StackConfiguration
    /// The links, in configuration order; `receive(frame:on:now:)` takes an index into it.
    let interfaces: [Interface]
    /// The routing table: every interface's connected subnet, static routes, the default.
    let routing: RoutingTable
    var counters = StackCounters()
    /// Receives events worth logging (address conflicts, resolution failures).
    var eventHandler: ((StackEvent) -> Void)?
    /// The wall-clock time, in milliseconds since 1970-01-01 00:00 UTC, at the origin of the
    /// clock the stack is driven with: it lets ICMP and IP timestamps count from midnight UT
    /// as they should. Nil (the default) keeps the engine off any wall clock.
    var wallClockAtOrigin: UInt64?

    /// The primary interface's MAC address.
    var mac: MACAddress { interfaces[0].mac }
    /// The primary interface's IPv4 address.
    var address: IPv4Address { interfaces[0].address }
    /// The primary interface's connected subnet.
    var subnet: IPv4Subnet { interfaces[0].subnet }

    var random: SeededRandom
    /// The time of the call being processed.
    var now: Instant
    var reassembler: IPv4Reassembler
    var ipv6Reassembler: IPv6Reassembler
    var icmpErrorLimiter: TokenBucket
    var nextIdentification: UInt16
    var nextIPv6Identification: UInt32
    var ipv6PathMTU: IPv6PathMTUCache
    var udpSockets: [UInt16: UDPSocket] = [:]
    var tcp: TCPLayer!
    /// Routes datagrams for other hosts (`StackConfiguration.forwarding`).
    let forwarding: Bool
    /// The smallest MTU of all links: the MSS TCP announces fits every one of them.
    let smallestMTU: Int
    /// Whether any link takes TCP super-segments; TCP builds them only then.
    let anyLinkSegments: Bool

    /// Room for an Ethernet header and the largest IPv4 datagram; every frame we originate
    /// or forward is built here (datagrams above the MTU are fragmented out of it).
    let txBuffer: UnsafeMutableRawBufferPointer
    /// Where fragments and software-segmented frames are cut out of `txBuffer`.
    let fragmentBuffer: UnsafeMutableRawBufferPointer
    /// ARP messages, built apart so they can go out while a datagram waits in `txBuffer`.
    let controlBuffer: UnsafeMutableRawBufferPointer

    /// Shortest frame on the wire without the FCS; shorter frames are zero-padded.
    static let minimumFrame = 60
    /// ANNOUNCE_INTERVAL of RFC 5227: the time between our two ARP announcements.
    static let announceInterval = Duration.seconds(2)
    static let maximumDatagram = 65535

    /// Creates the engine with one transmitter per configured interface, in the same order.
    /// Throws when a route's next hop is not on a connected subnet or names an unknown link.
    init(configuration: StackConfiguration, transmitters: [any FrameTransmitter],
         now: Instant) throws(RoutingTable.RouteError) {
        precondition(transmitters.count == configuration.interfaces.count, "one transmitter per interface")
        self.configuration = configuration
        var interfaces: [Interface] = []
        var table = RoutingTable()
        for (index, link) in configuration.interfaces.enumerated() {
            interfaces.append(Interface(index: index, configuration: link, arp: configuration.arp,
                                        ipv6: configuration.ipv6, isRouter: configuration.forwarding,
                                        transmitter: transmitters[index]))
            table.addConnected(link.address, interface: index)
        }
        for route in configuration.staticRoutes { try table.add(route.destination, via: route.nextHop) }
        for route in configuration.deviceRoutes {
            guard let index = interfaces.firstIndex(where: { $0.name == route.interface }) else {
                throw .unknownInterface(route.interface)
            }
            table.add(route.destination, interface: index)
        }
        if let gateway = configuration.gateway { try table.addDefault(via: gateway) }
        self.interfaces = interfaces
        self.routing = table
        self.forwarding = configuration.forwarding
        self.smallestMTU = interfaces.map(\.mtu).min() ?? 1500
        self.anyLinkSegments = interfaces.contains { $0.capabilities.segmentationOffload }
        self.random = SeededRandom(seed: configuration.randomSeed)
        self.now = now
        self.reassembler = IPv4Reassembler(configuration: configuration.ipv4)
        self.ipv6Reassembler = IPv6Reassembler(configuration: configuration.ipv6)
        self.icmpErrorLimiter = TokenBucket(rate: configuration.icmp.errorsPerSecond,
                                            burst: configuration.icmp.errorBurst, now: now)
        self.nextIdentification = UInt16(truncatingIfNeeded: random.next())
        self.nextIPv6Identification = UInt32(truncatingIfNeeded: random.next())
        self.ipv6PathMTU = IPv6PathMTUCache(lifetime: configuration.ipv6.pathMTULifetime,
                                            capacity: configuration.ipv6.maximumPathMTUEntries)
        let largestMTU = interfaces.map(\.mtu).max() ?? 1500
        self.txBuffer = .allocate(byteCount: EthernetHeader.size + StackCore.maximumDatagram + 64, alignment: 16)
        self.fragmentBuffer = .allocate(byteCount: EthernetHeader.size + max(largestMTU, 65535) + 64, alignment: 16)
        self.controlBuffer = .allocate(byteCount: EthernetHeader.size + IPv6Header.minimumMTU, alignment: 16)
        self.tcp = TCPLayer(stack: self, configuration: configuration.tcp)
    }

    /// The application let go of its stack: every socket is closed (those it still holds
    /// answer as closed sockets do, and unread bytes stay readable) and the tables let go of
    /// them, which breaks the reference cycles between sockets and the engine. What a socket
    /// still refers to stays alive until the last one goes.
    func shutDown() {
        guard let layer = tcp else { return }
        layer.detachAll()
        for socket in udpSockets.values { socket.detach() }
        udpSockets.removeAll()
        // The layer refers to the engine; the engine no longer refers to the layer.
        tcp = nil
    }

    deinit {
        txBuffer.deallocate()
        fragmentBuffer.deallocate()
        controlBuffer.deallocate()
    }

    /// Announces the host on every link: an ARP probe for our own address (a reply from
    /// anyone else is a conflict, RFC 5227) and a gratuitous ARP so neighbours learn us;
    /// duplicate address detection for each IPv6 address (RFC 4862), which keeps them
    /// tentative until it is done. A stack that is never started uses its addresses at once.
    func start(now: Instant) {
        self.now = now
        for interface in interfaces {
            sendARPProbe(on: interface)
            sendGratuitousARP(on: interface)
            // A second announcement, as RFC 5227 §2.3 asks: the first is lost when the link
            // is not forwarding yet (a bridge port whose carrier just came up).
            interface.nextAnnouncement = now + StackCore.announceInterval
            startDuplicateAddressDetection(on: interface)
        }
    }

    // MARK: - Input

    /// Processes one frame received on the primary interface.
    func receive(frame: UnsafeRawBufferPointer, now: Instant) {
        receive(frame: frame, on: 0, now: now)
    }

    /// Processes one frame received on interface `index`. Replies the frame calls for at
    /// the ARP, ICMP and UDP layers, and forwarded datagrams, go out at once; TCP work is
    /// gathered and done in `poll(now:)`.
    func receive(frame: UnsafeRawBufferPointer, on index: Int, now: Instant) {
        self.now = now
        guard interfaces.indices.contains(index) else { return }
        let interface = interfaces[index]
        counters.count(.framesReceived)
        counters.count(.bytesReceived, UInt64(frame.count))
        interface.counters.framesReceived &+= 1
        interface.counters.bytesReceived &+= UInt64(frame.count)
        let ethernet: EthernetFrame
        do {
            ethernet = try EthernetHeader.parse(frame)
        } catch {
            counters.drop(error == .unsupported ? .frameUnknownEtherType : .frameTruncated)
            return
        }
        let destination = ethernet.header.destination
        guard destination == interface.mac || destination.isBroadcast
              || (destination.isMulticast && interface.ipv6.accepts(linkGroup: destination)) else {
            counters.drop(.frameNotForUs)
            return
        }
        switch ethernet.header.etherType {
        case .ipv4:
            handleIPv4(ethernet.payload, linkBroadcast: destination.isBroadcast, on: interface)
        case .arp:
            handleARP(ethernet.payload, from: ethernet.header.source, on: interface)
        case .ipv6:
            handleIPv6(ethernet.payload, from: ethernet.header.source, linkMulticast: destination.isMulticast,
                       on: interface)
        default:
            counters.drop(.frameUnknownEtherType)
        }
    }

    /// The interface named `name`, if the host has one.
    func interface(named name: String) -> Interface? {
        interfaces.first { $0.name == name }
    }

    /// Whether `address` is one of the host's own addresses.
    @inline(__always)
    func isLocal(_ address: IPv4Address) -> Bool {
        for interface in interfaces where interface.address == address { return true }
        return false
    }

    /// Whether `address` is a directed broadcast of any of our subnets.
    func isDirectedBroadcast(_ address: IPv4Address) -> Bool {
        interfaces.contains { $0.subnet.isDirectedBroadcast(address) }
    }

    /// Lets go of memory the tables kept from their busiest moment (TCP connection, TIME-WAIT
    /// and timer tables sized for a past burst). The daemon calls it when it falls idle;
    /// nothing it drops was in use, so calling it at any time changes no behaviour.
    func releaseUnusedMemory() {
        tcp.releaseUnusedMemory()
    }

    /// Runs what is due at `now`: ARP retries, reassembly timeouts, TCP timers, socket
    /// notifications and TCP output. Call after each batch of received frames and when
    /// `nextDeadline` passes.
    func poll(now: Instant) {
        self.now = now
        for interface in interfaces {
            if let due = interface.arp.nextDeadline, due <= now { runARPTimers(on: interface) }
            if let due = interface.nextAnnouncement, due <= now {
                interface.nextAnnouncement = nil
                sendGratuitousARP(on: interface)
            }
            if let due = ipv6Deadline(of: interface), due <= now { runIPv6Timers(on: interface) }
        }
        if !reassembler.isEmpty, let due = reassembler.nextDeadline, due <= now { runReassemblyTimers() }
        if !ipv6Reassembler.isEmpty, let due = ipv6Reassembler.nextDeadline, due <= now { runIPv6ReassemblyTimers() }
        tcp.poll()
    }

    /// Delivers queued socket events and sends queued output, leaving every timer alone:
    /// for a caller that has just fed frames in and knows more are waiting. A timer due now
    /// would fire on stale information (the acknowledgment it waits for may be among the
    /// frames not read yet), so timers wait for `poll(now:)`, once the input is drained.
    func flush(now: Instant) {
        self.now = now
        tcp.deliverAndFlush()
    }

    /// When `poll(now:)` next needs to run, if nothing arrives before; nil when nothing is
    /// pending. Work queued by a socket call since the last poll makes this `now`.
    var nextDeadline: Instant? {
        var earliest = reassembler.isEmpty ? nil : reassembler.nextDeadline
        if !ipv6Reassembler.isEmpty { earliest = Instant.earliest(earliest, ipv6Reassembler.nextDeadline) }
        for interface in interfaces {
            earliest = Instant.earliest(earliest, interface.arp.nextDeadline)
            earliest = Instant.earliest(earliest, interface.nextAnnouncement)
            earliest = Instant.earliest(earliest, ipv6Deadline(of: interface))
        }
        return Instant.earliest(tcp.nextDeadline, earliest)
    }

    // MARK: - Output helpers

    /// Hands a finished frame to `interface`'s link, zero-padding it to the Ethernet
    /// minimum, with the offload work it still needs, if any.
    func transmitFrame(_ buffer: UnsafeMutableRawBufferPointer, length: Int, offload: FrameOffload? = nil,
                       on interface: Interface) {
        var length = length
        if length < StackCore.minimumFrame {
            buffer.view(length..<StackCore.minimumFrame).initializeMemory(as: UInt8.self, repeating: 0)
            length = StackCore.minimumFrame
        }
        counters.count(.framesSent)
        counters.count(.bytesSent, UInt64(length))
        interface.counters.framesSent &+= 1
        interface.counters.bytesSent &+= UInt64(length)
        if let offload {
            interface.transmitter.transmit(buffer.view(0..<length), offload: offload)
        } else {
            interface.transmitter.transmit(UnsafeRawBufferPointer(buffer.view(0..<length)))
        }
    }

    /// Reports an event to the handler, if any.
    func report(_ event: StackEvent) {
        eventHandler?(event)
    }

    /// The time of the latest `receive` or `poll` call: the clock services should use for
    /// their own timeouts, so they stay on the engine's (possibly virtual) clock.
    var currentTime: Instant { now }

    /// A random 64-bit value from the engine's generator.
    func randomValue() -> UInt64 { random.next() }
}

extension UnsafeMutableRawBufferPointer {
    /// The bytes in `range`, as a mutable view.
    @inline(__always)
    func view(_ range: Range<Int>) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: self[range])
    }
}

extension UnsafeRawBufferPointer {
    /// The bytes in `range`, as a view.
    @inline(__always)
    func view(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[range])
    }
}
