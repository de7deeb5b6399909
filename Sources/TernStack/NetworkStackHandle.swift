import TernWire

/// The protocol engine: one virtual IPv4 host (or router) on one or more Ethernet links.
///
/// A pure state machine in the style of smoltcp. The caller feeds it received frames and
/// the current time (`receive(frame:on:now:)`), lets it run its timers and socket work
/// (`poll(now:)`), and sleeps until `nextDeadline`. Frames to send come out through each
/// interface's `FrameTransmitter`. No syscalls, no clocks, no global state: the same inputs
/// always give the same outputs, so every behaviour can be tested with simulated links and
/// a virtual clock.
///
/// Ownership: this object is the application's handle on the engine. Sockets hold the
/// engine's state (`StackCore`) strongly, never this handle; when the application drops
/// the handle, every socket is closed, and sockets it still holds answer as closed sockets
/// do (`SocketError.closed`, nothing sent) instead of reaching freed memory. A stack
/// dropped with sockets open is freed with its sockets: nothing in the engine refers back
/// here, so there is no cycle to leak it.
public final class NetworkStack {
    /// The engine itself; sockets refer to it, not to the handle.
    let core: StackCore

    /// Creates a host on one link. Throws when a route cannot be installed.
    public convenience init(configuration: StackConfiguration, transmitter: any FrameTransmitter,
                            now: Instant) throws(RoutingTable.RouteError) {
        try self.init(configuration: configuration, transmitters: [transmitter], now: now)
    }

    /// Creates the engine with one transmitter per configured interface, in the same order.
    /// Throws when a route's next hop is not on a connected subnet or names an unknown link.
    public init(configuration: StackConfiguration, transmitters: [any FrameTransmitter],
                now: Instant) throws(RoutingTable.RouteError) {
        core = try StackCore(configuration: configuration, transmitters: transmitters, now: now)
    }

    deinit {
        core.shutDown()
    }

    public var configuration: StackConfiguration { core.configuration }
    /// The links, in configuration order; `receive(frame:on:now:)` takes an index into it.
    public var interfaces: [Interface] { core.interfaces }
    /// The routing table: every interface's connected subnet, static routes, the default.
    public var routing: RoutingTable { core.routing }
    public var counters: StackCounters { core.counters }
    /// Receives events worth logging (address conflicts, resolution failures).
    public var eventHandler: ((StackEvent) -> Void)? {
        get { core.eventHandler }
        set { core.eventHandler = newValue }
    }
    /// The wall-clock time, in milliseconds since 1970-01-01 00:00 UTC, at the origin of the
    /// clock the stack is driven with: it lets ICMP and IP timestamps count from midnight UT
    /// as they should. Nil (the default) keeps the engine off any wall clock.
    public var wallClockAtOrigin: UInt64? {
        get { core.wallClockAtOrigin }
        set { core.wallClockAtOrigin = newValue }
    }

    /// The primary interface's MAC address.
    public var mac: MACAddress { core.mac }
    /// The primary interface's IPv4 address.
    public var address: IPv4Address { core.address }
    /// The primary interface's connected subnet.
    public var subnet: IPv4Subnet { core.subnet }

    /// Announces the host on every link: an ARP probe for our own address (a reply from
    /// anyone else is a conflict, RFC 5227) and a gratuitous ARP so neighbours learn us;
    /// duplicate address detection for each IPv6 address (RFC 4862), which keeps them
    /// tentative until it is done. A stack that is never started uses its addresses at once.
    public func start(now: Instant) { core.start(now: now) }

    /// Processes one frame received on the primary interface.
    public func receive(frame: UnsafeRawBufferPointer, now: Instant) {
        core.receive(frame: frame, on: 0, now: now)
    }

    /// Processes one frame received on interface `index`. Replies the frame calls for at
    /// the ARP, ICMP and UDP layers, and forwarded datagrams, go out at once; TCP work is
    /// gathered and done in `poll(now:)`.
    public func receive(frame: UnsafeRawBufferPointer, on index: Int, now: Instant) {
        core.receive(frame: frame, on: index, now: now)
    }

    /// The interface named `name`, if the host has one.
    public func interface(named name: String) -> Interface? { core.interface(named: name) }

    /// Lets go of memory the tables kept from their busiest moment (TCP connection, TIME-WAIT
    /// and timer tables sized for a past burst). The daemon calls it when it falls idle;
    /// nothing it drops was in use, so calling it at any time changes no behaviour.
    public func releaseUnusedMemory() { core.releaseUnusedMemory() }

    /// Runs what is due at `now`: ARP retries, reassembly timeouts, TCP timers, socket
    /// notifications and TCP output. Call after each batch of received frames and when
    /// `nextDeadline` passes.
    public func poll(now: Instant) { core.poll(now: now) }

    /// Delivers queued socket events and sends queued output, leaving every timer alone:
    /// for a caller that has just fed frames in and knows more are waiting. A timer due now
    /// would fire on stale information (the acknowledgment it waits for may be among the
    /// frames not read yet), so timers wait for `poll(now:)`, once the input is drained.
    public func flush(now: Instant) { core.flush(now: now) }

    /// When `poll(now:)` next needs to run, if nothing arrives before; nil when nothing is
    /// pending. Work queued by a socket call since the last poll makes this `now`.
    public var nextDeadline: Instant? { core.nextDeadline }

    /// The time of the latest `receive` or `poll` call: the clock services should use for
    /// their own timeouts, so they stay on the engine's (possibly virtual) clock.
    public var currentTime: Instant { core.now }

    /// A snapshot of the resources the engine holds. Walks the connection and neighbour
    /// tables (both bounded), so it costs a few microseconds per thousand entries: fine once
    /// a second or after every step of a test, not for every frame of a busy host.
    public var resourceUsage: StackResourceUsage { core.resourceUsage }

    // MARK: - Sockets

    /// Listens for connections on `port`. `backlog` bounds the connections established but
    /// not yet accepted.
    public func listenTCP(port: UInt16, backlog: Int = 128) throws(SocketError) -> TCPListener {
        try core.tcp.listen(port: port, backlog: backlog)
    }

    /// Opens a connection to `address`:`port` from `localPort` (0 picks an ephemeral port).
    /// The delegate hears `connectionDidConnect` or `connectionDidClose` with the error.
    public func connectTCP(to address: IPAddress, port: UInt16, localPort: UInt16 = 0) throws(SocketError) -> TCPConnection {
        try core.tcp.connect(to: address, port: port, localPort: localPort)
    }

    /// Opens a connection to an IPv4 `address`:`port`.
    public func connectTCP(to address: IPv4Address, port: UInt16, localPort: UInt16 = 0) throws(SocketError) -> TCPConnection {
        try core.tcp.connect(to: .v4(address), port: port, localPort: localPort)
    }

    /// Connections in any state but LISTEN and TIME-WAIT.
    public var tcpConnectionCount: Int { core.tcp.connections.count }
    /// Connections in TIME-WAIT.
    public var tcpTimeWaitCount: Int { core.tcp.timeWait.count }

    /// Binds a UDP socket to `port` (0 picks a free ephemeral port).
    public func bindUDP(port: UInt16 = 0) throws(SocketError) -> UDPSocket {
        try core.bindUDP(port: port)
    }
}
