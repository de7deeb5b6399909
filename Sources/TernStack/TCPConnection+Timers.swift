import TernWire

/// The connection's timers: retransmission (RFC 6298), zero-window persistence, delayed
/// ACK, the FIN-WAIT-2 limit and returning idle buffers.
extension TCPConnection {
    /// The earliest deadline of any timer, nil when none is armed.
    var nextDeadline: Instant? {
        Instant.earliest(Instant.earliest(retransmitDeadline, delayedACKDeadline),
                         Instant.earliest(lingerDeadline, bufferReleaseDeadline))
    }

    /// Runs every timer that is due.
    func runTimers() {
        let now = layer.now
        if let due = delayedACKDeadline, due <= now {
            delayedACKDeadline = nil
            if unacknowledgedSegments > 0 {
                ackNow = true
                layer.needsOutput(self)
            }
        }
        if let due = retransmitDeadline, due <= now {
            retransmitDeadline = nil
            switch timerMode {
            case .persist: persistTimeout()
            case .tailLossProbe: tailLossProbe()
            case .retransmission: retransmissionTimeout()
            case .reorder: reorderTimeout()
            }
        }
        guard state != .closed && state != .timeWait else { return }
        if let due = lingerDeadline, due <= now {
            lingerDeadline = nil
            if state == .finWait2 { layer.terminate(self, error: nil, notify: true) }
        }
        if let due = bufferReleaseDeadline, due <= now {
            bufferReleaseDeadline = nil
            sendBuffer.releaseIfEmpty()
            if rack.isEmpty { rack.release() }
            if outOfOrder.isEmpty { receiveBuffer.releaseIfEmpty() }
        }
    }

    /// Loss probes sent in a row before the retransmission timeout takes over. A Linux
    /// receiver that reads a flight in one batch answers it with one ACK: with a single probe,
    /// losing that ACK and the probe's answer left only the timeout (200 ms at least, thousands
    /// of round trips on a virtual link). A second probe, after twice the wait, makes that a
    /// triple loss.
    static let maximumProbes = 2

    /// What the probe timeout adds to 2·SRTT: Linux's two clock ticks at HZ=250.
    static let probeSlack: UInt64 = 8_000_000

    /// Arms the retransmit timer: a loss probe first when one is allowed (SACK, an RTT
    /// estimate, fewer than `maximumProbes` unanswered), else the RTO.
    ///
    /// RFC 8985 §7.2 probes only outside recovery. We probe in recovery too: there a window
    /// full of data can end with the last ACKs lost, or with a retransmission lost and nothing
    /// left to send that would bring the SACKs revealing it; either way only the timeout would
    /// follow. The probe resends the first hole, which repairs the one case and draws an ACK
    /// in the other, and it comes only after two round trips of silence.
    func armRetransmitTimer(restart: Bool) {
        guard restart || retransmitDeadline == nil else { return }
        var timeout = rtt.timeout
        timerMode = .retransmission
        if sackEnabled && probesSent < Self.maximumProbes && state.isSynchronized, let srtt = rtt.smoothed {
            // PTO = 2·SRTT plus two ticks of the kernel's clock, as Linux computes it (8 ms
            // on these machines, HZ=250): on a virtual link a round trip is tens of
            // microseconds, but a receiver that is a process, or the kernel under load,
            // answers a burst after scheduling delays of milliseconds, and a bare 2·SRTT (a
            // 1 ms floor, then 2 ms added) fired probes on clean links. With one segment in
            // flight the peer may be holding a delayed ACK, so allow for that too. Each
            // further probe waits twice as long.
            var probe = 2 * srtt + Self.probeSlack
            if sendMax - sendUnacknowledged <= sendMSS {
                probe += layer.delayedACKNanoseconds + 10_000_000
            }
            probe <<= probesSent
            if probe < timeout {
                timeout = probe
                timerMode = .tailLossProbe
            }
        }
        retransmitDeadline = layer.now.adding(nanoseconds: timeout)
        layer.scheduleTimer(self)
    }

    /// Sends new data, or resends the first hole or the last segment, so that a loss at the
    /// tail of a flight shows up in a SACK instead of waiting for the retransmission timeout.
    private func tailLossProbe() {
        probesSent += 1
        guard state.isSynchronized, sendMax > sendUnacknowledged else { return }
        layer.count(.tcpTailLossProbes)
        let room = sendWindow - (sendNext - sendUnacknowledged)
        let canSendNew = unsentBytes > 0 && room > 0 && sendNext == sendMax
        if let hole = scoreboard.nextGap(from: sendUnacknowledged), congestion.inRecovery || !canSendNew {
            // SACKs already show a hole: resend its start. In recovery this comes before new
            // data: the hole's retransmission may be what was lost.
            sendDataSegment(at: hole.start, length: min(hole.end - hole.start, payloadLimit), fin: false)
        } else if canSendNew {
            // New data, regardless of the congestion window: two segments where there are,
            // since a Linux receiver answers two full segments at once but may hold its ACK
            // for one (delayed ACK, up to 40 ms).
            let length = min(unsentBytes, 2 * payloadLimit, room)
            let sequence = sendNext
            sendData(at: sequence, length: length, fin: false)
            sendNext = sequence + length
            sendMax = sendNext
        } else {
            // Resend the last two segments: a Linux receiver answers two full segments at once,
            // where it would hold the ACK for one (delayed ACK, up to 40 ms).
            let dataEnd = sendUnacknowledged + min(sendMax - sendUnacknowledged, sendBuffer.count)
            let start = SequenceNumber.max(sendUnacknowledged, dataEnd - 2 * payloadLimit)
            let fin = finQueued && !finAcknowledged && sendMax > dataEnd
            sendData(at: start, length: dataEnd - start, fin: fin)
        }
        armRetransmitTimer(restart: true)
    }

    /// RACK's reorder timer (RFC 8985 §6.3): a segment's reordering window has passed with
    /// no news of it; loss detection runs again, then the probe or timeout takes over.
    private func reorderTimeout() {
        timerMode = .retransmission
        detectLossByRACK()
        if retransmitDeadline == nil && sendMax > sendUnacknowledged { armRetransmitTimer(restart: true) }
    }

    func armDelayedACK() {
        guard delayedACKDeadline == nil else { return }
        delayedACKDeadline = layer.now.adding(nanoseconds: layer.delayedACKNanoseconds)
        layer.scheduleTimer(self)
    }

    /// The persist timer (RFC 9293 §3.8.6.1): probes a closed window with exponential
    /// backoff for as long as the peer keeps answering.
    func armPersistTimer() {
        timerMode = .persist
        let interval = min(max(rtt.timeout, 200_000_000) << min(persistBackoff, 20), 60_000_000_000)
        retransmitDeadline = layer.now + .nanoseconds(Int64(clamping: interval))
        layer.scheduleTimer(self)
    }

    private func persistTimeout() {
        timerMode = .retransmission
        guard state.isSynchronized, unsentBytes > 0 || (finQueued && sendNext == sendUnacknowledged) else { return }
        if sendWindow > 0 {
            // A window too small for the SWS rules: send what fits rather than wait forever.
            persistBackoff = 0
            sendNextSegment(force: true)
            return
        }
        persistBackoff += 1
        sendWindowProbe()
        armPersistTimer()
    }

    /// RFC 6298 §5.4–5.7: back off, collapse the congestion window, resend from the
    /// first unacknowledged byte; give up after the configured number of attempts.
    private func retransmissionTimeout() {
        let configuration = layer.configuration
        switch state {
        case .synSent, .synReceived:
            retransmissionCount += 1
            guard retransmissionCount <= configuration.maximumSynRetransmissions else {
                let passive = listener != nil
                layer.terminate(self, error: passive ? nil : (softError ?? .timedOut), notify: !passive)
                return
            }
            layer.count(.tcpTimeouts)
            rtt.backOff()
            sendNext = iss
            sendSYN()
        default:
            guard sendMax > sendUnacknowledged else { return }
            retransmissionCount += 1
            guard retransmissionCount <= configuration.maximumRetransmissions else {
                layer.sendReset(for: self)
                layer.terminate(self, error: softError ?? .timedOut, notify: true)
                return
            }
            layer.count(.tcpTimeouts)
            congestion.onTimeout(flight: sendMax - sendUnacknowledged, highestSent: sendMax)
            rtt.backOff()
            timedSegment = nil
            // Go back to the first unacknowledged byte; the peer may have reneged on what it
            // SACKed (RFC 6675 §5.1), so the scoreboard starts over.
            sendNext = sendUnacknowledged
            scoreboard.removeAll()
            rack.timedOut()
            lostRanges.removeAll()
            armRetransmitTimer(restart: true)
            layer.needsOutput(self)
        }
    }

    /// Frees the buffers and stops every timer: the connection is over. With
    /// `keepingReceived`, in-order data the application has not read yet stays readable
    /// (after a normal close the peer's last bytes and its FIN may arrive together, before
    /// the application had a chance to read them); it is freed once read.
    func releaseEverything(keepingReceived: Bool = false) {
        sendBuffer.discardAll()
        if keepingReceived {
            receiveBuffer.releaseIfEmpty()
        } else {
            receiveBuffer.discardAll()
        }
        outOfOrder.removeAll()
        rack.release()
        lostRanges = []
        returnReceiveBufferGrowth()
        retransmitDeadline = nil
        delayedACKDeadline = nil
        lingerDeadline = nil
        bufferReleaseDeadline = nil
        timerMode = .retransmission
    }
}
