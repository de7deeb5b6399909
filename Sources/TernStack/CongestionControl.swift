/// Slow start, congestion avoidance, fast retransmit and NewReno fast recovery
/// (RFC 5681, RFC 6582), in bytes.
struct CongestionControl {
    private(set) var window: Int
    private(set) var slowStartThreshold: Int
    private(set) var duplicateACKs = 0
    private(set) var inRecovery = false
    /// The highest sequence number sent when recovery began (RFC 6582 "recover").
    private(set) var recover: SequenceNumber
    /// Bytes acknowledged toward the next window increase in congestion avoidance.
    private var acknowledgedInAvoidance = 0
    var mss: Int
    /// Cap on the window: more than the send buffer can never be in flight anyway.
    let maximumWindow: Int

    /// RFC 6928's initial window of ten segments (as Linux), at most 64 KiB worth.
    init(mss: Int, initialSequence: SequenceNumber, maximumWindow: Int) {
        self.mss = max(1, mss)
        self.maximumWindow = max(maximumWindow, 2 * self.mss)
        window = min(10 * self.mss, max(2 * self.mss, 65535))
        slowStartThreshold = Int.max / 2
        recover = initialSequence
    }

    /// What the sender must do after an acknowledgment.
    enum Action {
        case none
        /// Retransmit the first unacknowledged segment now.
        case retransmit
    }

    /// New data acknowledged (`acked` bytes; the ACK now covers everything before `ack`).
    mutating func onNewACK(ack: SequenceNumber, acked: Int, flightAfter: Int) -> Action {
        duplicateACKs = 0
        if inRecovery {
            if ack >= recover {
                // Full acknowledgment: leave recovery with the reduced window (RFC 6582 §3.2 step 3).
                inRecovery = false
                window = max(min(slowStartThreshold, flightAfter + mss), mss)
                return .none
            }
            // Partial acknowledgment: the next hole is lost too. Deflate by what was
            // acknowledged, add back one segment, and retransmit.
            window = max(window - acked + (acked >= mss ? mss : 0), mss)
            return .retransmit
        }
        if window < slowStartThreshold {
            // Slow start with appropriate byte counting, L = 2 segments (RFC 3465).
            window += min(acked, 2 * mss)
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

    /// A duplicate acknowledgment (RFC 5681 §2 definition) arrived.
    mutating func onDuplicateACK(ack: SequenceNumber, flight: Int, highestSent: SequenceNumber) -> Action {
        duplicateACKs += 1
        if inRecovery {
            window += mss
            return .none
        }
        // Three duplicates start fast retransmit, unless they belong to a loss episode
        // already handled: data sent before the last recovery or timeout (RFC 6582 §3.2
        // step 2, the "recover" check).
        guard duplicateACKs == 3, ack >= recover else { return .none }
        slowStartThreshold = max(flight / 2, 2 * mss)
        window = slowStartThreshold + 3 * mss
        recover = highestSent
        inRecovery = true
        acknowledgedInAvoidance = 0
        return .retransmit
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
        window = min(window, min(10 * mss, max(2 * mss, 65535)))
    }
}

import TernWire
