import Glibc
import Logging
import TernLink
import TernStack

/// The daemon's single thread: epoll on the devices and the signal descriptors, with the
/// stack's next deadline as the timeout.
///
/// Each wake-up reads frames in batches (in place from a packet socket's ring, else into
/// one reused `FrameBatch` per link) and feeds them to the stack, then polls it; replies
/// and forwarded datagrams are handed to each link's `DeviceTransmitter`, and whatever a
/// device queued goes out after each batch (one system call for the batch).
/// SIGINT/SIGTERM starts a shutdown: services close their connections with a FIN, and the
/// loop runs on until the peers have acknowledged them or `shutdownGrace` passes.
final class EventLoop {
    private enum Token: UInt64 {
        case termination = 2
        case status = 3
        /// Link `i` has token `firstDevice + i`.
        case firstDevice = 16
    }

    /// Batches read in one wake-up before timers and signals get their turn again.
    static let batchesPerWake = 16
    /// The longest the loop sleeps: services check their deadlines at least this often.
    static let tickInterval: UInt64 = 1_000_000_000
    /// How long a shutdown waits for FINs to be acknowledged.
    static let shutdownGrace: UInt64 = 1_000_000_000

    private let links: [LinkSetup]
    private let stack: NetworkStack
    private let services: ServiceSet
    private let transmitters: [DeviceTransmitter]
    private let poller: EventPoller
    private let termination: TerminationSignals
    private let status: StatusSignal
    private let logger: Logger
    /// One reused batch per link (boxed: a batch cannot be copied into an array).
    private let batches: [BatchBox]
    /// Per link: a receive failed with ENETDOWN and nothing has arrived since.
    private var linkDownReported: [Bool]
    /// When the services last had the time.
    private var lastTick: UInt64 = 0
    /// How long to spin on the device after traffic before sleeping: at most the
    /// `--busy-poll` time, less while spins catch nothing.
    private var busyPoll: BusyPollBudget
    /// Spins started, spins that caught a frame, and the time spent spinning.
    private var spins = 0
    private var spinsCaught = 0
    private var spinNanoseconds: UInt64 = 0
    /// When the last frame arrived, and how many the last receive took.
    private var lastFrameTime: UInt64 = 0
    private var framesInLastReceive = 0
    /// How many of `MemoryTuning.releaseDelays` have passed since the last frame (and had
    /// memory released); all of them before any traffic.
    private var memoryReleasesDone = MemoryTuning.releaseDelays.count

    init(links: [LinkSetup], stack: NetworkStack, services: ServiceSet, transmitters: [DeviceTransmitter],
         poller: EventPoller, termination: TerminationSignals, status: StatusSignal, logger: Logger,
         busyPollMicroseconds: Int) {
        self.busyPoll = BusyPollBudget(maximum: UInt64(max(0, busyPollMicroseconds)) * 1000)
        self.links = links
        self.stack = stack
        self.services = services
        self.transmitters = transmitters
        self.poller = poller
        self.termination = termination
        self.status = status
        self.logger = logger
        batches = links.map { BatchBox($0.device.makeBatch(capacity: 64)) }
        linkDownReported = links.map { _ in false }
    }

    /// Registers the descriptors the loop waits on.
    static func register(devices: [any LinkDevice], termination: TerminationSignals, status: StatusSignal,
                         with poller: EventPoller) throws(StartupError) {
        do {
            for (index, device) in devices.enumerated() {
                guard let deviceFD = device.fileDescriptor else {
                    throw StartupError("\(device.name) has no file descriptor to wait on")
                }
                try poller.add(deviceFD, token: Token.firstDevice.rawValue + UInt64(index))
            }
            try poller.add(termination.fileDescriptor, token: Token.termination.rawValue)
            try poller.add(status.fileDescriptor, token: Token.status.rawValue)
        } catch {
            throw StartupError(error)
        }
    }

    /// Runs until a termination signal (returns 0) or a fatal device error (returns 1).
    func run() -> Int32 {
        var shutdownDeadline: UInt64?
        var deviceBacklog = links.map { _ in false }
        while true {
            // Whatever the last round queued (timers, shutdown, services) leaves before the wait.
            sendPending()
            let now = MonotonicClock.nanoseconds()
            var deadline = min(stack.nextDeadline?.nanoseconds ?? .max, now &+ EventLoop.tickInterval)
            if let end = shutdownDeadline { deadline = min(deadline, end) }
            var timeout = deviceBacklog.contains(true) ? 0 : EventPoller.timeout(until: deadline, now: now)
            if timeout != 0 { LogBuffer.shared.flush() }
            // Busy polling: right after traffic, try the device for a few microseconds
            // before going to sleep; the next frame of a request–response exchange usually
            // comes sooner than a wake-up from epoll would.
            // Spinning stops paying when the answers come later than the budget: it then
            // shrinks, down to not spinning at all, until frames come quickly again.
            if timeout != 0 && busyPoll.shouldSpin && now &- lastFrameTime < 4 * busyPoll.maximum {
                do {
                    let caught = try spinForFrames(until: min(now &+ busyPoll.current, deadline))
                    let spun = MonotonicClock.nanoseconds() &- now
                    spins += 1
                    spinNanoseconds &+= spun
                    if caught {
                        spinsCaught += 1
                        timeout = 0
                    }
                    // A spin cut short by a timer's deadline says nothing about the peer.
                    if caught || now &+ busyPoll.current <= deadline { busyPoll.spinEnded(caughtFrame: caught) }
                } catch {
                    logger.error("\(error)")
                    return finish(status: 1)
                }
            }
            let ready: Int
            let sleptAt = timeout != 0 ? MonotonicClock.nanoseconds() : 0
            do {
                ready = try poller.wait(timeoutMilliseconds: timeout)
            } catch {
                logger.error("\(error)")
                return finish(status: 1)
            }
            var deviceReadable = deviceBacklog
            for index in 0..<ready {
                let token = poller.readyEvent(at: index).token
                if token >= Token.firstDevice.rawValue {
                    let link = Int(token - Token.firstDevice.rawValue)
                    if link < deviceReadable.count { deviceReadable[link] = true }
                    continue
                }
                switch Token(rawValue: token) {
                case .firstDevice:
                    break
                case .termination:
                    guard let signal = nextTerminationSignal() else { continue }
                    if shutdownDeadline != nil {
                        logger.notice("\(signalName(signal)) again: exiting without waiting")
                        return finish(status: 0)
                    }
                    logger.info("\(signalName(signal)): closing connections")
                    services.shutdown()
                    shutdownDeadline = MonotonicClock.nanoseconds() + EventLoop.shutdownGrace
                case .status:
                    if status.drain() { logCounters() }
                case nil:
                    break
                }
            }
            let idleSince = lastFrameTime
            for link in links.indices where deviceReadable[link] {
                do {
                    deviceBacklog[link] = try receiveFrames(from: link)
                } catch {
                    logger.error("\(error)")
                    return finish(status: 1)
                }
            }
            if timeout != 0 && lastFrameTime != idleSince {
                // Woken from sleep by a frame: had it come soon enough after the loop went to
                // sleep for a spin to catch it? (Counted from the sleep, not from the frame
                // before: that interval includes our own work and the wake-up itself, and at
                // one connection it stays above the budget once spinning stops, so spinning
                // would never come back.)
                busyPoll.wokeForFrame(afterIdle: lastFrameTime &- max(idleSince, sleptAt))
            }
            let polled = MonotonicClock.nanoseconds()
            if polled >= lastTick &+ EventLoop.tickInterval {
                lastTick = polled
                services.tick(now: Instant(nanoseconds: polled))
            }
            stack.poll(now: Instant(nanoseconds: polled))
            releaseMemoryWhenIdle(now: polled)
            if let end = shutdownDeadline, services.connectionsClosing == 0 || polled >= end {
                return finish(status: 0)
            }
        }
    }

    /// Gives memory back when the link has been quiet for each of the release delays since
    /// the last frame (the loop wakes at least once a second, so within a second of each).
    private func releaseMemoryWhenIdle(now: UInt64) {
        let delays = MemoryTuning.releaseDelays
        guard memoryReleasesDone < delays.count, now &- lastFrameTime >= delays[memoryReleasesDone] else { return }
        memoryReleasesDone += 1
        MemoryTuning.releaseUnused(stack: stack, services: services)
    }

    /// Reads the device without blocking until a frame comes or `end`; returns whether one
    /// came (and was processed).
    private func spinForFrames(until end: UInt64) throws(SystemError) -> Bool {
        repeat {
            var any = false
            for link in links.indices where try receiveFrames(from: link) || framesInLastReceive > 0 { any = true }
            if any { return true }
        } while MonotonicClock.nanoseconds() < end
        return false
    }

    /// Feeds frames waiting on link `index` to the stack, a batch at a time. Returns true
    /// when it stopped with frames possibly still waiting (so the next wait does not block).
    private func receiveFrames(from index: Int) throws(SystemError) -> Bool {
        framesInLastReceive = 0
        let device = links[index].device
        let stack = self.stack
        for _ in 0..<EventLoop.batchesPerWake {
            let count: Int
            let clock = MonotonicClock.nanoseconds()
            let now = Instant(nanoseconds: clock)
            do {
                count = try device.receive(using: &batches[index].batch) { frame in
                    stack.receive(frame: frame, on: index, now: now)
                }
            } catch where error.isTransient {
                return false
            } catch where error.code == ENETDOWN {
                // The interface went down (ip link set … down): wait for it to come back.
                if !linkDownReported[index] { logger.warning("\(error)") }
                linkDownReported[index] = true
                return false
            }
            if count > 0 && linkDownReported[index] {
                logger.notice("\(device.name) is receiving again")
                linkDownReported[index] = false
            }
            if count == 0 { return false }
            framesInLastReceive += count
            lastFrameTime = clock
            memoryReleasesDone = 0
            if count < batches[index].batch.capacity {
                // The device had nothing more: now the timers may run.
                stack.poll(now: now)
            } else {
                // More frames are probably waiting, among them perhaps the acknowledgment a
                // retransmission timer is waiting for: answer this batch, run no timer yet.
                stack.flush(now: now)
            }
            sendPending()
        }
        return true
    }

    /// Has every link send what its device queued.
    private func sendPending() {
        for transmitter in transmitters { transmitter.sendPending() }
    }

    private func nextTerminationSignal() -> Int32? {
        do {
            return try termination.next()
        } catch {
            logger.error("\(error)")
            return nil
        }
    }

    /// Logs the counters, flushes and closes the device (and the capture file).
    private func finish(status: Int32) -> Int32 {
        defer { LogBuffer.shared.flush() }
        sendPending()
        logCounters()
        for link in links {
            if let capture = link.capture {
                do {
                    try capture.flush()
                    logger.info("capture \(capture.path): \(capture.recordedFrames) frames")
                } catch {
                    logger.error("\(error)")
                }
            }
            link.device.close()
        }
        return status
    }

    /// One line with every non-zero counter of the stack and of the link.
    func logCounters() {
        var lines = stack.counters.report
        if spins > 0 {
            lines.append("busy polling: \(spins) spins, \(spinsCaught) caught a frame, \(spinNanoseconds / 1_000_000) ms spent")
        }
        for (index, link) in links.enumerated() {
            // With several links, each says which it is and what crossed it.
            let prefix = links.count > 1 ? "\(link.name) " : ""
            if links.count > 1 {
                let c = stack.interfaces[index].counters
                lines.append("\(prefix)frames in \(c.framesReceived) out \(c.framesSent), forwarded in \(c.datagramsForwardedIn) out \(c.datagramsForwardedOut)")
            }
            let failures = transmitters[index].failures
            if failures > 0 { lines.append("\(prefix)frames the device refused: \(failures)") }
            if let socket = link.packetSocket {
                let drops = socket.countKernelDrops()
                if drops > 0 { lines.append("\(prefix)frames lost to a full receive ring: \(drops)") }
                if socket.refusedFrames > 0 { lines.append("\(prefix)frames the kernel refused to send: \(socket.refusedFrames)") }
                if socket.oversizedFrames > 0 { lines.append("\(prefix)frames too long for the ring: \(socket.oversizedFrames)") }
                if socket.malformedSlots > 0 { lines.append("\(prefix)malformed ring slots: \(socket.malformedSlots)") }
            }
            if let faults = link.faults {
                let inbound = faults.inboundCounters, outbound = faults.outboundCounters
                lines.append("\(prefix)faults in: dropped \(inbound.dropped), duplicated \(inbound.duplicated), reordered \(inbound.reordered), corrupted \(inbound.corrupted)")
                lines.append("\(prefix)faults out: dropped \(outbound.dropped), duplicated \(outbound.duplicated), reordered \(outbound.reordered), corrupted \(outbound.corrupted)")
            }
        }
        logger.info("counters: \(lines.isEmpty ? "none" : lines.joined(separator: ", "))")
    }

    private func signalName(_ signal: Int32) -> String {
        switch signal {
        case 2: "SIGINT"
        case 15: "SIGTERM"
        default: "signal \(signal)"
        }
    }
}

/// A link's frame batch, held by reference.
private final class BatchBox {
    var batch: FrameBatch
    init(_ batch: consuming FrameBatch) { self.batch = batch }
}
