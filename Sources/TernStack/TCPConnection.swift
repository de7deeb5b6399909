import TernWire

/// Notifications about one TCP connection. Delivered from `NetworkStack.poll(now:)`, never
/// from inside a socket call, so a handler may call back into the connection freely.
public protocol TCPConnectionDelegate: AnyObject {
    /// An active open completed: the connection is established.
    func connectionDidConnect(_ connection: TCPConnection)
    /// Data arrived, or the peer closed its side (then `isEndOfStream` becomes true once the
    /// buffered data has been read).
    func connectionDidReceive(_ connection: TCPConnection)
    /// Send buffer space became free after it had filled up.
    func connectionCanSend(_ connection: TCPConnection)
    /// The connection is over: closed normally (`error` nil), reset, refused or timed out.
    /// The object stays readable for its final state but sends nothing more.
    func connectionDidClose(_ connection: TCPConnection, error: SocketError?)
}

extension TCPConnectionDelegate {
    public func connectionDidConnect(_ connection: TCPConnection) {}
    public func connectionDidReceive(_ connection: TCPConnection) {}
    public func connectionCanSend(_ connection: TCPConnection) {}
    public func connectionDidClose(_ connection: TCPConnection, error: SocketError?) {}
}

/// One TCP connection (RFC 9293) and the socket API services use on it.
///
/// The public surface is a BSD-socket-like API: `send` queues bytes and returns how many
/// fitted, `receive` copies out what has arrived, `shutdownWrite` half-closes, `close`
/// closes, `abort` resets; readiness comes through the `delegate`. The state machine
/// itself lives in the extensions `TCPConnection+Input`, `+Output` and `+Timers`.
public final class TCPConnection {
    /// The jobs the retransmit timer takes turns at.
    enum RetransmitTimerMode {
        /// RFC 6298 retransmission timeout.
        case retransmission
        /// Zero-window probe (RFC 9293 §3.8.6.1).
        case persist
        /// Tail loss probe (RFC 8985 §7): resend the last segment to draw a SACK.
        case tailLossProbe
        /// RACK's reorder timer (RFC 8985 §6.3): a segment's reordering window is about to
        /// pass.
        case reorder
    }

    /// The state a retransmission timeout replaced, and the timestamp its retransmission
    /// carried: an ACK that echoes an older one was for the original, which had arrived.
    struct TimeoutUndo {
        var timestamp: UInt32
        var window: Int
        var slowStartThreshold: Int
        var rtt: RTTEstimator
    }

    /// Events waiting to be delivered to the delegate.
    struct Events: OptionSet {
        let rawValue: UInt8
        static let connected = Events(rawValue: 1)
        static let readable = Events(rawValue: 2)
        static let writable = Events(rawValue: 4)
        static let closed = Events(rawValue: 8)
    }

    public let localPort: UInt16
    public let remoteAddress: IPAddress
    /// The host's address the connection uses: the one the peer connected to, or the
    /// address of the interface the route to the peer leaves by.
    public let localAddress: IPAddress
    public let remotePort: UInt16
    let key: ConnectionKey
    /// Strong: the layer, and through it the engine, lives as long as the connection. When
    /// the application drops its stack the layer ends every connection and lets go of it;
    /// an ended one (CLOSED, TIME-WAIT) no longer queues work there.
    let layer: TCPLayer

    public internal(set) var state: TCPState
    public weak var delegate: (any TCPConnectionDelegate)?
    /// Why the connection ended, once it has (nil for a normal close).
    public internal(set) var error: SocketError?
    /// Disables Nagle's algorithm (RFC 896): small segments go out without waiting for
    /// outstanding data to be acknowledged.
    public var noDelay = false {
        // An ended connection queues no more output.
        didSet { if noDelay && state != .closed && state != .timeWait { layer.needsOutput(self) } }
    }

    /// The listener a passively opened connection belongs to, until it is accepted.
    weak var listener: TCPListener?

    // MARK: Send sequence space (RFC 9293 §3.3.1)
    var iss: SequenceNumber
    var sendUnacknowledged: SequenceNumber
    var sendNext: SequenceNumber
    /// The highest sequence number sent so far (sendNext falls back below it after a timeout).
    var sendMax: SequenceNumber
    /// The peer's window in bytes, scaled.
    var sendWindow = 0
    /// The largest window the peer has offered (sender silly-window avoidance, RFC 1122).
    var maxSendWindow = 0
    var sendWL1 = SequenceNumber(0)
    var sendWL2 = SequenceNumber(0)
    /// Shift applied to the peer's window field (RFC 7323).
    var sendScale: UInt8 = 0
    /// Bytes from `sendUnacknowledged` on: sent-but-unacknowledged, then not yet sent.
    var sendBuffer: ByteRing
    /// The application has finished sending; a FIN follows the buffered data.
    var finQueued = false
    /// The peer has acknowledged our FIN: nothing more will ever be sent.
    var finAcknowledged = false
    /// Largest payload per segment: the peer's MSS, our MTU, minus per-segment options.
    var sendMSS: Int
    /// The MSS the peer announced (536 when it announced none, RFC 9293 §3.7.1).
    var peerMSS = 536

    // MARK: Receive sequence space
    var irs = SequenceNumber(0)
    var receiveNext = SequenceNumber(0)
    /// Shift we apply to our window field.
    var receiveScale: UInt8 = 0
    /// The acknowledgment number of the last segment we sent (RFC 7323's Last.ACK.sent).
    var lastACKSent = SequenceNumber(0)
    /// The right edge of the window last advertised; never moved left (RFC 9293 §3.8.6).
    var advertisedEdge = SequenceNumber(0)
    /// In-order unread bytes, and out-of-order bytes parked beyond them.
    var receiveBuffer: ByteRing
    /// Bytes by which `receiveBuffer` has grown beyond its initial size, counted in
    /// `TCPLayer.receiveBufferGrowth` until the connection ends.
    var receiveBufferGrowth = 0
    /// The peer sent up to the right edge of the window since the buffer last grew.
    var peerFilledWindow = false
    var outOfOrder: SequenceRanges
    /// Sequence number of a FIN that arrived before all the data preceding it.
    var pendingFIN: SequenceNumber?
    /// The peer has closed its side and all its data has arrived.
    var peerClosed = false

    // MARK: Options
    var timestampsEnabled = false
    var timestampRecent: UInt32 = 0
    let timestampOffset: UInt32
    var sackEnabled = false
    /// Window scaling was offered by us (in our SYN) and by the peer.
    var windowScalingEnabled = false

    // MARK: Loss recovery
    var congestion: CongestionControl
    var rtt: RTTEstimator
    /// The segment being timed for an RTT sample (Karn's algorithm: never a retransmitted
    /// one). Timed on the engine's clock rather than with timestamps, whose millisecond
    /// ticks are too coarse for a link with a round trip of microseconds.
    var timedSegment: (sequence: SequenceNumber, sent: Instant)?
    /// Send times of the segments in flight and RACK's loss detection (RFC 8985), with SACK.
    var rack = RACK()
    /// Ranges RACK marked lost, in the order found, to resend during recovery.
    var lostRanges: [(start: SequenceNumber, end: SequenceNumber)] = []
    /// Loss probes sent since new data was last acknowledged (at most
    /// `TCPConnection.maximumProbes` before the retransmission timeout takes over).
    var probesSent = 0
    /// Consecutive retransmission timeouts.
    var retransmissionCount = 0
    /// What the first timeout of a run changed, kept until an ACK shows whether it was
    /// spurious (RFC 3522's detection by timestamps, RFC 4015's response).
    var timeoutUndo: TimeoutUndo?
    /// What the peer has SACKed above `sendUnacknowledged` (the RFC 6675 scoreboard).
    var scoreboard: SequenceRanges
    /// A soft error (ICMP) to report if the connection later times out (RFC 1122 §4.2.3.9).
    var softError: SocketError?

    // MARK: Timers (see TCPConnection+Timers)
    var retransmitDeadline: Instant?
    /// What the retransmit timer does when it fires.
    var timerMode = RetransmitTimerMode.retransmission
    /// Unanswered zero-window probes so far: each doubles the probe interval.
    var persistBackoff = 0
    var delayedACKDeadline: Instant?
    /// FIN-WAIT-2 and SYN-RECEIVED limits, buffer release.
    var lingerDeadline: Instant?
    var bufferReleaseDeadline: Instant?
    /// The deadline currently queued in the layer's timer heap.
    var scheduledDeadline: Instant?
    /// When the last segment was sent (for the restart window after idle).
    var lastSendTime = Instant.zero

    // MARK: Acknowledgment bookkeeping
    /// An ACK must go out at the next output (duplicate, out-of-order, FIN, window update).
    var ackNow = false
    /// When a bare ACK outside the window was last answered (they are rate limited).
    var lastOutOfWindowACK: Instant?
    /// When the last challenge ACK went out (they are rate limited per connection).
    var lastChallengeACK: Instant?
    /// In-order data segments received since the last ACK we sent.
    var unacknowledgedSegments = 0
    /// The ACK owed for the segment being processed must go before the next segment is
    /// looked at, not after the whole batch: the second full-sized segment, an out-of-order
    /// or duplicate one (but see `mayCompressDuplicateACK`), a hole filled (RFC 5681 §4.2).
    var ackBeforeNextSegment = false
    /// ACKs sent in a row with the same acknowledgment number (the first and its duplicates).
    var acksAtLastNumber = 0
    /// Duplicate ACKs left for the end of the batch since the last ACK went out.
    var compressedACKs = 0

    // MARK: Application side
    var pendingEvents: Events = []
    var isQueuedForEvents = false
    var isQueuedForOutput = false
    /// `close()` was called: the application reads no more.
    var applicationClosed = false
    /// Closed with `closeDiscardingInput()`: data from the peer is acknowledged and dropped
    /// rather than answered with a reset.
    var discardsInput = false
    /// The application found the send buffer full; tell it when space frees up.
    var wantsWritable = false

    init(layer: TCPLayer, localAddress: IPAddress, localPort: UInt16, remoteAddress: IPAddress, remotePort: UInt16,
         iss: SequenceNumber, timestampOffset: UInt32, state: TCPState) {
        let configuration = layer.configuration
        self.layer = layer
        self.localPort = localPort
        self.remoteAddress = remoteAddress
        self.localAddress = localAddress
        self.remotePort = remotePort
        self.key = ConnectionKey(local: localAddress, localPort: localPort, remote: remoteAddress,
                                 remotePort: remotePort)
        self.state = state
        self.iss = iss
        self.sendUnacknowledged = iss
        self.sendNext = iss
        self.sendMax = iss
        self.timestampOffset = timestampOffset
        self.sendBuffer = ByteRing(capacity: configuration.sendBufferSize, pool: layer.sendBufferPool)
        self.receiveBuffer = ByteRing(capacity: configuration.receiveBufferSize, pool: layer.receiveBufferPool)
        self.outOfOrder = SequenceRanges(limit: TCPConnection.rangeLimit(bufferSize: configuration.receiveBufferSize,
                                                                         configuration: configuration))
        self.scoreboard = SequenceRanges(limit: TCPConnection.rangeLimit(bufferSize: configuration.sendBufferSize,
                                                                         configuration: configuration))
        self.sendMSS = 536
        self.congestion = CongestionControl(mss: 536, initialSequence: iss,
                                            maximumWindow: 2 * configuration.sendBufferSize)
        self.rtt = RTTEstimator(initial: configuration.initialRTO, minimum: configuration.minimumRTO,
                                maximum: configuration.maximumRTO)
    }

    /// The ranges a buffer of `bufferSize` bytes may be split into: one per KiB (a
    /// sender whose every other segment of at least 512 bytes is lost needs no more),
    /// at least 16, at most `maximumOutOfOrderRanges`.
    static func rangeLimit(bufferSize: Int, configuration: TCPConfiguration) -> Int {
        min(configuration.maximumOutOfOrderRanges, max(16, bufferSize / 1024))
    }

    // MARK: - Reading

    /// Bytes that can be read now.
    public var availableBytes: Int { receiveBuffer.count }

    /// The peer has closed its side and every byte it sent has been read.
    public var isEndOfStream: Bool { peerClosed && receiveBuffer.isEmpty }

    /// Copies up to `buffer.count` received bytes into `buffer`; returns how many (0 when
    /// nothing is waiting; check `isEndOfStream`).
    public func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let n = receiveBuffer.read(into: buffer)
        if n > 0 { didConsume() }
        return n
    }

    /// Reads without copying: `body` sees the next contiguous run of received bytes and
    /// returns how many it used. Returns that count.
    @discardableResult
    public func read(_ body: (UnsafeRawBufferPointer) -> Int) -> Int {
        let region = receiveBuffer.readableRegion()
        guard region.count > 0 else { return 0 }
        let used = max(0, min(body(region), region.count))
        if used > 0 {
            receiveBuffer.consume(used)
            didConsume()
        }
        return used
    }

    /// Reading freed buffer space: the peer may deserve a window update.
    private func didConsume() {
        // Out-of-order bytes are parked at offsets from the start: rewind only without them.
        if outOfOrder.isEmpty { receiveBuffer.rewindIfEmpty() }
        if state == .closed || state == .timeWait {
            // The connection is over; only its last unread bytes were left.
            receiveBuffer.releaseIfEmpty()
            return
        }
        if state.canReceiveData { growReceiveBufferIfLimiting() }
        if state.canReceiveData && layer.shouldUpdateWindow(self) {
            ackNow = true
            layer.needsOutput(self)
        }
        if receiveBuffer.isEmpty && outOfOrder.isEmpty { layer.scheduleBufferRelease(self) }
    }

    // MARK: - Writing

    /// Bytes `send` would accept now.
    public var sendSpace: Int {
        guard canSend else { return 0 }
        return sendBuffer.freeSpace
    }

    private var canSend: Bool {
        switch state {
        case .established, .closeWait, .synSent, .synReceived: !finQueued
        default: false
        }
    }

    /// Queues as much of `bytes` as fits in the send buffer and returns how much that was.
    /// When it returns less than `bytes.count`, `connectionCanSend` follows once space frees.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard canSend else { return 0 }
        let n = sendBuffer.append(bytes)
        noteQueued(n)
        return n
    }

    /// Queues bytes without an intermediate copy: `body` fills the region it is given (at
    /// most `maxLength` bytes) and returns how many it wrote. May be called repeatedly; the
    /// region can be shorter than the free space when the buffer wraps.
    @discardableResult
    public func write(maxLength: Int = .max, _ body: (UnsafeMutableRawBufferPointer) -> Int) -> Int {
        guard canSend, sendBuffer.freeSpace > 0, maxLength > 0 else {
            if canSend { wantsWritable = true }
            return 0
        }
        let region = sendBuffer.writableRegion()
        let limited = UnsafeMutableRawBufferPointer(rebasing: region[0..<min(region.count, maxLength)])
        let written = max(0, min(body(limited), limited.count))
        sendBuffer.commit(written)
        noteQueued(written)
        return written
    }

    private func noteQueued(_ n: Int) {
        if sendBuffer.freeSpace == 0 { wantsWritable = true }
        if n > 0 {
            bufferReleaseDeadline = nil
            layer.needsOutput(self)
        }
    }

    // MARK: - Closing

    /// Half-close: no more data from us; a FIN follows what is buffered. Reading goes on.
    public func shutdownWrite() {
        switch state {
        case .synSent where sendBuffer.isEmpty:
            // Nothing to deliver: the connection attempt is simply abandoned.
            layer.terminate(self, error: nil, notify: false)
        case .synSent, .synReceived:
            // The FIN waits for the handshake (and the data queued before it); establishment
            // moves to FIN-WAIT-1.
            finQueued = true
        case .established:
            finQueued = true
            state = .finWait1
            layer.needsOutput(self)
        case .closeWait:
            finQueued = true
            state = .lastAck
            layer.needsOutput(self)
        default:
            break
        }
    }

    /// Closes the connection: FIN after the buffered data, and no more reading. Unread
    /// data (or data arriving later) makes it a reset instead, as RFC 2525 §2.17 advises.
    public func close() {
        guard !applicationClosed else { return }
        applicationClosed = true
        if !receiveBuffer.isEmpty && state.isSynchronized {
            abort()
            return
        }
        shutdownWrite()
        if state == .finWait2 { layer.armLinger(self) }
    }

    /// Closes politely even though the peer may still be sending: a FIN after the buffered
    /// data, as `close()`, but what the peer sent and was not read, and whatever it sends
    /// until its own FIN, is acknowledged and dropped instead of answered with a reset
    /// (nginx calls this a lingering close). For an answer to a request the application
    /// will not read — a refusal, an error — so that the answer reaches the peer: a reset
    /// would make the peer's stack throw away what it had not read yet. The FIN-WAIT-2
    /// timeout bounds how long a peer that never closes can keep it.
    public func closeDiscardingInput() {
        guard !applicationClosed else { return }
        discardsInput = true
        if !receiveBuffer.isEmpty || !outOfOrder.isEmpty {
            receiveBuffer.discardAll()
            outOfOrder.removeAll()
            pendingFIN = nil
        }
        close()
    }

    /// Resets the connection at once (RST), discarding everything buffered.
    public func abort() {
        applicationClosed = true
        switch state {
        case .closed, .listen, .timeWait:
            return
        case .synSent:
            break
        default:
            layer.sendReset(for: self)
        }
        layer.terminate(self, error: nil, notify: false)
    }

    /// Marks an event for delivery at the next poll.
    func post(_ event: Events) {
        pendingEvents.insert(event)
        layer.needsEvents(self)
    }
}

extension TCPConnection: CustomStringConvertible {
    public var description: String {
        "TCP \(localPort) ↔ \(remoteAddress):\(remotePort) \(state)"
    }
}
