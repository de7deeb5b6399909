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
            if isPersisting { persistTimeout() } else { retransmissionTimeout() }
        }
        guard state != .closed && state != .timeWait else { return }
        if let due = lingerDeadline, due <= now {
            lingerDeadline = nil
            if state == .finWait2 { layer.terminate(self, error: nil, notify: true) }
        }
        if let due = bufferReleaseDeadline, due <= now {
            bufferReleaseDeadline = nil
            sendBuffer.releaseIfEmpty()
            if outOfOrder.isEmpty { receiveBuffer.releaseIfEmpty() }
        }
    }

    func armRetransmitTimer(restart: Bool) {
        guard restart || retransmitDeadline == nil else { return }
        retransmitDeadline = layer.now + .nanoseconds(Int64(clamping: rtt.timeout))
        layer.scheduleTimer(self)
    }

    func armDelayedACK() {
        guard delayedACKDeadline == nil else { return }
        delayedACKDeadline = layer.now + layer.configuration.delayedACKTimeout
        layer.scheduleTimer(self)
    }

    /// The persist timer (RFC 9293 §3.8.6.1): probes a closed window with exponential
    /// backoff for as long as the peer keeps answering.
    func armPersistTimer() {
        isPersisting = true
        let interval = min(max(rtt.timeout, 200_000_000) << min(persistBackoff, 20), 60_000_000_000)
        retransmitDeadline = layer.now + .nanoseconds(Int64(clamping: interval))
        layer.scheduleTimer(self)
    }

    private func persistTimeout() {
        isPersisting = false
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
            sendNext = sendUnacknowledged
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
        retransmitDeadline = nil
        delayedACKDeadline = nil
        lingerDeadline = nil
        bufferReleaseDeadline = nil
        isPersisting = false
    }
}
