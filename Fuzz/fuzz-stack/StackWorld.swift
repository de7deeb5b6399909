import FuzzSupport
import TernStack
import TernTestSupport
import TernWire

/// What the engine last sent on one 4-tuple, so scripts can speak relative to it.
struct PeerView {
    var remote: IPv4Address
    var remotePort: UInt16
    var localPort: UInt16
    /// The end of the engine's last segment in sequence space (SYN and FIN count).
    var sentEnd: UInt32
    /// The engine's last acknowledgment number: the next byte it expects.
    var acknowledgment: UInt32
    /// The engine's last timestamp value, to echo.
    var timestamp: UInt32
    /// The IPv4 header and leading payload of the engine's last datagram, for ICMP quotes.
    var lastDatagram: [UInt8]
}

/// One engine of the shared `StackNetwork`, its links scripted (the fuzz input speaks for
/// the neighbours), the applications using it, and the checks run after every poll.
final class StackWorld {
    /// Prints every frame in and out (the replay driver sets it from `FUZZ_TRACE`).
    nonisolated(unsafe) static var trace = false

    let configuration: StackConfiguration
    /// The clock, the engine and what it sent; the engine's interfaces have no links.
    private let network = StackNetwork(now: .seconds(1000))
    let stack: NetworkStack
    var now: Instant { network.now }
    /// The first link and (a router's) the second.
    private static let near = StackNetwork.Port(node: 0, interface: 0)
    private static let far = StackNetwork.Port(node: 0, interface: 1)
    /// Frames the engine sent during the current step, on its first link and (a router) on
    /// its second.
    private let outboxes: [StackNetwork.Outbox]
    /// Configuration bit 3: two links and forwarding between them.
    let forwarding: Bool
    let output: OutputChecker
    /// Every connection an application has held, in the order it got it.
    private(set) var connections: [TCPConnection] = []
    let echo = EchoApplication()
    let client = ClientApplication()
    private(set) var echoListener: TCPListener?
    private(set) var manualListener: TCPListener?
    private var udpEcho: UDPEchoApplication?
    private var udpClient: UDPSocket?
    /// What the engine last sent on each 4-tuple (few, so a list: its order is the script's).
    private(set) var views: [PeerView] = []
    private var nextIdentification: UInt16 = 1
    private var windows = WindowCheck()

    init(configuration: StackConfiguration) {
        self.configuration = configuration
        self.output = OutputChecker(configuration: configuration)
        forwarding = configuration.forwarding
        do {
            try network.add(configuration)
        } catch {
            fatalError("the fuzz configuration is invalid: \(error)")
        }
        stack = network.stacks[0]
        outboxes = forwarding ? [network.outbox(StackWorld.near), network.outbox(StackWorld.far)]
            : [network.outbox(StackWorld.near)]
        network.afterPoll = { [unowned self] _ in
            settle()
            checkStep()
        }
        echo.world = self
        client.world = self
        echoListener = try? stack.listenTCP(port: StackCast.echoPort, backlog: 4)
        echoListener?.delegate = echo
        manualListener = try? stack.listenTCP(port: StackCast.manualPort, backlog: 2)
        if let socket = try? stack.bindUDP(port: StackCast.udpEchoPort) { udpEcho = UDPEchoApplication(socket: socket) }
        udpClient = try? stack.bindUDP()
        udpClient?.connect(to: StackCast.gatewayIP, port: 9)
        stack.start(now: now)
        // The gateway introduces itself, so replies to it need no ARP.
        deliver(FrameBuilding.arpRequest(from: StackCast.peers[0]))
        if forwarding {
            // The neighbour on the second link too, so forwarded datagrams need no ARP.
            var request = FrameBuilding.arpRequest(from: StackCast.farPeer)
            FrameBuilding.put(StackCast.farSubnet.address, into: &request, at: FrameBuilding.ethernetSize + 24)
            network.deliver(request, to: StackWorld.far)
        }
    }

    // MARK: - Steps

    /// Delivers one frame, then polls (as the daemon does after each batch).
    func deliver(_ frame: [UInt8]?) {
        guard let frame else { return }
        if StackWorld.trace { traceLine("\(now) in  \(describe(frame))") }
        windows.peerSent(frame)
        network.deliver(frame, to: StackWorld.near)
    }

    /// Moves the clock forward, polling at every deadline on the way.
    func advance(by duration: Duration) {
        network.advance(by: duration)
    }

    func advanceToNextDeadline() {
        guard let deadline = stack.nextDeadline else { return }
        network.now = max(now, min(deadline, now + .seconds(120)))
        poll()
    }

    /// Polls at `now`, then (`afterPoll`) checks everything the engine did and holds.
    func poll() {
        network.poll(0)
    }

    /// After a poll the next deadline lies ahead; it may be `now` only while callbacks keep
    /// queueing work, which must die down within a few more polls.
    private func settle() {
        var polls = 0
        while let deadline = stack.nextDeadline, deadline <= now {
            require(deadline == now, "nextDeadline \(deadline) is before the time of the poll \(now)")
            polls += 1
            require(polls <= 32, "nextDeadline stays at now after 32 more polls: the engine never settles")
            stack.poll(now: now)
        }
    }

    private func checkStep() {
        for (link, box) in outboxes.enumerated() {
            let frames = box.frames
            box.frames.removeAll(keepingCapacity: true)
            for frame in frames {
                if StackWorld.trace { traceLine("\(now) out\(link) \(describe(frame))") }
                if let learned = output.check(frame, link: link) { learn(learned) }
            }
        }
        output.finishStep()
        let sent = outboxes.reduce(0) { $0 + $1.transmitted }
        require(stack.counters[.framesSent] == sent,
                "framesSent counter \(stack.counters[.framesSent]) differs from \(sent) frames transmitted")
        BoundChecks.check(stack.resourceUsage, against: configuration)
        for connection in connections {
            require(connection.availableBytes <= configuration.tcp.receiveBufferSize,
                    "\(connection) holds \(connection.availableBytes) readable bytes, above the receive buffer")
            require(connection.sendSpace <= configuration.tcp.sendBufferSize,
                    "\(connection) offers \(connection.sendSpace) bytes of send space, above the send buffer")
        }
    }

    private func describe(_ frame: [UInt8]) -> String {
        (try? ParsedFrame.parse(frame)).map { "\($0)" } ?? "unparsable \(frame.count)-byte frame"
    }

    // MARK: - What the engine sent

    private func learn(_ segment: SentSegment) {
        windows.engineSent(segment.header, to: segment.remote, payloadLength: segment.payloadLength)
        if let i = views.firstIndex(where: {
            $0.remote == segment.remote && $0.remotePort == segment.remotePort && $0.localPort == segment.localPort
        }) {
            views[i].sentEnd = segment.end
            if let ack = segment.acknowledgment { views[i].acknowledgment = ack }
            if let ts = segment.timestamp { views[i].timestamp = ts }
            views[i].lastDatagram = segment.datagramPrefix
        } else if views.count < 256 {
            views.append(PeerView(remote: segment.remote, remotePort: segment.remotePort, localPort: segment.localPort,
                                  sentEnd: segment.end, acknowledgment: segment.acknowledgment ?? 0,
                                  timestamp: segment.timestamp ?? 0, lastDatagram: segment.datagramPrefix))
        }
    }

    func view(remote: IPv4Address, remotePort: UInt16, localPort: UInt16) -> PeerView? {
        views.first { $0.remote == remote && $0.remotePort == remotePort && $0.localPort == localPort }
    }

    /// The connection `selector` names among those held, if any.
    func connection(_ selector: Int) -> TCPConnection? {
        connections.isEmpty ? nil : connections[selector % connections.count]
    }

    func takeIdentification() -> UInt16 {
        defer { nextIdentification &+= 1 }
        return nextIdentification
    }

    // MARK: - Applications

    func adopt(_ connection: TCPConnection) {
        require(!connections.contains { $0 === connection }, "\(connection) handed to the application twice")
        if connections.count < 512 { connections.append(connection) }
    }

    func sendDatagram(selector: UInt8, size: Int) {
        let payload = patternBytes(count: size, seed: selector)
        var destination = StackCast.peers[Int(selector >> 1) & 3].ip
        if selector & 0x40 != 0 { destination = StackCast.subnet.broadcast }
        if selector & 0x80 != 0 { destination = .broadcast }
        let port = StackCast.datagramPorts[Int(selector >> 3) & 3]
        payload.withUnsafeBytes { bytes in
            if selector & 0x20 != 0, let udpClient {
                try? udpClient.send(bytes)
            } else if selector & 1 != 0, let udpClient {
                try? udpClient.send(bytes, to: destination, port: port)
            } else {
                try? udpEcho?.socket.send(bytes, to: destination, port: port)
            }
        }
        _ = udpClient?.takeError()
        poll()
    }

    func acceptManually() {
        if let connection = manualListener?.accept() { adopt(connection) }
    }

    func connect(peer: Int, portIndex: Int, fixedLocalPort: Bool) {
        let remote = StackCast.peers[peer & 3].ip
        let port = StackCast.connectPorts[portIndex & 3]
        guard let connection = try? stack.connectTCP(to: remote, port: port, localPort: fixedLocalPort ? 5555 : 0)
        else { return }
        connection.delegate = client
        adopt(connection)
    }

    func toggleListener(manual: Bool) {
        if manual {
            if let listener = manualListener {
                listener.close()
                manualListener = nil
            } else {
                manualListener = try? stack.listenTCP(port: StackCast.manualPort, backlog: 2)
            }
        } else if let listener = echoListener {
            listener.close()
            echoListener = nil
        } else {
            echoListener = try? stack.listenTCP(port: StackCast.echoPort, backlog: 4)
            echoListener?.delegate = echo
        }
    }

    // MARK: - The end

    /// Closes everything, lets the timers run out, and requires that nothing is left.
    func tearDown() {
        echoListener?.close()
        manualListener?.close()
        for connection in connections { connection.abort() }
        poll()
        var usage = stack.resourceUsage
        require(usage.tcpConnections == 0,
                "\(usage.tcpConnections) connections remain after every socket was aborted and every listener closed")
        advance(by: .seconds(600))
        usage = stack.resourceUsage
        require(usage.tcpTimeWaitEntries == 0 && usage.tcpBufferBytesAllocated == 0 && usage.tcpBufferBytesPooled == 0
                    && usage.reassemblyDatagrams == 0
                    && usage.reassemblyBytes == 0 && usage.arpQueuedDatagrams == 0 && usage.tcpTimerEntries == 0,
                "resources held after ten idle minutes: \(usage)")
        // Routers and prefixes learnt from advertisements hold for their lifetimes (a router's
        // at most 18 hours, a prefix's at most a year): let them run out.
        for _ in 0..<16 {
            guard !forwarding, let deadline = stack.nextDeadline, deadline <= now + .seconds(366 * 86_400) else { break }
            advance(by: deadline - now)
        }
        // A router keeps advertising itself on its links; nothing else may wait.
        if let deadline = stack.nextDeadline {
            require(forwarding && deadline <= now + configuration.ipv6.routerAdvertisementInterval,
                    "an idle engine with nothing open still wants waking at \(deadline)")
        }
    }
}
