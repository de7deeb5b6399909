import HeapModule
import TernWire

/// A received TCP segment, parsed and checksummed, with views into the received frame.
struct IncomingSegment {
    var header: TCPHeader
    var options: TCPOptions
    var payload: UnsafeRawBufferPointer
    var source: IPAddress
    /// The address it was sent to: ours.
    var destination: IPAddress

    var sequence: SequenceNumber { header.sequenceNumber }
    var acknowledgment: SequenceNumber { header.acknowledgmentNumber }
    var flags: TCPFlags { header.flags }
    /// Sequence space occupied: payload plus one each for SYN and FIN.
    var length: Int {
        payload.count + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0)
    }
}

/// A connection's entry in the timer heap. Entries are never removed early: one whose
/// deadline no longer matches the connection's `scheduledDeadline` is skipped when it
/// surfaces, which keeps re-arming a timer (on every ACK) cheap.
struct TimerEntry: Comparable {
    let deadline: Instant
    let connection: TCPConnection

    static func < (a: TimerEntry, b: TimerEntry) -> Bool { a.deadline < b.deadline }
    static func == (a: TimerEntry, b: TimerEntry) -> Bool {
        a.deadline == b.deadline && a.connection === b.connection
    }
}

/// TCP for the whole host: the connection and listener tables, TIME-WAIT, the timer heap,
/// demultiplexing of incoming segments, and the queues of connections with events to
/// deliver or output to send.
final class TCPLayer {
    /// Strong: a socket the application keeps after dropping its stack keeps the engine's
    /// memory alive through its layer, so even a closed socket never reaches freed memory.
    /// The engine lets go of the layer in `StackCore.shutDown()`, which ends the cycle.
    let stack: StackCore
    let configuration: TCPConfiguration
    var connections: [ConnectionKey: TCPConnection] = [:]
    var listeners: [UInt16: TCPListener] = [:]
    var timeWait: TimeWaitTable
    var timers = Heap<TimerEntry>()
    var eventQueue: [TCPConnection] = []
    var listenerQueue: [TCPListener] = []
    var outputQueue: [TCPConnection] = []
    /// Key of the keyed hash behind initial sequence numbers and timestamp offsets.
    private let secret: (UInt64, UInt64)
    /// The MSS we announce: the smallest link MTU less minimal IPv4 and TCP headers, so it
    /// suits whichever link a connection uses.
    let ourMSS: Int
    /// Bytes by which live connections' receive buffers have grown beyond their initial size
    /// (bound: `TCPConfiguration.receiveBufferGrowthLimit`).
    var receiveBufferGrowth = 0
    /// The window scale we offer: enough for the largest receive buffer (RFC 7323 §2.3).
    let ourWindowScale: UInt8
    /// Some link finishes checksums and cuts super-segments: worth building them (the IP
    /// layer cuts them itself for a link that cannot).
    let linkOffloads: Bool
    /// Largest TCP payload sent at once to a link with offloads: what fits in 65,535 bytes
    /// beside the largest headers of either family (IPv6's 40 bytes count: the whole packet
    /// goes in one transmit buffer and one TAP frame).
    static let superSegmentPayload = 65535 - IPv6Header.size - TCPHeader.maximumSize
    /// Configuration durations the hot path needs, in nanoseconds.
    let delayedACKNanoseconds: UInt64
    let bufferReleaseNanoseconds: UInt64
    /// Buffers of ended and idle connections, for new ones to reuse (the same pool twice
    /// when both buffer sizes agree).
    let sendBufferPool: BufferPool
    let receiveBufferPool: BufferPool
    /// Each pool once.
    let bufferPools: [BufferPool]
    /// When the pools next free the blocks that went unused; nil while they are empty.
    private var bufferPoolTrimDeadline: Instant?
    /// The connection of the last segment: bulk transfers skip the table lookup.
    private var lastKey = ConnectionKey.none
    private var lastConnection: TCPConnection?

    init(stack: StackCore, configuration: TCPConfiguration) {
        self.stack = stack
        self.configuration = configuration
        self.timeWait = TimeWaitTable(limit: configuration.maximumTimeWait)
        self.secret = (stack.randomValue(), stack.randomValue())
        self.ourMSS = max(64, min(stack.smallestMTU, 65535) - IPv4Header.minimumSize - TCPHeader.minimumSize)
        var shift: UInt8 = 0
        let largestWindow = max(configuration.receiveBufferSize, configuration.maximumReceiveBufferSize)
        while (65535 << Int(shift)) < largestWindow && shift < 14 { shift += 1 }
        self.ourWindowScale = shift
        self.linkOffloads = stack.anyLinkSegments
        self.delayedACKNanoseconds = configuration.delayedACKTimeout.nanosecondCount
        self.bufferReleaseNanoseconds = configuration.bufferReleaseDelay.nanosecondCount
        self.sendBufferPool = BufferPool(blockSize: configuration.sendBufferSize, limit: configuration.maximumPooledBuffers)
        self.receiveBufferPool = configuration.receiveBufferSize == configuration.sendBufferSize
            ? sendBufferPool
            : BufferPool(blockSize: configuration.receiveBufferSize, limit: configuration.maximumPooledBuffers)
        self.bufferPools = receiveBufferPool === sendBufferPool ? [sendBufferPool] : [sendBufferPool, receiveBufferPool]
    }

    /// Blocks waiting in the pools.
    var pooledBufferCount: Int {
        bufferPools.reduce(0) { $0 + $1.count }
    }

    var now: Instant { stack.now }

    @inline(__always)
    func count(_ event: StackEventCounter, _ n: UInt64 = 1) { stack.counters.count(event, n) }

    @inline(__always)
    func drop(_ reason: DropReason) { stack.counters.drop(reason) }

    // MARK: - Input

    func handle(_ datagram: ReceivedDatagram) {
        handle(datagram.payload, source: datagram.source, destination: datagram.destination,
               pseudoHeader: datagram.pseudoHeader(.tcp, length: datagram.payload.count),
               isBroadcast: datagram.isBroadcast)
    }

    /// A segment of either family: its bytes, addresses and the pseudo-header over them.
    func handle(_ bytes: UnsafeRawBufferPointer, source: IPAddress, destination: IPAddress,
                pseudoHeader: InternetChecksum, isBroadcast: Bool) {
        let segment: TCPSegment
        do {
            segment = try TCPHeader.parse(bytes)
        } catch {
            drop(error == .truncated ? .tcpTruncated : .tcpMalformed)
            return
        }
        var sum = pseudoHeader
        sum.add(segment.bytes)
        guard sum.value == 0 else {
            drop(.tcpBadChecksum)
            return
        }
        let options: TCPOptions
        do {
            options = try segment.parseOptions()
        } catch {
            // A SYN is answered as Linux answers it: without the malformed option.
            guard segment.header.flags.contains(.syn) else {
                drop(.tcpBadOptions)
                return
            }
            options = TCPOptions.parseLeniently(segment.options)
        }
        // TCP is unicast only (RFC 1122 §4.2.3.10).
        guard !isBroadcast else {
            drop(.tcpBadSourceOrDestination)
            return
        }
        count(.tcpSegmentsReceived)
        let incoming = IncomingSegment(header: segment.header, options: options, payload: segment.payload,
                                       source: source, destination: destination)
        let key = ConnectionKey(local: destination, localPort: segment.header.destinationPort, remote: source,
                                remotePort: segment.header.sourcePort)
        if key == lastKey, let connection = lastConnection {
            connection.segmentArrives(incoming)
        } else if let connection = connections[key] {
            lastKey = key
            lastConnection = connection
            connection.segmentArrives(incoming)
        } else if let entry = timeWait[key] {
            timeWaitSegmentArrives(incoming, key: key, entry: entry)
        } else {
            noConnectionSegmentArrives(incoming, key: key, isnFloor: nil)
        }
    }

    /// A segment for no connection: a SYN for a listener opens one; anything else is
    /// answered with RST (RFC 9293 §3.10.7.1–2).
    private func noConnectionSegmentArrives(_ segment: IncomingSegment, key: ConnectionKey,
                                            isnFloor: SequenceNumber?) {
        let flags = segment.flags
        if flags.contains(.rst) {
            drop(.tcpNoListener)
            return
        }
        guard let listener = listeners[segment.header.destinationPort] else {
            drop(.tcpNoListener)
            sendResetReply(to: segment)
            return
        }
        if flags.contains(.ack) {
            // LISTEN: an ACK cannot be for anything here.
            drop(.tcpInvalidInState)
            sendResetReply(to: segment)
            return
        }
        // A SYN must come alone: SYN+FIN is no way to open (Linux drops it too) and is a
        // classic scanner's probe.
        guard flags.contains(.syn), !flags.contains(.fin) else {
            drop(.tcpInvalidInState)
            return
        }
        guard listener.acceptQueue.count < listener.backlog else {
            drop(.tcpBacklogFull)
            return
        }
        guard connections.count < configuration.maximumConnections || pushOutHalfOpen(for: listener) else {
            // A reset, so that the client fails at once instead of retrying for a minute.
            drop(.tcpTooManyConnections)
            sendResetReply(to: segment)
            return
        }
        var iss = initialSequenceNumber(for: key)
        if let floor = isnFloor, iss <= floor { iss = floor }
        let connection = TCPConnection(layer: self, localAddress: segment.destination,
                                       localPort: segment.header.destinationPort, remoteAddress: segment.source, remotePort: segment.header.sourcePort,
                                       iss: iss, timestampOffset: timestampOffset(for: key), state: .synReceived)
        connection.listener = listener
        connection.acceptSYN(segment, offeredOptions: false)
        connections[key] = connection
        if let victim = listener.addHalfOpen(connection, limit: configuration.synQueueLength) {
            drop(.tcpSynQueueFull)
            terminate(victim, error: nil, notify: false)
        }
        count(.tcpPassiveOpens)
        needsOutput(connection)
    }

    /// At the connection limit, a SYN for `listener` pushes out the oldest half-open
    /// connection: the listener's own, else one of the listener holding the most. Half-open
    /// connections cost an attacker one spoofed SYN each; were they to keep their places, a
    /// SYN flood spread over several ports would fill the table and lock real clients out
    /// until the SYN-ACKs gave up, a minute later. The victim is counted as over the limit.
    private func pushOutHalfOpen(for listener: TCPListener) -> Bool {
        let donor = listener.halfOpenCount > 0
            ? listener : listeners.values.max { $0.halfOpenCount < $1.halfOpenCount }
        guard let donor, donor.halfOpenCount > 0, let victim = donor.oldestHalfOpen() else { return false }
        drop(.tcpTooManyConnections)
        terminate(victim, error: nil, notify: false)
        return true
    }

    /// TIME-WAIT (RFC 9293 §3.10.7.4): re-acknowledge a retransmitted FIN, let a new SYN
    /// with a higher sequence number or newer timestamp start a new connection (RFC 6191),
    /// forget the entry on RST.
    private func timeWaitSegmentArrives(_ segment: IncomingSegment, key: ConnectionKey, entry: TimeWaitEntry) {
        let flags = segment.flags
        if flags.contains(.rst) {
            timeWait.remove(key)
            return
        }
        if flags.contains(.syn) && !flags.contains(.ack) {
            let newer: Bool
            if let recent = entry.timestampRecent, let ts = segment.options.timestamps {
                newer = Int32(bitPattern: ts.value &- recent) > 0
            } else {
                newer = segment.sequence > entry.receiveNext
            }
            if newer && listeners[segment.header.destinationPort] != nil {
                timeWait.remove(key)
                count(.tcpTimeWaitReused)
                // The new connection's sequence numbers start clear of the old one's.
                noConnectionSegmentArrives(segment, key: key, isnFloor: entry.sendNext + 65537)
                return
            }
        }
        guard flags.contains(.fin) || !segment.payload.isEmpty || flags.contains(.syn) else { return }
        var refreshed = entry
        if flags.contains(.fin) {
            refreshed.expires = now + configuration.maximumSegmentLifetime + configuration.maximumSegmentLifetime
            timeWait.insert(key, refreshed)
        }
        var options = TCPOptions()
        if let recent = entry.timestampRecent {
            options.timestamps = TCPTimestamps(value: timestampClock(offset: entry.timestampOffset), echoReply: recent)
        }
        emitSegment(from: segment.destination, to: segment.source, sourcePort: segment.header.destinationPort,
                    destinationPort: segment.header.sourcePort, sequence: entry.sendNext,
                    acknowledgment: entry.receiveNext, flags: .ack, window: entry.window, options: options,
                    payloadLength: 0) { _ in }
    }

    // MARK: - Poll

    func poll() {
        let now = self.now
        while let top = timers.min, top.deadline <= now {
            timers.removeMin()
            let connection = top.connection
            guard connection.scheduledDeadline == top.deadline, connection.state != .closed else { continue }
            connection.scheduledDeadline = nil
            connection.runTimers()
            scheduleTimer(connection)
        }
        if let due = timeWait.nextDeadline, due <= now { timeWait.expire(now: now) }
        trimBufferPools(now: now)
        deliverAndFlush()
    }

    /// Delivers socket events and sends queued output. Callbacks may queue output and output
    /// may raise events; a few rounds settle both.
    func deliverAndFlush() {
        var rounds = 0
        while rounds < 8 && !(eventQueue.isEmpty && listenerQueue.isEmpty && outputQueue.isEmpty) {
            rounds += 1
            deliverEvents()
            flushOutput()
        }
    }

    /// When poll has work: now if anything is queued, else the earliest timer.
    var nextDeadline: Instant? {
        if !eventQueue.isEmpty || !listenerQueue.isEmpty || !outputQueue.isEmpty { return now }
        var earliest = timers.min?.deadline
        if let tw = timeWait.nextDeadline, earliest.map({ tw < $0 }) ?? true { earliest = tw }
        if pooledBufferCount > 0 {
            // A pool that filled since the last poll has no deadline yet: poll now to set one.
            let trim = bufferPoolTrimDeadline ?? now
            if earliest.map({ trim < $0 }) ?? true { earliest = trim }
        }
        return earliest
    }

    /// Gives back what a burst of connections left behind: table capacity, queue storage,
    /// and timer entries of connections that no longer need them (the heap keeps each
    /// entry, and with it its connection, until its deadline; this drops those `poll`
    /// would skip anyway). For idle moments: it walks every table.
    func releaseUnusedMemory() {
        let live = timers.unordered.filter { $0.connection.state != .closed && $0.connection.scheduledDeadline == $0.deadline }
        if live.count < timers.count { timers = Heap(live) }
        connections.releaseExcessCapacity()
        listeners.releaseExcessCapacity()
        timeWait.releaseUnusedMemory()
        eventQueue.releaseExcessCapacityIfEmpty()
        listenerQueue.releaseExcessCapacityIfEmpty()
        outputQueue.releaseExcessCapacityIfEmpty()
    }

    /// Once per buffer-release interval, frees the pooled blocks that went unused through it.
    private func trimBufferPools(now: Instant) {
        if let due = bufferPoolTrimDeadline, due <= now {
            for pool in bufferPools { pool.trim() }
            bufferPoolTrimDeadline = nil
        }
        if bufferPoolTrimDeadline == nil && pooledBufferCount > 0 {
            bufferPoolTrimDeadline = now.adding(nanoseconds: bufferReleaseNanoseconds)
        }
    }

    private func deliverEvents() {
        let listenersReady = listenerQueue
        listenerQueue.removeAll(keepingCapacity: true)
        for listener in listenersReady {
            listener.isQueuedForEvents = false
            if listener.isOpen && !listener.acceptQueue.isEmpty {
                listener.delegate?.listenerHasConnections(listener)
            }
        }
        let ready = eventQueue
        eventQueue.removeAll(keepingCapacity: true)
        for connection in ready {
            connection.isQueuedForEvents = false
            let events = connection.pendingEvents
            connection.pendingEvents = []
            guard let delegate = connection.delegate else { continue }
            if events.contains(.connected) { delegate.connectionDidConnect(connection) }
            if events.contains(.readable) { delegate.connectionDidReceive(connection) }
            if events.contains(.writable) { delegate.connectionCanSend(connection) }
            if events.contains(.closed) { delegate.connectionDidClose(connection, error: connection.error) }
        }
    }

    private func flushOutput() {
        let pending = outputQueue
        outputQueue.removeAll(keepingCapacity: true)
        for connection in pending {
            connection.isQueuedForOutput = false
            connection.output()
            scheduleTimer(connection)
        }
    }

    // MARK: - Queues and timers

    func needsOutput(_ connection: TCPConnection) {
        guard !connection.isQueuedForOutput else { return }
        connection.isQueuedForOutput = true
        outputQueue.append(connection)
    }

    func needsEvents(_ connection: TCPConnection) {
        guard !connection.isQueuedForEvents else { return }
        connection.isQueuedForEvents = true
        eventQueue.append(connection)
    }

    func listenerReady(_ listener: TCPListener) {
        guard !listener.isQueuedForEvents else { return }
        listener.isQueuedForEvents = true
        listenerQueue.append(listener)
    }

    /// Makes sure the heap holds an entry no later than the connection's next deadline.
    func scheduleTimer(_ connection: TCPConnection) {
        guard connection.state != .closed, let deadline = connection.nextDeadline else { return }
        if let scheduled = connection.scheduledDeadline, scheduled <= deadline { return }
        connection.scheduledDeadline = deadline
        timers.insert(TimerEntry(deadline: deadline, connection: connection))
    }

    // MARK: - Connection lifecycle

    /// Takes a connection out of the tables for good.
    func terminate(_ connection: TCPConnection, error: SocketError?, notify: Bool, finalState: TCPState = .closed) {
        guard connection.state != .closed && connection.state != .timeWait else { return }
        let wasHalfOpen = connection.state == .synReceived
        connection.state = finalState
        connection.error = error
        if connections[connection.key] === connection { connections[connection.key] = nil }
        if lastConnection === connection { lastConnection = nil }
        if wasHalfOpen, let listener = connection.listener {
            listener.halfOpenEnded()
            connection.listener = nil
        }
        // A normal close keeps unread data readable; a reset or an abort discards it.
        connection.releaseEverything(keepingReceived: error == nil && notify)
        if error != nil { count(.tcpConnectionsFailed) }
        if notify { connection.post(.closed) }
    }

    /// Replaces a connection by its compact TIME-WAIT record (2·MSL).
    func enterTimeWait(_ connection: TCPConnection) {
        let window = connection.windowToAdvertise().field
        let entry = TimeWaitEntry(sendNext: connection.sendMax, receiveNext: connection.receiveNext, window: window,
                                  timestampRecent: connection.timestampsEnabled ? connection.timestampRecent : nil,
                                  timestampOffset: connection.timestampOffset,
                                  expires: now + configuration.maximumSegmentLifetime + configuration.maximumSegmentLifetime)
        timeWait.insert(connection.key, entry)
        terminate(connection, error: nil, notify: true, finalState: .timeWait)
    }

    /// The application dropped its stack: every connection ends as closed (with `.closed`;
    /// unread bytes stay readable) and every listener stops, so sockets the application
    /// still holds answer as closed sockets do. The tables, timers and queues let go of
    /// every socket, which ends the cycles between sockets and the layer.
    func detachAll() {
        for connection in connections.values where connection.state != .closed {
            connection.state = .closed
            connection.error = .closed
            connection.releaseEverything(keepingReceived: true)
        }
        connections.removeAll()
        lastConnection = nil
        for listener in listeners.values { listener.detach() }
        listeners.removeAll()
        timers = Heap()
        eventQueue.removeAll()
        listenerQueue.removeAll()
        outputQueue.removeAll()
    }

    func closeListener(_ listener: TCPListener) {
        if listeners[listener.port] === listener { listeners[listener.port] = nil }
    }

    /// Whether reading freed enough space to tell the peer (receiver SWS avoidance, RFC
    /// 1122 §4.2.3.3: only when the window grows by min(half the buffer, 2 MSS)).
    func shouldUpdateWindow(_ connection: TCPConnection) -> Bool {
        let potentialEdge = connection.receiveNext + connection.receiveBuffer.freeSpace
        let growth = potentialEdge - connection.advertisedEdge
        return growth >= min(connection.receiveBuffer.capacity / 2, 2 * ourMSS)
    }

    func scheduleBufferRelease(_ connection: TCPConnection) {
        guard connection.sendBuffer.isAllocated || connection.receiveBuffer.isAllocated else { return }
        connection.bufferReleaseDeadline = now.adding(nanoseconds: bufferReleaseNanoseconds)
        scheduleTimer(connection)
    }

    func armLinger(_ connection: TCPConnection) {
        connection.lingerDeadline = now + configuration.finWait2Timeout
        scheduleTimer(connection)
    }

    // MARK: - Sequence numbers and clocks

    /// RFC 6528: a 4 µs clock plus a keyed hash of the 4-tuple.
    func initialSequenceNumber(for key: ConnectionKey) -> SequenceNumber {
        let hash = keyedHash(key, secret.0, secret.1)
        let clock = UInt32(truncatingIfNeeded: now.nanoseconds / 4000)
        return SequenceNumber(UInt32(truncatingIfNeeded: hash) &+ clock)
    }

    /// A per-connection offset for TCP timestamps, so they reveal no host-wide clock.
    func timestampOffset(for key: ConnectionKey) -> UInt32 {
        let hash = keyedHash(key, secret.1, secret.0)
        return UInt32(truncatingIfNeeded: hash >> 32)
    }

    /// SipHash over the whole key, chained in two-word steps (once per connection).
    private func keyedHash(_ key: ConnectionKey, _ k0: UInt64, _ k1: UInt64) -> UInt64 {
        var hash = SipHash.hash(key0: k0, key1: k1, key.remoteHigh, key.remoteLow)
        hash = SipHash.hash(key0: k0, key1: k1, hash ^ key.localHigh, key.localLow)
        return SipHash.hash(key0: k0, key1: k1, hash, UInt64(key.ports))
    }

    /// The TCP timestamp clock: milliseconds plus the connection's offset.
    func timestampClock(offset: UInt32) -> UInt32 {
        UInt32(truncatingIfNeeded: now.milliseconds) &+ offset
    }

    // MARK: - Sending

    /// Builds and sends one segment. `payload` fills exactly `payloadLength` bytes. On a
    /// link with offloads a payload longer than `segmentSize` goes as one super-segment for
    /// the link to cut into pieces of that size and checksum. Every other segment carries
    /// its complete checksum even there: the link would finish it, but whoever captures on
    /// the link (tcpdump on the TAP, a learner checking checksums) would otherwise see a
    /// half-done one, and summing one segment costs tens of nanoseconds.
    @discardableResult @inline(__always)
    func emitSegment(from local: IPAddress, to remote: IPAddress, sourcePort: UInt16, destinationPort: UInt16,
                     sequence: SequenceNumber, acknowledgment: SequenceNumber, flags: TCPFlags, window: UInt16,
                     options: TCPOptions, payloadLength: Int, segmentSize: Int = .max,
                     payload: (UnsafeMutableRawBufferPointer) -> Void) -> SendOutcome {
        let optionsLength = options.encodedLength
        let headerLength = TCPHeader.minimumSize + optionsLength
        var offload: FrameOffload?
        if linkOffloads && payloadLength > segmentSize {
            // Offsets from the start of the TCP header; the IP layer adds its own headers
            // (and says which family the link is to cut for).
            offload = FrameOffload(checksumStart: 0, checksumOffset: 16, segmentSize: segmentSize,
                                   headerLength: headerLength)
        }
        let leaveChecksum = offload != nil
        let outcome = stack.sendIP(from: local, to: remote, protocol: .tcp, payloadLength: headerLength + payloadLength,
                                   dontFragment: true, offload: offload) { segment, pseudoHeader in
            _ = try? options.write(to: segment.view(TCPHeader.minimumSize..<headerLength))
            payload(segment.view(headerLength..<headerLength + payloadLength))
            let header = TCPHeader(sourcePort: sourcePort, destinationPort: destinationPort, sequenceNumber: sequence,
                                   acknowledgmentNumber: acknowledgment, headerLength: headerLength, flags: flags,
                                   window: window)
            _ = try? header.write(to: segment, payloadLength: payloadLength, pseudoHeader: pseudoHeader,
                                  checksumLeftToLink: leaveChecksum)
        }
        if case .failed = outcome { return outcome }
        count(.tcpSegmentsSent)
        if flags.contains(.rst) { count(.tcpResetsSent) }
        return outcome
    }

    /// RST in answer to a segment that has no connection (RFC 9293 §3.10.7.1).
    func sendResetReply(to segment: IncomingSegment) {
        guard !segment.flags.contains(.rst) else { return }
        let sourcePort = segment.header.destinationPort, destinationPort = segment.header.sourcePort
        if segment.flags.contains(.ack) {
            emitSegment(from: segment.destination, to: segment.source, sourcePort: sourcePort, destinationPort: destinationPort,
                        sequence: segment.acknowledgment, acknowledgment: SequenceNumber(0), flags: .rst, window: 0,
                        options: TCPOptions(), payloadLength: 0) { _ in }
        } else {
            emitSegment(from: segment.destination, to: segment.source, sourcePort: sourcePort, destinationPort: destinationPort,
                        sequence: SequenceNumber(0), acknowledgment: segment.sequence + segment.length,
                        flags: [.rst, .ack], window: 0, options: TCPOptions(), payloadLength: 0) { _ in }
        }
    }

    /// RST for an established connection being aborted.
    func sendReset(for connection: TCPConnection) {
        emitSegment(from: connection.localAddress, to: connection.remoteAddress, sourcePort: connection.localPort,
                    destinationPort: connection.remotePort, sequence: connection.sendMax,
                    acknowledgment: connection.receiveNext, flags: [.rst, .ack], window: 0,
                    options: TCPOptions(), payloadLength: 0) { _ in }
    }

    // MARK: - API

    func listen(port: UInt16, backlog: Int) throws(SocketError) -> TCPListener {
        guard port != 0 else { throw .invalidArgument }
        guard listeners[port] == nil else { throw .addressInUse }
        let listener = TCPListener(layer: self, port: port, backlog: backlog)
        listeners[port] = listener
        return listener
    }

    func connect(to remote: IPAddress, port: UInt16, localPort: UInt16) throws(SocketError) -> TCPConnection {
        guard port != 0 else { throw .invalidArgument }
        let local = try stack.unicastSource(toReach: remote)
        guard connections.count < configuration.maximumConnections else { throw .tooManyConnections }
        let chosen: UInt16
        if localPort == 0 {
            let free = stack.pickEphemeralPort { candidate in
                let key = ConnectionKey(local: local, localPort: candidate, remote: remote, remotePort: port)
                return self.connections[key] == nil && self.timeWait[key] == nil && self.listeners[candidate] == nil
            }
            guard let free else { throw .noPortsAvailable }
            chosen = free
        } else {
            let key = ConnectionKey(local: local, localPort: localPort, remote: remote, remotePort: port)
            guard connections[key] == nil, timeWait[key] == nil else { throw .addressInUse }
            chosen = localPort
        }
        let key = ConnectionKey(local: local, localPort: chosen, remote: remote, remotePort: port)
        let connection = TCPConnection(layer: self, localAddress: local, localPort: chosen, remoteAddress: remote,
                                       remotePort: port,
                                       iss: initialSequenceNumber(for: key), timestampOffset: timestampOffset(for: key),
                                       state: .synSent)
        connection.prepareActiveOpen()
        connections[key] = connection
        count(.tcpActiveOpens)
        needsOutput(connection)
        return connection
    }

    /// An ICMP error about a segment we sent (RFC 5927 checks, RFC 1122 §4.2.3.9 actions).
    func icmpError(_ error: SocketError, message: ICMPHeader, local: IPAddress, localPort: UInt16, remote: IPAddress,
                   remotePort: UInt16, quotedPayload: UnsafeRawBufferPointer) {
        let key = ConnectionKey(local: local, localPort: localPort, remote: remote, remotePort: remotePort)
        guard let connection = connections[key] else { return }
        // The quoted sequence number must be one we have in flight, or it is forged.
        if quotedPayload.count >= 8 {
            let quoted = SequenceNumber(quotedPayload.loadUnaligned(fromByteOffset: 4, as: UInt32.self).bigEndian)
            guard quoted >= connection.sendUnacknowledged && quoted <= connection.sendMax else { return }
        }
        if message.type == .destinationUnreachable && message.code == ICMPUnreachableCode.fragmentationNeeded.rawValue {
            connection.reducePathMTU(Int(message.nextHopMTU))
            return
        }
        if connection.state == .synSent && error == .connectionRefused {
            terminate(connection, error: error, notify: true)
            return
        }
        connection.softError = error
    }
}

extension StackCore {
    func handleTCP(_ datagram: ReceivedDatagram) {
        tcp.handle(datagram)
    }

    func tcpICMPError(_ error: SocketError, message: ICMPHeader, local: IPAddress, localPort: UInt16,
                      remote: IPAddress, remotePort: UInt16, quotedPayload: UnsafeRawBufferPointer) {
        tcp.icmpError(error, message: message, local: local, localPort: localPort, remote: remote,
                      remotePort: remotePort, quotedPayload: quotedPayload)
    }
}
