import TernWire

/// Where the engine hands the frames it wants sent. The daemon's implementation writes to
/// a TAP or packet socket; tests collect the frames in memory.
public protocol FrameTransmitter: AnyObject {
    /// Sends one complete Ethernet frame. The bytes are only valid during the call.
    func transmit(_ frame: UnsafeRawBufferPointer)

    /// Sends a frame that still needs the work `offload` describes (a checksum to finish,
    /// a TCP super-segment to cut). Only called when `StackConfiguration.linkOffloads` is
    /// on. The bytes may be changed and are only valid during the call.
    func transmit(_ frame: UnsafeMutableRawBufferPointer, offload: VirtioNetHeader)
}

extension FrameTransmitter {
    /// Does the offload work in software and sends the resulting frames.
    public func transmit(_ frame: UnsafeMutableRawBufferPointer, offload: VirtioNetHeader) {
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
    /// ARP got no answer for a next hop; datagrams waiting for it were dropped.
    case resolutionFailed(IPv4Address)
}

/// The protocol engine: one virtual IPv4 host on one Ethernet link.
///
/// A pure state machine in the style of smoltcp. The caller feeds it received frames and
/// the current time (`receive(frame:now:)`), lets it run its timers and socket work
/// (`poll(now:)`), and sleeps until `nextDeadline`. Frames to send come out through the
/// `FrameTransmitter`. No syscalls, no clocks, no global state: the same inputs always
/// give the same outputs, so every behaviour can be tested with a simulated link and a
/// virtual clock.
public final class NetworkStack {
    public let configuration: StackConfiguration
    /// Our MAC address.
    public let mac: MACAddress
    /// Our IPv4 address.
    public let address: IPv4Address
    /// The connected subnet.
    public let subnet: IPv4Subnet
    public let routing: RoutingTable
    public internal(set) var counters = StackCounters()
    /// Receives events worth logging (address conflicts, resolution failures).
    public var eventHandler: ((StackEvent) -> Void)?

    let transmitter: any FrameTransmitter
    var random: SeededRandom
    /// The time of the call being processed.
    var now: Instant
    var arp: ARPCache
    var reassembler: IPv4Reassembler
    var icmpErrorLimiter: TokenBucket
    var nextIdentification: UInt16
    var udpSockets: [UInt16: UDPSocket] = [:]
    var tcp: TCPLayer!
    /// Conflict warnings are rate limited: one per address per this interval.
    var lastConflictReport: Instant?

    /// Room for an Ethernet header and the largest IPv4 datagram; every frame we originate
    /// is built here (datagrams above the MTU are fragmented out of it).
    let txBuffer: UnsafeMutableRawBufferPointer
    /// Where fragments are cut out of `txBuffer`.
    let fragmentBuffer: UnsafeMutableRawBufferPointer
    /// ARP messages, built apart so they can go out while a datagram waits in `txBuffer`.
    let controlBuffer: UnsafeMutableRawBufferPointer

    /// Shortest frame on the wire without the FCS; shorter frames are zero-padded.
    static let minimumFrame = 60
    static let maximumDatagram = 65535

    /// Creates the engine. Throws when a route's next hop is not on the connected subnet.
    public init(configuration: StackConfiguration, transmitter: any FrameTransmitter,
                now: Instant) throws(RoutingTable.RouteError) {
        self.configuration = configuration
        self.mac = configuration.mac
        self.address = configuration.address.address
        self.subnet = configuration.address
        var table = RoutingTable()
        table.addConnected(configuration.address)
        for route in configuration.staticRoutes { try table.add(route.destination, via: route.nextHop) }
        if let gateway = configuration.gateway { try table.addDefault(via: gateway) }
        self.routing = table
        self.transmitter = transmitter
        self.random = SeededRandom(seed: configuration.randomSeed)
        self.now = now
        self.arp = ARPCache(configuration: configuration.arp)
        self.reassembler = IPv4Reassembler(configuration: configuration.ipv4)
        self.icmpErrorLimiter = TokenBucket(rate: configuration.icmp.errorsPerSecond,
                                            burst: configuration.icmp.errorBurst, now: now)
        self.nextIdentification = UInt16(truncatingIfNeeded: random.next())
        let mtu = max(68, configuration.mtu)
        self.txBuffer = .allocate(byteCount: EthernetHeader.size + NetworkStack.maximumDatagram + 64, alignment: 16)
        self.fragmentBuffer = .allocate(byteCount: EthernetHeader.size + mtu + 64, alignment: 16)
        self.controlBuffer = .allocate(byteCount: 128, alignment: 16)
        self.tcp = TCPLayer(stack: self, configuration: configuration.tcp)
    }

    deinit {
        txBuffer.deallocate()
        fragmentBuffer.deallocate()
        controlBuffer.deallocate()
    }

    /// Announces the host on the link: an ARP probe for our own address (a reply from
    /// anyone else is a conflict, RFC 5227) and a gratuitous ARP so neighbours learn us.
    public func start(now: Instant) {
        self.now = now
        sendARPProbe()
        sendGratuitousARP()
    }

    // MARK: - Input

    /// Processes one received frame. Replies the frame calls for at the ARP, ICMP and UDP
    /// layers go out at once; TCP work is gathered and done in `poll(now:)`.
    public func receive(frame: UnsafeRawBufferPointer, now: Instant) {
        self.now = now
        counters.count(.framesReceived)
        counters.count(.bytesReceived, UInt64(frame.count))
        let ethernet: EthernetFrame
        do {
            ethernet = try EthernetHeader.parse(frame)
        } catch {
            counters.drop(error == .unsupported ? .frameUnknownEtherType : .frameTruncated)
            return
        }
        let destination = ethernet.header.destination
        guard destination == mac || destination.isBroadcast else {
            counters.drop(.frameNotForUs)
            return
        }
        switch ethernet.header.etherType {
        case .ipv4:
            handleIPv4(ethernet.payload, linkBroadcast: destination.isBroadcast)
        case .arp:
            handleARP(ethernet.payload, from: ethernet.header.source)
        default:
            counters.drop(.frameUnknownEtherType)
        }
    }

    /// Lets go of memory the tables kept from their busiest moment (TCP connection, TIME-WAIT
    /// and timer tables sized for a past burst). The daemon calls it when it falls idle;
    /// nothing it drops was in use, so calling it at any time changes no behaviour.
    public func releaseUnusedMemory() {
        tcp.releaseUnusedMemory()
    }

    /// Runs what is due at `now`: ARP retries, reassembly timeouts, TCP timers, socket
    /// notifications and TCP output. Call after each batch of received frames and when
    /// `nextDeadline` passes.
    public func poll(now: Instant) {
        self.now = now
        if let due = arp.nextDeadline, due <= now { runARPTimers() }
        if !reassembler.isEmpty, let due = reassembler.nextDeadline, due <= now { runReassemblyTimers() }
        tcp.poll()
    }

    /// Delivers queued socket events and sends queued output, leaving every timer alone:
    /// for a caller that has just fed frames in and knows more are waiting. A timer due now
    /// would fire on stale information (the acknowledgment it waits for may be among the
    /// frames not read yet), so timers wait for `poll(now:)`, once the input is drained.
    public func flush(now: Instant) {
        self.now = now
        tcp.deliverAndFlush()
    }

    /// When `poll(now:)` next needs to run, if nothing arrives before; nil when nothing is
    /// pending. Work queued by a socket call since the last poll makes this `now`.
    public var nextDeadline: Instant? {
        let reassembly = reassembler.isEmpty ? nil : reassembler.nextDeadline
        return Instant.earliest(tcp.nextDeadline, Instant.earliest(arp.nextDeadline, reassembly))
    }

    // MARK: - Output helpers

    /// Hands a finished frame to the link, zero-padding it to the Ethernet minimum, with
    /// the offload work it still needs, if any.
    func transmitFrame(_ buffer: UnsafeMutableRawBufferPointer, length: Int, offload: VirtioNetHeader? = nil) {
        var length = length
        if length < NetworkStack.minimumFrame {
            buffer.view(length..<NetworkStack.minimumFrame).initializeMemory(as: UInt8.self, repeating: 0)
            length = NetworkStack.minimumFrame
        }
        counters.count(.framesSent)
        counters.count(.bytesSent, UInt64(length))
        if let offload {
            transmitter.transmit(buffer.view(0..<length), offload: offload)
        } else {
            transmitter.transmit(UnsafeRawBufferPointer(buffer.view(0..<length)))
        }
    }

    /// Reports an event to the handler, if any.
    func report(_ event: StackEvent) {
        eventHandler?(event)
    }

    /// The time of the latest `receive` or `poll` call: the clock services should use for
    /// their own timeouts, so they stay on the engine's (possibly virtual) clock.
    public var currentTime: Instant { now }

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
