import TernWire

/// Slow start and congestion avoidance (RFC 5681), and the window side of loss recovery:
/// NewReno fast recovery (RFC 6582) for peers without SACK, the conservative SACK-based
/// recovery of RFC 6675 for peers with it. Everything is in bytes.
///
/// This type decides how much may be in flight; which bytes to (re)send is the sender's
/// business (`TCPConnection+Output`), guided by the SACK scoreboard.
struct CongestionControl {
    private(set) var window: Int
    private(set) var slowStartThreshold: Int
    private(set) var duplicateACKs = 0
    private(set) var inRecovery = false
    /// The highest sequence number sent when recovery began (RFC 6582 "recover", RFC 6675
    /// "RecoveryPoint").
    private(set) var recover: SequenceNumber
    /// Bytes acknowledged toward the next window increase in congestion avoidance.
    private var acknowledgedInAvoidance = 0
    /// The flight right after the most recent transmission. A receiver that acknowledges in
    /// batches (or a stack that reads its ACKs in batches) moves the cumulative ACK over much
    /// of the window before the duplicates that reveal a loss are read, and only then does the
    /// sender refill; the flight measured at that moment is a fraction of what was in the
    /// network when the segment was lost.
    private var flightAtLastTransmission = 0
    var mss: Int
    /// Cap on the window: more than the send buffer can never be in flight anyway.
    let maximumWindow: Int
    /// Recovery follows RFC 6675 (the peer sends SACK blocks) rather than NewReno.
    var usesSACK = false
    /// Proportional Rate Reduction (RFC 6937) during SACK recovery: bytes delivered to the
    /// peer (acknowledged or SACKed) since recovery began, bytes sent since, and the flight
    /// when it began.
    private(set) var prrDelivered = 0
    private(set) var prrOut = 0
    private var recoverFlightSize = 0

    /// The initial window of RFC 6928: ten segments, as Linux.
    init(mss: Int, initialSequence: SequenceNumber, maximumWindow: Int) {
        self.mss = max(1, mss)
        self.maximumWindow = max(maximumWindow, 2 * self.mss)
        window = CongestionControl.initialWindow(mss: self.mss)
        slowStartThreshold = Int.max / 2
        recover = initialSequence
    }

    static func initialWindow(mss: Int) -> Int { min(10 * mss, max(2 * mss, 14600)) }

    /// What the sender must do after an acknowledgment.
    enum Action {
        case none
        /// NewReno: retransmit the first unacknowledged segment now.
        case retransmitFirst
        /// Recovery has begun: send what the recovery rules allow (SACK) or the first
        /// unacknowledged segment (NewReno).
        case enterRecovery
    }

    /// New data acknowledged (`acked` bytes; the ACK now covers everything before `ack`).
    mutating func onNewACK(ack: SequenceNumber, acked: Int, flightAfter: Int) -> Action {
        duplicateACKs = 0
        if inRecovery {
            if ack >= recover {
                inRecovery = false
                if usesSACK {
                    // RFC 6675 sets the window to ssthresh when recovery begins and leaves it
                    // there (as RFC 6937 ends recovery at ssthresh). The flight may well be
                    // empty now: when the ACKs of a whole window are read in one batch, the
                    // sender gets no chance to send before the full acknowledgment is read, and
                    // cutting the window to that flight would halve it a second time.
                    window = slowStartThreshold
                } else {
                    // NewReno inflated the window during recovery: RFC 6582 §3.2 step 3 option
                    // 1, min(ssthresh, max(FlightSize, SMSS) + SMSS), so no burst follows. Never
                    // below two segments when nothing is in flight: a window of one waits out
                    // the peer's delayed-ACK timer after every recovery.
                    window = max(min(slowStartThreshold, max(flightAfter, mss) + mss), mss)
                }
                return .none
            }
            if usesSACK { return .none }
            // NewReno partial acknowledgment: the next hole is lost too. Deflate by what
            // was acknowledged, add back one segment, and retransmit.
            window = max(window - acked + (acked >= mss ? mss : 0), mss)
            return .retransmitFirst
        }
        if window < slowStartThreshold {
            // Slow start counting every byte acknowledged (RFC 3465 without its limit L, as
            // Linux does): a receiver that coalesces (GRO, or our super-segments) sends one ACK
            // for many segments, and L = 2 would make slow start grow linearly. Not past
            // ssthresh in one step.
            window = min(window + acked, max(window, slowStartThreshold))
        } else {
            acknowledgedInAvoidance += acked
            if acknowledgedInAvoidance >= window {
                acknowledgedInAvoidance -= window
                window += mss
            }
        }
        window = min(window, maximumWindow)
        return .none
    }

    /// A duplicate acknowledgment (RFC 5681 §2 definition) arrived. `sackedBytes` is what
    /// the scoreboard holds above the cumulative ACK.
    mutating func onDuplicateACK(ack: SequenceNumber, flight: Int, highestSent: SequenceNumber,
                                 sackedBytes: Int) -> Action {
        duplicateACKs += 1
        if inRecovery {
            if !usesSACK { window += mss }
            return .none
        }
        // With SACK, RACK decides what is lost from the blocks; duplicates still drive limited
        // transmit, and count only from a peer that SACKs nothing.
        if usesSACK && sackedBytes > 0 { return .none }
        let threshold = CongestionControl.duplicateThreshold(flight: flight, mss: mss)
        guard duplicateACKs >= threshold else { return .none }
        return enterRecovery(ack: ack, flight: flight, highestSent: highestSent)
    }

    /// Three, lowered for small flights so they can still signal a loss (RFC 5827 early
    /// retransmit: one less than the segments outstanding, when fewer than four are).
    static func duplicateThreshold(flight: Int, mss: Int) -> Int {
        let segments = (flight + mss - 1) / max(1, mss)
        return segments < 4 ? max(1, segments - 1) : 3
    }

    /// A loss detector (RACK, with SACK) marked data lost: recovery begins, unless one is
    /// under way.
    mutating func onLossDetected(ack: SequenceNumber, flight: Int, highestSent: SequenceNumber) -> Action {
        guard !inRecovery else { return .none }
        return enterRecovery(ack: ack, flight: flight, highestSent: highestSent)
    }

    /// Starts recovery, unless the loss belongs to an episode already handled: data sent
    /// before the last recovery or timeout (RFC 6582 §3.2 step 2, the "recover" check).
    private mutating func enterRecovery(ack: SequenceNumber, flight: Int, highestSent: SequenceNumber) -> Action {
        guard ack >= recover else { return .none }
        // RFC 5681 eq. 4 with FlightSize as it was when the window carrying the loss was sent.
        slowStartThreshold = max(max(flight, flightAtLastTransmission) / 2, 2 * mss)
        // With SACK, PRR sets the window on each ACK from here (`onRecoveryACK`); until the
        // next one only the fast retransmit goes, whatever the window.
        window = usesSACK ? 0 : slowStartThreshold + 3 * mss
        recover = highestSent
        inRecovery = true
        acknowledgedInAvoidance = 0
        prrDelivered = 0
        prrOut = 0
        recoverFlightSize = max(flight, mss)
        return .enterRecovery
    }

    /// RFC 6937 §3 on an ACK during SACK recovery: `delivered` bytes newly acknowledged or
    /// SACKed, `pipe` the estimate of bytes in the network. While the network holds more
    /// than ssthresh, sending follows delivery in the ratio ssthresh / RecoverFS, spreading
    /// the reduction over the round trip instead of a silence then a burst; below ssthresh,
    /// slow-start-like growth back to it, never more than one segment beyond what was
    /// delivered (PRR-SSRB).
    mutating func onRecoveryACK(delivered: Int, pipe: Int) {
        guard inRecovery, usesSACK else { return }
        prrDelivered += delivered
        let sendCount: Int
        if pipe > slowStartThreshold {
            let target = (prrDelivered * slowStartThreshold + recoverFlightSize - 1) / recoverFlightSize
            sendCount = target - prrOut
        } else {
            let limit = max(prrDelivered - prrOut, delivered) + mss
            sendCount = min(slowStartThreshold - pipe, limit)
        }
        // In whole segments, rounded up, as Linux counts it: a sender that may send half a
        // segment sends none (Nagle, silly-window avoidance), and would fall a step behind.
        window = pipe + (max(0, sendCount) + mss - 1) / mss * mss
    }

    /// Bytes sent (new or retransmitted) while in SACK recovery, for PRR.
    mutating func onRecoverySend(_ bytes: Int) {
        if inRecovery && usesSACK { prrOut += bytes }
    }

    /// Extra bytes RFC 3042's limited transmit lets out on the first two duplicate ACKs,
    /// so a small window still produces the third.
    var limitedTransmitAllowance: Int {
        inRecovery ? 0 : min(duplicateACKs, 2) * mss
    }

    /// A segment went out; `flight` is what is outstanding now, that segment included.
    mutating func onTransmit(flight: Int) {
        flightAtLastTransmission = flight
    }

    /// A retransmission timeout: back to one segment (RFC 5681 §3.1 eq. 4).
    mutating func onTimeout(flight: Int, highestSent: SequenceNumber) {
        slowStartThreshold = max(flight / 2, 2 * mss)
        window = mss
        duplicateACKs = 0
        inRecovery = false
        recover = highestSent
        acknowledgedInAvoidance = 0
    }

    /// After an idle period the window restarts (RFC 5681 §4.1), no lower than the initial window.
    mutating func restartAfterIdle() {
        window = min(window, CongestionControl.initialWindow(mss: mss))
    }
}
