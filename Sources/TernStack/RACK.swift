import TernWire

/// RACK (RFC 8985): loss detection by time rather than by counting duplicate ACKs. Every
/// segment in flight keeps when it was (last) sent; once a segment sent later has been
/// delivered, an earlier one still missing a reordering window after the round trip is
/// lost — a retransmission as much as an original, which duplicate counting cannot tell.
///
/// Pure bookkeeping: the caller passes the time in and acts on what is marked lost.
struct RACK {
    /// One segment (or super-segment) in flight, kept in sequence order.
    struct Segment {
        var start: SequenceNumber
        var end: SequenceNumber
        /// When it was last sent.
        var sent: Instant
        /// Which transmission it was: orders sends that share a clock reading (RFC 8985
        /// breaks such ties by end sequence, which misorders a retransmission sent in the same
        /// tick as later new data).
        var order: UInt64
        var retransmitted: Bool
        /// Acknowledged or SACKed.
        var delivered: Bool
        /// Marked lost and not retransmitted since.
        var lost: Bool
    }

    private(set) var segments: [Segment] = []
    /// Index of the first segment still outstanding (the ones before are acknowledged).
    private var head = 0
    private var nextOrder: UInt64 = 0
    /// The highest end of any segment retransmitted: above it, send order is sequence order.
    private var retransmittedEnd: SequenceNumber?

    /// RACK.xmit_ts and RACK.end_seq, as the send order of the most recently sent segment
    /// delivered, and its time.
    private(set) var deliveredOrder: UInt64?
    private(set) var deliveredSent = Instant.zero
    /// RACK.rtt: the round trip of that segment.
    private(set) var rtt: UInt64 = 0
    /// RACK.min_RTT (zero samples, which only a virtual clock produces, are ignored).
    private(set) var minRTT: UInt64?
    /// RACK.fack: the highest end delivered, to notice reordering.
    private var forwardAcknowledged: SequenceNumber?
    /// Reordering has been seen: the reordering window stays open even in recovery.
    private(set) var reorderingSeen = false
    /// RACK.reo_wnd_mult and reo_wnd_persist (RFC 8985 §6.2 step 4): D-SACKs widen the
    /// window, for sixteen recoveries.
    private(set) var reorderWindowMultiplier: UInt64 = 1
    private var reorderWindowPersist = 0
    private var dsackRound: SequenceNumber?

    /// The smallest reordering window: the event loop's timers are no finer than a
    /// millisecond (RFC 6298's G), and a window below it would only fire early.
    static let minimumReorderWindow: UInt64 = RTTEstimator.granularity

    var isEmpty: Bool { head == segments.count }

    /// The outstanding segments.
    var outstanding: ArraySlice<Segment> { segments[head...] }

    // MARK: Sending

    /// `start..<end` went out at `now`: new data, or a retransmission of data sent before.
    mutating func recordSend(start: SequenceNumber, end: SequenceNumber, at now: Instant) {
        guard start < end else { return }
        nextOrder &+= 1
        if let last = segments.last, head < segments.count, start < last.end {
            retransmit(start: start, end: SequenceNumber.min(end, last.end), at: now)
            guard end > last.end else { return }
            append(start: last.end, end: end, at: now)
            return
        }
        append(start: start, end: end, at: now)
    }

    private mutating func append(start: SequenceNumber, end: SequenceNumber, at now: Instant) {
        segments.append(Segment(start: start, end: end, sent: now, order: nextOrder, retransmitted: false,
                                delivered: false, lost: false))
    }

    private mutating func retransmit(start: SequenceNumber, end: SequenceNumber, at now: Instant) {
        var i = split(at: start)
        let stop = split(at: end)
        while i < stop {
            segments[i].sent = now
            segments[i].order = nextOrder
            segments[i].retransmitted = true
            segments[i].lost = false
            i += 1
        }
        if retransmittedEnd.map({ $0 < end }) ?? true { retransmittedEnd = end }
    }

    /// Splits the segment containing `point` there; returns the index of the first segment
    /// starting at or after it.
    private mutating func split(at point: SequenceNumber) -> Int {
        var low = head, high = segments.count
        while low < high {
            let mid = (low + high) / 2
            if segments[mid].end <= point { low = mid + 1 } else { high = mid }
        }
        guard low < segments.count, segments[low].start < point else { return low }
        var tail = segments[low]
        tail.start = point
        segments[low].end = point
        segments.insert(tail, at: low + 1)
        return low + 1
    }

    // MARK: Acknowledgments

    /// The cumulative ACK reached `ack` at `now`.
    mutating func acknowledge(below ack: SequenceNumber, at now: Instant) {
        while head < segments.count, segments[head].start < ack {
            if segments[head].end > ack { _ = split(at: ack) }
            if !segments[head].delivered { deliver(head, at: now) }
            head += 1
        }
        if head == segments.count {
            segments.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= segments.count {
            segments.removeFirst(head)
            head = 0
        }
        if let end = retransmittedEnd, end <= ack { retransmittedEnd = nil }
    }

    /// The peer SACKed `start..<end` (already clipped to what is outstanding).
    mutating func sack(start: SequenceNumber, end: SequenceNumber, at now: Instant) {
        guard start < end else { return }
        var i = split(at: start)
        let stop = split(at: end)
        while i < stop {
            if !segments[i].delivered { deliver(i, at: now) }
            i += 1
        }
    }

    /// RFC 8985 §6.2 steps 1–3 for one newly delivered segment.
    private mutating func deliver(_ index: Int, at now: Instant) {
        segments[index].delivered = true
        segments[index].lost = false
        let segment = segments[index]
        let sample = now.nanoseconds &- segment.sent.nanoseconds
        if let fack = forwardAcknowledged, segment.end < fack, !segment.retransmitted {
            // Delivered below something delivered before, never having been resent: the
            // network reordered it.
            reorderingSeen = true
        }
        if forwardAcknowledged.map({ $0 < segment.end }) ?? true { forwardAcknowledged = segment.end }
        // A retransmission acknowledged sooner than any round trip can be was the original's
        // delivery: it says nothing about when the retransmission arrived.
        if segment.retransmitted, let minimum = minRTT, sample < minimum { return }
        if !segment.retransmitted && sample > 0 { noteRTT(sample) }
        rtt = sample
        if deliveredOrder.map({ $0 < segment.order }) ?? true {
            deliveredOrder = segment.order
            deliveredSent = segment.sent
        }
    }

    /// A round-trip sample from any source.
    mutating func noteRTT(_ sample: UInt64) {
        guard sample > 0 else { return }
        if minRTT.map({ sample < $0 }) ?? true { minRTT = sample }
    }

    /// A D-SACK arrived (RFC 8985 §6.2 step 4): something was resent needlessly, so the
    /// reordering window widens by a quarter of the minimum RTT, once per round trip.
    mutating func noteDSACK(acknowledged: SequenceNumber, highestSent: SequenceNumber) {
        if let round = dsackRound, acknowledged >= round { dsackRound = nil }
        guard dsackRound == nil else { return }
        dsackRound = highestSent
        reorderWindowMultiplier = min(reorderWindowMultiplier + 1, 64)
        reorderWindowPersist = 16
        reorderingSeen = true
    }

    /// A recovery ended: after sixteen without a D-SACK the window returns to its base.
    mutating func recoveryEnded() {
        guard reorderWindowPersist > 0 else { return }
        reorderWindowPersist -= 1
        if reorderWindowPersist == 0 { reorderWindowMultiplier = 1 }
    }

    // MARK: Loss detection

    /// RACK.reo_wnd (RFC 8985 §6.2 step 4). Until reordering is seen it is zero in recovery
    /// and once enough is SACKed to pass the duplicate threshold, as RFC 6675 would have it.
    func reorderWindow(inRecovery: Bool, pastDuplicateThreshold: Bool, smoothedRTT: UInt64?) -> UInt64 {
        if !reorderingSeen && (inRecovery || pastDuplicateThreshold) { return 0 }
        let base = (minRTT ?? 0) / 4 * reorderWindowMultiplier
        let window = smoothedRTT.map { min(base, $0) } ?? base
        return max(window, Self.minimumReorderWindow)
    }

    /// RFC 8985 §6.2 step 5: marks lost every outstanding segment sent before the most
    /// recently delivered one whose reordering window has passed, calling `lost` for each
    /// (in sequence order). Returns the nanoseconds until the next one would be, zero when
    /// none is waiting (the reorder timer, §6.3).
    mutating func detectLoss(at now: Instant, reorderWindow: UInt64,
                             lost: (SequenceNumber, SequenceNumber) -> Void) -> UInt64 {
        guard let newest = deliveredOrder else { return 0 }
        var timeout: UInt64 = 0
        var i = head
        while i < segments.count {
            let segment = segments[i]
            i += 1
            if segment.delivered || segment.lost { continue }
            guard segment.order < newest else {
                // Above every retransmission, segments go in send order: none further on
                // was sent before the newest delivered one.
                if retransmittedEnd.map({ segment.start >= $0 }) ?? true { break }
                continue
            }
            let due = segment.sent.nanoseconds &+ rtt &+ reorderWindow
            if due <= now.nanoseconds {
                segments[i - 1].lost = true
                lost(segment.start, segment.end)
            } else {
                timeout = max(timeout, due - now.nanoseconds)
            }
        }
        return timeout
    }

    /// A retransmission timeout: the scoreboard starts over (the peer may renege on its
    /// SACKs), and everything will be sent again.
    mutating func timedOut() {
        for i in head..<segments.count {
            segments[i].delivered = false
            segments[i].lost = false
        }
    }

    /// Forgets every segment and returns the storage (nothing in flight for a while, or
    /// the connection is over).
    mutating func release() {
        segments = []
        head = 0
        retransmittedEnd = nil
    }
}
