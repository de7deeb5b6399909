import TernWire

/// Segment transmission: SYNs, data under the peer's window and our congestion window,
/// Nagle and silly-window avoidance, FIN, pure ACKs and retransmissions.
extension TCPConnection {
    /// Sends whatever the state, the windows and the buffered data allow, and an ACK if
    /// one is owed and no data segment carried it.
    func output() {
        switch state {
        case .closed, .listen, .timeWait:
            return
        case .synSent:
            if sendNext == iss { sendSYN() }
            return
        case .synReceived:
            if sendNext == iss {
                sendSYN()
            } else if ackNow {
                // A challenge ACK, or the answer to a segment outside the window.
                sendACK()
            }
            return
        default:
            break
        }
        // RFC 5681 §4.1: after an idle period longer than the RTO, restart from the initial window.
        if sendNext == sendUnacknowledged && layer.now.nanoseconds &- lastSendTime.nanoseconds > rtt.timeout
            && layer.now > lastSendTime {
            congestion.restartAfterIdle()
        }
        var sentSegment = false
        if congestion.inRecovery && congestion.usesSACK {
            sentSegment = sendDuringSACKRecovery()
        } else {
            while sendNextSegment(force: false) { sentSegment = true }
        }

        // Data waiting, nothing in flight, and the window will not let it go: probe.
        if sendNext == sendUnacknowledged && unsentBytes > 0 && retransmitDeadline == nil {
            armPersistTimer()
        }
        if !sentSegment && ackNow { sendACK() }
    }

    /// Buffered bytes not yet sent.
    var unsentBytes: Int {
        let outstanding = sendNext - sendUnacknowledged
        return max(0, sendBuffer.count - min(outstanding, sendBuffer.count))
    }

    /// SACK loss recovery: while the estimate of bytes in the network (`pipe`) is below the
    /// congestion window, resend what RACK marked lost, else send new data.
    private func sendDuringSACKRecovery() -> Bool {
        var sent = false
        while true {
            let pipe = recoveryPipe()
            guard pipe < congestion.window else { break }
            if resendLost() {
                sent = true
                continue
            }
            guard sendNextSegment(force: false, pipe: pipe) else { break }
            sent = true
        }
        return sent
    }

    /// Resends one segment's worth of the first range marked lost that is still missing;
    /// returns whether it did.
    @discardableResult
    func resendLost() -> Bool {
        guard let lost = nextLostRange() else { return false }
        let length = min(lost.end - lost.start, payloadLimit, sendBuffer.count - (lost.start - sendUnacknowledged))
        guard length > 0 else { return false }
        sendDataSegment(at: lost.start, length: length, fin: false)
        if lost.start + length < lost.end { lostRanges.insert((lost.start + length, lost.end), at: 0) }
        return true
    }

    /// The first range marked lost that is still missing (trimmed to the part that is).
    private func nextLostRange() -> (start: SequenceNumber, end: SequenceNumber)? {
        while !lostRanges.isEmpty {
            var range = lostRanges.removeFirst()
            if range.start < sendUnacknowledged { range.start = sendUnacknowledged }
            guard range.start < range.end else { continue }
            if let gap = scoreboard.nextGap(from: range.start), gap.start < range.end {
                let end = SequenceNumber.min(gap.end, range.end)
                if end < range.end { lostRanges.insert((end, range.end), at: 0) }
                return (gap.start, end)
            }
            if scoreboard.highestEnd.map({ $0 <= range.start }) ?? true { return range }
        }
        return nil
    }

    /// The estimate of the bytes in the network (RFC 8985 §5 with RFC 6675's pipe): what is
    /// outstanding, less what the peer SACKed, less what is marked lost and not yet resent.
    func recoveryPipe() -> Int {
        let outstanding = sendMax - sendUnacknowledged
        var lost = 0
        for range in lostRanges where range.end > sendUnacknowledged {
            let start = SequenceNumber.max(range.start, sendUnacknowledged)
            lost += (range.end - start) - scoreboard.coveredBytes(from: start, to: range.end)
        }
        return max(0, outstanding - scoreboard.totalBytes - lost)
    }

    /// Marks a range lost; adjacent ranges merge, so the queue stays short.
    func markLost(_ start: SequenceNumber, _ end: SequenceNumber) {
        if let last = lostRanges.last, last.end == start {
            lostRanges[lostRanges.count - 1].end = end
        } else {
            lostRanges.append((start, end))
        }
    }

    /// Payload that fits in one segment beside the options it will carry: SACK blocks
    /// take room from data, as the MSS counts options too (RFC 6691).
    var payloadLimit: Int {
        guard sackEnabled && !outOfOrder.isEmpty else { return sendMSS }
        let blocks = min(outOfOrder.ranges.count, timestampsEnabled ? 3 : 4)
        return max(1, sendMSS - 4 - 8 * blocks)
    }

    /// Sends one segment if the rules allow; returns whether it did. `force` overrides
    /// Nagle and sender SWS avoidance (the persist timer's last resort for tiny windows).
    /// `pipe`, during SACK recovery, replaces the bytes outstanding in the congestion check.
    @discardableResult
    func sendNextSegment(force: Bool, pipe: Int? = nil) -> Bool {
        let outstanding = sendNext - sendUnacknowledged
        let buffered = sendBuffer.count
        let unsent = max(0, buffered - min(outstanding, buffered))
        let finSent = finQueued && (finAcknowledged || outstanding > buffered)
        let wantFIN = finQueued && !finSent
        guard unsent > 0 || wantFIN else { return false }

        let congestionRoom = pipe.map { congestion.window - $0 }
            ?? (congestion.window + congestion.limitedTransmitAllowance - outstanding)
        let usable = min(sendWindow - outstanding, congestionRoom)
        let mss = payloadLimit
        // A link with offloads takes many segments' worth at once (whole segments, so the
        // pieces it cuts are all full-sized but the last).
        var limit = mss
        if layer.linkOffloads {
            // At most half the congestion window per super-segment, so each round trip
            // still brings at least two ACKs (one lost ACK then costs no timeout).
            let half = max(2 * mss, congestion.window / 2)
            let room = min(unsent, usable, TCPLayer.superSegmentPayload, half)
            if room > mss { limit = room == unsent ? room : room / mss * mss }
        }
        let length = min(unsent, limit, max(0, usable))
        let fin = wantFIN && length == unsent
        guard length > 0 || fin else { return false }
        if length < mss && !fin && !force {
            // Nagle (RFC 896): a small segment waits while data is unacknowledged.
            // Sender SWS avoidance (RFC 1122 §4.2.3.4): a small segment goes only if it
            // empties the buffer or fills half the largest window the peer offered.
            let emptiesBuffer = length == unsent
            let nagleHolds = !noDelay && outstanding > 0
            let halfWindow = maxSendWindow > 0 && length >= maxSendWindow / 2
            guard (emptiesBuffer && !nagleHolds) || halfWindow else { return false }
        }
        let sequence = sendNext
        sendDataSegment(at: sequence, length: length, fin: fin)
        sendNext = sequence + length + (fin ? 1 : 0)
        if sendNext > sendMax { sendMax = sendNext }
        return true
    }

    /// Sends `length` buffered bytes starting at `sequence` (and a FIN after them).
    func sendDataSegment(at sequence: SequenceNumber, length: Int, fin: Bool) {
        let offset = sequence - sendUnacknowledged
        guard offset >= 0, offset + length <= sendBuffer.count else { return }
        var flags: TCPFlags = .ack
        if fin { flags.insert(.fin) }
        if length > 0 && offset + length == sendBuffer.count { flags.insert(.psh) }
        let isRetransmission = sequence < sendMax
        let (window, edge) = windowToAdvertise()
        let outcome = layer.emitSegment(
            from: localAddress, to: remoteAddress, sourcePort: localPort, destinationPort: remotePort, sequence: sequence,
            acknowledgment: receiveNext, flags: flags, window: window,
            options: segmentOptions(payloadLength: min(length, payloadLimit)),
            payloadLength: length, segmentSize: payloadLimit) { payload in
                if let base = payload.baseAddress { self.sendBuffer.copy(from: offset, length: length, to: base) }
            }
        if case .failed = outcome {
            // As good as lost on the wire: the retransmission timer will bring it back.
            if retransmitDeadline == nil || timerMode == .persist { armRetransmitTimer(restart: true) }
            return
        }
        if isRetransmission {
            layer.count(.tcpRetransmissions)
            if let timed = timedSegment, timed.sequence >= sequence { timedSegment = nil }
        } else if timedSegment == nil && length > 0 {
            timedSegment = (sequence, layer.now)
        }
        acknowledgmentSent(edge: edge)
        if sackEnabled && length > 0 { rack.recordSend(start: sequence, end: sequence + length, at: layer.now) }
        congestion.onRecoverySend(length + (fin ? 1 : 0))
        // The flight includes this segment before any timer is armed for it.
        let end = sequence + length + (fin ? 1 : 0)
        if end > sendMax { sendMax = end }
        congestion.onTransmit(flight: sendMax - sendUnacknowledged)
        // The probe timeout counts from the most recent transmission (RFC 8985 §7.2).
        if retransmitDeadline == nil || timerMode == .persist || (timerMode == .tailLossProbe && !isRetransmission) {
            armRetransmitTimer(restart: true)
        }
    }

    /// Sends `length` bytes from `sequence`: one super-segment on a link with offloads,
    /// else as many segments as it takes (the FIN, if any, on the last).
    func sendData(at sequence: SequenceNumber, length: Int, fin: Bool) {
        guard !layer.linkOffloads else {
            sendDataSegment(at: sequence, length: length, fin: fin)
            return
        }
        var offset = 0
        repeat {
            let piece = min(payloadLimit, length - offset)
            let last = offset + piece >= length
            sendDataSegment(at: sequence + offset, length: piece, fin: fin && last)
            offset += piece
        } while offset < length
    }

    /// Resends the first unacknowledged segment (fast retransmit, partial ACK).
    func retransmitFirstSegment() {
        let outstanding = sendMax - sendUnacknowledged
        guard outstanding > 0 else { return }
        let dataOutstanding = min(outstanding, sendBuffer.count)
        let length = min(dataOutstanding, payloadLimit)
        let fin = finQueued && length == sendBuffer.count && outstanding > sendBuffer.count
        sendDataSegment(at: sendUnacknowledged, length: length, fin: fin)
        let end = sendUnacknowledged + length + (fin ? 1 : 0)
        if sendNext < end { sendNext = end }
    }

    /// SYN (active open) or SYN-ACK (passive or simultaneous open), with our options.
    func sendSYN() {
        var options = TCPOptions(maximumSegmentSize: UInt16(clamping: ourMSS))
        if windowScalingEnabled { options.windowScale = receiveScale }
        options.sackPermitted = sackEnabled
        if timestampsEnabled {
            options.timestamps = TCPTimestamps(value: layer.timestampClock(offset: timestampOffset),
                                               echoReply: state == .synReceived ? timestampRecent : 0)
        }
        let isAck = state == .synReceived
        let window = UInt16(clamping: receiveBuffer.freeSpace)
        let isRetransmission = sendMax > iss
        let outcome = layer.emitSegment(
            from: localAddress, to: remoteAddress, sourcePort: localPort, destinationPort: remotePort, sequence: iss,
            acknowledgment: isAck ? receiveNext : SequenceNumber(0), flags: isAck ? [.syn, .ack] : .syn,
            window: window, options: options, payloadLength: 0) { _ in }
        sendNext = iss + 1
        if sendMax < sendNext { sendMax = sendNext }
        if case .failed = outcome { return }
        if isRetransmission {
            layer.count(.tcpRetransmissions)
            timedSegment = nil
        } else {
            timedSegment = (iss, layer.now)
        }
        if isAck { acknowledgmentSent(edge: receiveNext + Int(window)) }
        armRetransmitTimer(restart: true)
    }

    /// A segment with no data that acknowledges what we have received. It carries the
    /// highest sequence number sent: after a timeout `sendNext` has gone back, and an ACK
    /// numbered below what the peer already holds would be refused as a duplicate.
    func sendACK() {
        let (window, edge) = windowToAdvertise()
        let outcome = layer.emitSegment(
            from: localAddress, to: remoteAddress, sourcePort: localPort, destinationPort: remotePort, sequence: sendMax,
            acknowledgment: receiveNext, flags: .ack, window: window, options: segmentOptions(),
            payloadLength: 0) { _ in }
        if case .failed = outcome { return }
        acknowledgmentSent(edge: edge)
    }

    /// A zero-window probe: an ACK one below the window's left edge, which the peer must
    /// answer with its current window (as Linux probes; no data byte is committed).
    func sendWindowProbe() {
        let (window, _) = windowToAdvertise()
        layer.emitSegment(from: localAddress, to: remoteAddress, sourcePort: localPort, destinationPort: remotePort,
                          sequence: sendUnacknowledged - 1, acknowledgment: receiveNext, flags: .ack,
                          window: window, options: segmentOptions(), payloadLength: 0) { _ in }
    }

    /// Options on a synchronized segment: timestamps, and SACK blocks while we hold
    /// out-of-order data (three fit beside timestamps) — as many as the segment has room
    /// for. `sendMSS` leaves room for timestamps only, so a full-sized data segment
    /// carries no SACK blocks: with them it would exceed the MTU and never leave.
    private func segmentOptions(payloadLength: Int = 0) -> TCPOptions {
        var options = TCPOptions()
        if timestampsEnabled {
            options.timestamps = TCPTimestamps(value: layer.timestampClock(offset: timestampOffset),
                                               echoReply: timestampRecent)
        }
        if sackEnabled && !outOfOrder.isEmpty {
            let room = min(40, min(ourMSS, peerMSS) - payloadLength)
            var count = timestampsEnabled ? 3 : 4
            options.sackBlocks = outOfOrder.sackBlocks(count: count)
            while count > 0 && options.encodedLength > room {
                count -= 1
                options.sackBlocks = outOfOrder.sackBlocks(count: count)
            }
        }
        return options
    }

    /// The window field to send and the right edge it advertises. The edge never moves
    /// left, and opens only in steps worth announcing (receiver SWS avoidance).
    func windowToAdvertise() -> (field: UInt16, edge: SequenceNumber) {
        var edge = receiveNext + receiveBuffer.freeSpace
        if edge < advertisedEdge { edge = advertisedEdge }
        let growth = edge - advertisedEdge
        if growth > 0 && growth < min(receiveBuffer.capacity / 2, layer.ourMSS) {
            edge = advertisedEdge
        }
        let window = min(edge - receiveNext, 65535 << Int(receiveScale))
        let field = UInt16(clamping: window >> Int(receiveScale))
        return (field, receiveNext + (Int(field) << Int(receiveScale)))
    }

    /// Every segment we send acknowledges `receiveNext`: nothing more is owed.
    private func acknowledgmentSent(edge: SequenceNumber) {
        ackNow = false
        unacknowledgedSegments = 0
        acksAtLastNumber = receiveNext == lastACKSent ? acksAtLastNumber + 1 : 1
        compressedACKs = 0
        lastACKSent = receiveNext
        delayedACKDeadline = nil
        if edge > advertisedEdge { advertisedEdge = edge }
        lastSendTime = layer.now
    }
}
