import TernWire

/// Segment arrival: RFC 9293 §3.10.7, with RFC 5961's blind-attack checks, RFC 7323's
/// timestamps and PAWS, and RFC 5681/6582 acknowledgment processing.
extension TCPConnection {
    // MARK: - Opening

    /// Records what a SYN tells us: the peer's initial sequence number, window and options.
    /// `offeredOptions` is true when we sent a SYN ourselves offering window scaling,
    /// SACK and timestamps (active open); a passive open answers only what the peer offered.
    func acceptSYN(_ segment: IncomingSegment, offeredOptions: Bool) {
        irs = segment.sequence
        receiveNext = irs + 1
        advertisedEdge = receiveNext
        lastACKSent = receiveNext
        let options = segment.options
        peerMSS = max(64, Int(options.maximumSegmentSize ?? 536))
        if let shift = options.windowScale {
            windowScalingEnabled = true
            sendScale = min(shift, 14)
            receiveScale = layer.ourWindowScale
        } else {
            windowScalingEnabled = false
            sendScale = 0
            receiveScale = 0
        }
        sackEnabled = options.sackPermitted
        if let ts = options.timestamps {
            timestampsEnabled = true
            timestampRecent = ts.value
        } else {
            timestampsEnabled = false
        }
        // The window in a SYN is never scaled (RFC 7323 §2.2).
        sendWindow = Int(segment.header.window)
        maxSendWindow = sendWindow
        sendWL1 = segment.sequence
        sendWL2 = segment.acknowledgment
        updateSendMSS()
    }

    /// Sets the payload size per segment from the peer's MSS, ours and the option overhead.
    func updateSendMSS() {
        sendMSS = max(32, min(peerMSS, ourMSS) - (timestampsEnabled ? 12 : 0))
        congestion = CongestionControl(mss: sendMSS, initialSequence: iss,
                                       maximumWindow: 2 * layer.configuration.sendBufferSize)
        congestion.usesSACK = sackEnabled
    }

    /// The MSS we announce on this connection: the layer's, less IPv6's longer header
    /// (MTU − 60 over IPv6, MTU − 40 over IPv4).
    var ourMSS: Int { layer.ourMSS - ipv6Overhead }

    /// What an IPv6 header adds to an IPv4 one.
    var ipv6Overhead: Int { remoteAddress.ipv4 == nil ? IPv6Header.size - IPv4Header.minimumSize : 0 }

    /// Prepares a SYN offering every option we support.
    func prepareActiveOpen() {
        windowScalingEnabled = true
        receiveScale = layer.ourWindowScale
        timestampsEnabled = true
        sackEnabled = true
    }

    /// ICMP "fragmentation needed" (RFC 1191) or ICMPv6 packet too big (RFC 8201): shrink
    /// segments to fit the path.
    func reducePathMTU(_ mtu: Int) {
        guard mtu >= 68 else { return }
        let mss = mtu - IPv4Header.minimumSize - ipv6Overhead - TCPHeader.minimumSize - (timestampsEnabled ? 12 : 0)
        if mss >= 32 && mss < sendMSS {
            sendMSS = mss
            congestion.mss = mss
            layer.needsOutput(self)
        }
    }

    // MARK: - Arrival

    func segmentArrives(_ segment: IncomingSegment) {
        switch state {
        case .synSent:
            synSentSegmentArrives(segment)
        case .closed, .listen, .timeWait:
            return
        default:
            synchronizedSegmentArrives(segment)
            if ackBeforeNextSegment { acknowledgeAtOnce() }
        }
    }

    /// Sends the ACK owed now, inside the batch of segments being processed, as a separate
    /// segment or on data going out anyway. A sender that learns of a loss or of progress
    /// only once per batch (tens of segments on a fast link) gets too few duplicate ACKs
    /// to recover quickly, and its ACK clock stalls.
    private func acknowledgeAtOnce() {
        ackBeforeNextSegment = false
        guard ackNow else { return }
        output()
        layer.scheduleTimer(self)
    }

    /// SYN-SENT (RFC 9293 §3.10.7.3).
    private func synSentSegmentArrives(_ segment: IncomingSegment) {
        let flags = segment.flags
        if flags.contains(.ack) {
            let ack = segment.acknowledgment
            guard ack > iss && ack <= sendMax else {
                layer.drop(.tcpBadACK)
                layer.sendResetReply(to: segment)
                return
            }
        }
        if flags.contains(.rst) {
            if flags.contains(.ack) { layer.terminate(self, error: .connectionRefused, notify: true) }
            return
        }
        guard flags.contains(.syn) else {
            layer.drop(.tcpInvalidInState)
            return
        }
        acceptSYN(segment, offeredOptions: true)
        if flags.contains(.ack) {
            takeRTTSample(segment)
            sendUnacknowledged = segment.acknowledgment
            if sendNext < sendUnacknowledged { sendNext = sendUnacknowledged }
            state = finQueued ? .finWait1 : .established
            retransmitDeadline = nil
            retransmissionCount = 0
            ackNow = true
            post(.connected)
            layer.needsOutput(self)
            // Data or FIN riding on the SYN-ACK: process as if it came after the SYN.
            if !segment.payload.isEmpty || flags.contains(.fin) {
                var rest = segment
                rest.header.sequenceNumber = segment.sequence + 1
                rest.header.flags.remove(.syn)
                if !rest.payload.isEmpty { receiveData(rest) }
                if rest.flags.contains(.fin) { receiveFIN(rest) }
            }
        } else {
            // Simultaneous open: our SYN crossed theirs; answer with SYN-ACK.
            state = .synReceived
            sendNext = iss
            layer.needsOutput(self)
        }
    }

    /// Every state from SYN-RECEIVED on (RFC 9293 §3.10.7.4).
    private func synchronizedSegmentArrives(_ incoming: IncomingSegment) {
        var segment = incoming
        if state == .synReceived && segment.flags.contains(.syn) && segment.sequence == irs {
            if !segment.flags.contains(.ack) {
                // A repeated SYN means our SYN-ACK was lost: send it again.
                sendNext = iss
                layer.needsOutput(self)
                return
            }
            // Simultaneous open: the peer's SYN-ACK repeats its SYN; its ACK completes ours.
            segment.header.flags.remove(.syn)
            segment.header.sequenceNumber = irs + 1
        }
        let flags = segment.flags
        // PAWS (RFC 7323 §5): a timestamp older than the last in-order one is a stale duplicate.
        if timestampsEnabled, !flags.contains(.rst), let ts = segment.options.timestamps,
           Int32(bitPattern: ts.value &- timestampRecent) < 0, !isReorderedACK(segment, timestamp: ts.value) {
            layer.drop(.tcpPAWS)
            ackNow = true
            layer.needsOutput(self)
            return
        }

        // 1. Is any of it inside our window?
        let acceptability = acceptability(of: segment)
        if acceptability == .reject {
            layer.drop(segment.sequence + segment.length <= receiveNext ? .tcpDuplicate : .tcpOutOfWindow)
            if flags.contains(.rst) { return }
            if flags.contains(.syn) {
                // RFC 5961 §4.2: a SYN, whatever its sequence number, gets a challenge ACK,
                // which is rate limited.
                sendChallengeACK()
            } else if mayAnswerOutOfWindow(segment) {
                ackNow = true
                layer.needsOutput(self)
            }
            return
        }

        // 2. RST (RFC 5961 §3.2): only an exact match resets; others in the window get a challenge.
        if flags.contains(.rst) {
            resetArrives(segment)
            return
        }
        // 4. A SYN in a synchronized connection (RFC 5961 §4): challenge ACK, never reset.
        if flags.contains(.syn) {
            sendChallengeACK()
            return
        }
        // 5. ACK
        guard flags.contains(.ack) else {
            layer.drop(.tcpInvalidInState)
            return
        }
        if state == .synReceived {
            guard completePassiveOpen(segment) else { return }
        }
        guard acknowledgmentArrives(segment) else { return }

        // RFC 7323 §4.3: remember the timestamp of a segment that starts at or below the
        // last acknowledgment sent. So a delayed ACK echoes the earliest segment it covers,
        // a duplicate ACK for out-of-order data echoes the segment that last advanced the
        // window, and the ACK for a hole filled echoes the segment that filled it: each
        // measures the round trip the sender needs to know about. PAWS (above) already
        // refused a timestamp older than the one held.
        if timestampsEnabled, let ts = segment.options.timestamps, segment.sequence <= lastACKSent,
           Int32(bitPattern: ts.value &- timestampRecent) >= 0 {
            timestampRecent = ts.value
        }
        guard acceptability == .accept else {
            // Data into a zero window (a window probe): answer with the window as it is.
            layer.drop(.tcpOutOfWindow)
            ackNow = true
            layer.needsOutput(self)
            return
        }

        // 7. Data (urgent data is plain data to us: the urgent pointer is ignored, RFC 6093).
        if !segment.payload.isEmpty { receiveData(segment) }
        // 8. FIN
        if flags.contains(.fin) { receiveFIN(segment) }
    }

    /// A pure duplicate ACK overtaken by a later segment, which PAWS lets through as Linux
    /// does (`tcp_disordered_ack`): nothing but an ACK, at the left edge of our window,
    /// acknowledging nothing new, not changing the window, and older than TS.Recent by no
    /// more than the retransmission timeout. Dropping it would lose a duplicate ACK the
    /// sender's loss detection counts on; it can change nothing else.
    private func isReorderedACK(_ segment: IncomingSegment, timestamp: UInt32) -> Bool {
        guard segment.length == 0, segment.flags.contains(.ack), segment.sequence == receiveNext,
              segment.acknowledgment == sendUnacknowledged,
              Int(segment.header.window) << Int(sendScale) == sendWindow else { return false }
        let age = UInt64(timestampRecent &- timestamp)
        return age <= rtt.timeout / 1_000_000
    }

    private enum Acceptability {
        case accept
        /// Zero window: process its ACK and RST, not its data (RFC 9293 §3.10.7.4).
        case controlOnly
        case reject
    }

    /// RFC 9293's acceptance test, against the space we can actually buffer (at least what
    /// we advertised).
    private func acceptability(of segment: IncomingSegment) -> Acceptability {
        let window = receiveBuffer.freeSpace
        let sequence = segment.sequence
        let length = segment.length
        if length == 0 {
            if window == 0 { return sequence == receiveNext ? .accept : .reject }
            return sequence >= receiveNext && sequence < receiveNext + window ? .accept : .reject
        }
        if window == 0 { return sequence == receiveNext ? .controlOnly : .reject }
        let last = sequence + (length - 1)
        let startInside = sequence >= receiveNext && sequence < receiveNext + window
        let endInside = last >= receiveNext && last < receiveNext + window
        return startInside || endInside ? .accept : .reject
    }

    private func resetArrives(_ segment: IncomingSegment) {
        guard segment.sequence == receiveNext else {
            sendChallengeACK()
            return
        }
        switch state {
        case .synReceived:
            // A passive open goes quietly back to the listener; an active one was refused.
            layer.terminate(self, error: listener == nil ? .connectionRefused : nil, notify: listener == nil)
        case .established, .finWait1, .finWait2, .closeWait:
            layer.terminate(self, error: .connectionReset, notify: true)
        default:
            layer.terminate(self, error: nil, notify: true)
        }
    }

    /// Whether an unacceptable segment gets its duplicate ACK. Data and FINs always do (the
    /// peer may have missed our ACK and be retransmitting). A bare ACK outside the window is
    /// answered at most once per `outOfWindowACKInterval`, as Linux does: otherwise every
    /// forged ACK would make us send one to the genuine peer, and two confused ends could
    /// keep an ACK loop going.
    private func mayAnswerOutOfWindow(_ segment: IncomingSegment) -> Bool {
        guard segment.length == 0 else { return true }
        let now = layer.now
        if let last = lastOutOfWindowACK, now < last + layer.configuration.outOfWindowACKInterval { return false }
        lastOutOfWindowACK = now
        return true
    }

    /// RFC 5961's challenge ACK: tells a genuine peer where we are, gives a blind attacker
    /// nothing. Rate limited per connection, like other answers to unacceptable segments:
    /// a limit shared by the whole host would be a counter an off-path attacker can read
    /// (CVE-2016-5696).
    func sendChallengeACK() {
        let now = layer.now
        if let last = lastChallengeACK, now < last + layer.configuration.outOfWindowACKInterval { return }
        lastChallengeACK = now
        layer.count(.tcpChallengeACKs)
        ackNow = true
        layer.needsOutput(self)
    }

    /// SYN-RECEIVED → ESTABLISHED when the ACK covers our SYN; otherwise RST.
    private func completePassiveOpen(_ segment: IncomingSegment) -> Bool {
        let ack = segment.acknowledgment
        guard ack > sendUnacknowledged && ack <= sendMax else {
            layer.drop(.tcpBadACK)
            layer.sendResetReply(to: segment)
            return false
        }
        takeRTTSample(segment)
        sendUnacknowledged = iss + 1
        if sendNext < sendUnacknowledged { sendNext = sendUnacknowledged }
        retransmitDeadline = nil
        retransmissionCount = 0
        sendWindow = Int(segment.header.window) << Int(sendScale)
        maxSendWindow = max(maxSendWindow, sendWindow)
        sendWL1 = segment.sequence
        sendWL2 = ack
        state = finQueued ? .finWait1 : .established
        if let listener {
            listener.halfOpenEnded()
            self.listener = nil
            if listener.isOpen && listener.acceptQueue.count < listener.backlog {
                listener.acceptQueue.append(self)
                layer.listenerReady(listener)
            } else {
                layer.drop(.tcpBacklogFull)
                abort()
                return false
            }
        } else {
            // Simultaneous open completes.
            post(.connected)
        }
        layer.needsOutput(self)
        return true
    }

    /// ACK processing (RFC 9293 §3.10.7.4 fifth step). Returns false when the segment must
    /// not be processed further.
    private func acknowledgmentArrives(_ segment: IncomingSegment) -> Bool {
        let ack = segment.acknowledgment
        let advancesLeftEdge = ack > sendUnacknowledged
        if ack > sendMax {
            // Acknowledges something never sent.
            layer.drop(.tcpBadACK)
            ackNow = true
            layer.needsOutput(self)
            return false
        }
        // RFC 5961 §5.2: an ACK too far behind is probably blind injection.
        if maxSendWindow > 0 && ack < sendUnacknowledged - maxSendWindow {
            layer.drop(.tcpBadACK)
            sendChallengeACK()
            return false
        }
        // PRR (RFC 6937): what this ACK delivered sets the window for the sends it allows.
        // Runs after `checkSACKLoss` (defers run last first); not on the ACK that starts
        // recovery, after which only the fast retransmit goes.
        let wasInRecovery = congestion.inRecovery
        let unacknowledgedBefore = sendUnacknowledged
        let sackedAtStart = scoreboard.totalBytes
        defer {
            if wasInRecovery && congestion.inRecovery && congestion.usesSACK {
                let delivered = (sendUnacknowledged - unacknowledgedBefore) + (scoreboard.totalBytes - sackedAtStart)
                congestion.onRecoveryACK(delivered: max(0, delivered), pipe: recoveryPipe())
            }
        }
        let segmentWindow = Int(segment.header.window) << Int(sendScale)
        // RACK learns what was delivered, the cumulative part first: it notices reordering
        // against what earlier ACKs reported.
        if sackEnabled && advancesLeftEdge { rack.acknowledge(below: ack, at: layer.now) }
        if sackEnabled && !segment.options.sackBlocks.isEmpty {
            let sackedBefore = scoreboard.totalBytes
            recordSACK(segment.options.sackBlocks, ack: ack)
            if scoreboard.totalBytes > sackedBefore && ack <= sendUnacknowledged {
                // The peer reports progress: probes count from here, and the next one waits
                // for silence after this ACK.
                probesSent = 0
                if timerMode == .tailLossProbe { armRetransmitTimer(restart: true) }
            }
        }
        defer { detectLossByRACK() }

        if ack <= sendUnacknowledged {
            // RFC 5681's duplicate ACK: nothing new, no data, window unchanged, data outstanding.
            if ack == sendUnacknowledged && segment.payload.isEmpty && !segment.flags.contains(.fin)
                && segmentWindow == sendWindow && sendMax > sendUnacknowledged {
                let action = congestion.onDuplicateACK(ack: ack, flight: sendMax - sendUnacknowledged,
                                                        highestSent: sendMax, sackedBytes: scoreboard.totalBytes)
                if case .enterRecovery = action { beginRecovery() }
                layer.needsOutput(self)
            }
        } else {
            let acked = ack - sendUnacknowledged
            let dataAcked = min(acked, sendBuffer.count)
            let finAcknowledged = finQueued && !self.finAcknowledged && acked > sendBuffer.count
            if finAcknowledged { self.finAcknowledged = true }
            takeRTTSample(segment)
            sendBuffer.consume(dataAcked)
            sendBuffer.rewindIfEmpty()
            sendUnacknowledged = ack
            if sendNext < ack { sendNext = ack }
            scoreboard.removeBelow(ack)
            retransmissionCount = 0
            softError = nil
            let recovering = congestion.inRecovery
            let action = congestion.onNewACK(ack: ack, acked: dataAcked, flightAfter: sendMax - sendUnacknowledged)
            if case .retransmitFirst = action { retransmitFirstSegment() }
            if !congestion.inRecovery {
                if recovering { rack.recoveryEnded() }
                lostRanges.removeAll()
            }
            probesSent = 0
            if sendUnacknowledged == sendMax {
                if timerMode != .persist { retransmitDeadline = nil }
            } else {
                armRetransmitTimer(restart: true)
            }
            if wantsWritable && canQueueMore {
                wantsWritable = false
                post(.writable)
            }
            if sendBuffer.isEmpty { layer.scheduleBufferRelease(self) }
            if finAcknowledged {
                switch state {
                case .finWait1:
                    state = .finWait2
                    if applicationClosed { layer.armLinger(self) }
                case .closing:
                    layer.enterTimeWait(self)
                    return false
                case .lastAck:
                    layer.terminate(self, error: nil, notify: true)
                    return false
                default:
                    break
                }
            }
            layer.needsOutput(self)
        }

        // Window update (RFC 9293 §3.10.7.4): from the newest segment (SND.WL1/WL2), and as
        // in Linux from any acknowledgment that moves SND.UNA, so that SND.UNA never moves
        // without the window that goes with it; never from an acknowledgment below SND.UNA.
        // Either way the edge SND.UNA + SND.WND is one the peer offered, whatever it does
        // with its sequence numbers.
        if ack >= sendUnacknowledged
            && (advancesLeftEdge || sendWL1 < segment.sequence || (sendWL1 == segment.sequence && sendWL2 <= ack)) {
            let opened = segmentWindow > sendWindow
            sendWindow = segmentWindow
            maxSendWindow = max(maxSendWindow, segmentWindow)
            sendWL1 = segment.sequence
            sendWL2 = ack
            if sendWindow > 0 && timerMode == .persist {
                timerMode = .retransmission
                retransmitDeadline = nil
                if sendMax > sendUnacknowledged { armRetransmitTimer(restart: true) }
            }
            if opened { layer.needsOutput(self) }
        }
        return true
    }

    /// Adds the peer's SACK blocks to the scoreboard and tells RACK what they delivered,
    /// ignoring any that lie outside what is outstanding (stale or forged blocks). A first
    /// block below the ACK or inside the second is a D-SACK (RFC 2883): something arrived
    /// twice, a sign of reordering RACK's window adapts to.
    private func recordSACK(_ blocks: TCPSACKBlocks, ack: SequenceNumber) {
        let floor = SequenceNumber.max(ack, sendUnacknowledged)
        var index = 0
        for block in blocks {
            defer { index += 1 }
            if index == 0 && block.left < block.right && isDSACK(block, ack: ack, blocks: blocks) {
                rack.noteDSACK(acknowledged: sendUnacknowledged, highestSent: sendMax)
                continue
            }
            guard block.left < block.right && block.right <= sendMax && block.right > floor else { continue }
            let start = SequenceNumber.max(block.left, floor)
            _ = scoreboard.insert(start: start, end: block.right)
            rack.sack(start: start, end: block.right, at: layer.now)
        }
    }

    private func isDSACK(_ block: TCPSACKBlock, ack: SequenceNumber, blocks: TCPSACKBlocks) -> Bool {
        if block.right <= ack { return true }
        var second: TCPSACKBlock?
        var index = 0
        for other in blocks {
            if index == 1 { second = other }
            index += 1
        }
        guard let second else { return false }
        return block.left >= second.left && block.right <= second.right
    }

    /// RACK's loss detection (RFC 8985 §6.2 step 5) after an ACK or when the reorder timer
    /// fires: what it marks lost is resent, starting recovery if none is under way, and a
    /// segment whose window has not yet passed arms the reorder timer.
    func detectLossByRACK() {
        guard congestion.usesSACK, state.isSynchronized, sendMax > sendUnacknowledged else {
            if timerMode == .reorder { timerMode = .retransmission }
            return
        }
        let flight = sendMax - sendUnacknowledged
        let threshold = CongestionControl.duplicateThreshold(flight: flight, mss: sendMSS)
        let window = rack.reorderWindow(inRecovery: congestion.inRecovery,
                                        pastDuplicateThreshold: scoreboard.totalBytes > (threshold - 1) * sendMSS,
                                        smoothedRTT: rtt.smoothed)
        var found = false
        let wait = rack.detectLoss(at: layer.now, reorderWindow: window) { start, end in
            found = true
            markLost(start, end)
        }
        if found {
            layer.needsOutput(self)
            if !congestion.inRecovery {
                let action = congestion.onLossDetected(ack: sendUnacknowledged, flight: flight, highestSent: sendMax)
                if case .enterRecovery = action { beginRecovery() }
            }
        }
        if wait > 0 && timerMode != .persist {
            // The reorder timer takes the retransmit timer's place; when it has run, the
            // probe or retransmission timeout is armed again.
            timerMode = .reorder
            retransmitDeadline = layer.now.adding(nanoseconds: wait)
            layer.scheduleTimer(self)
        } else if wait == 0 && timerMode == .reorder {
            armRetransmitTimer(restart: true)
        }
    }

    /// Fast retransmit: the first segment marked lost (with SACK) or the first unacknowledged
    /// one (NewReno) goes again at once, whatever the window (RFC 5681 §3.2 step 2); the rest
    /// follows the recovery rules.
    private func beginRecovery() {
        layer.count(.tcpFastRetransmits)
        if !congestion.usesSACK || !resendLost() { retransmitFirstSegment() }
        layer.needsOutput(self)
    }

    /// Enough send space freed to be worth waking the application (a quarter of the buffer).
    private var canQueueMore: Bool {
        sendBuffer.freeSpace >= sendBuffer.capacity / 4
    }

    /// An RTT sample from the one timed segment, once it is acknowledged.
    private func takeRTTSample(_ segment: IncomingSegment) {
        if let timed = timedSegment, segment.acknowledgment > timed.sequence {
            let sample = layer.now.nanoseconds &- timed.sent.nanoseconds
            rtt.sample(sample)
            rack.noteRTT(sample)
            timedSegment = nil
        }
    }

    // MARK: - Data and FIN

    /// Seventh step: in-order data into the buffer, out-of-order data parked in place.
    func receiveData(_ segment: IncomingSegment) {
        guard state.canReceiveData else { return }
        if applicationClosed {
            if discardsInput {
                discardData(segment)
                return
            }
            // Nobody will read this: reset, as a closed BSD socket does (RFC 2525 §2.17).
            abort()
            return
        }
        var sequence = segment.sequence
        var payload = segment.payload
        if sequence < receiveNext {
            let skip = receiveNext - sequence
            guard skip < payload.count else {
                // All of it arrived before: the sender may be missing our ACK (RFC 5681 §4.2).
                layer.drop(.tcpDuplicate)
                ackNow = true
                ackBeforeNextSegment = true
                layer.needsOutput(self)
                return
            }
            payload = payload.view(skip..<payload.count)
            sequence = receiveNext
        }
        let offset = sequence - receiveNext
        let room = receiveBuffer.freeSpace - offset
        guard room > 0 else {
            layer.drop(.tcpOutOfWindow)
            ackNow = true
            ackBeforeNextSegment = true
            layer.needsOutput(self)
            return
        }
        let length = min(payload.count, room)
        let accepted = payload.view(0..<length)
        bufferReleaseDeadline = nil
        if offset == 0 {
            let before = receiveNext
            receiveBuffer.write(accepted, at: 0)
            receiveBuffer.commit(length)
            receiveNext = receiveNext + length
            let fillsHole = !outOfOrder.isEmpty
            if fillsHole, let reach = outOfOrder.popContiguous(at: receiveNext) {
                receiveBuffer.commit(reach - receiveNext)
                receiveNext = reach
            }
            layer.count(.tcpDataBytesReceived, UInt64(receiveNext - before))
            // A super-segment from a link with offloads counts as the segments it carries.
            unacknowledgedSegments += max(1, length / max(1, layer.ourMSS))
            // RFC 5681 §4.2: ACK at once when a hole fills, else at least every second segment.
            if fillsHole || unacknowledgedSegments >= 2 {
                ackNow = true
                ackBeforeNextSegment = true
            } else {
                armDelayedACK()
            }
            post(.readable)
            if let fin = pendingFIN, fin == receiveNext { acceptFIN() }
        } else {
            // A duplicate ACK (with SACK) for an out-of-order segment tells the sender about
            // the hole (RFC 5681 §4.2), even for one we cannot keep.
            ackNow = true
            let rangesBefore = outOfOrder.ranges.count
            guard outOfOrder.insert(start: sequence, end: sequence + length) else {
                layer.drop(.tcpOutOfOrderFull)
                ackBeforeNextSegment = true
                layer.needsOutput(self)
                return
            }
            receiveBuffer.write(accepted, at: offset)
            if outOfOrder.ranges.count > rangesBefore || !mayCompressDuplicateACK() {
                ackBeforeNextSegment = true
            } else {
                compressedACKs += 1
            }
        }
        noteWindowUse(dataEnd: sequence + length)
        layer.needsOutput(self)
    }

    /// Whether the duplicate ACK for a segment that only extended a SACKed range may wait
    /// for the end of the batch of segments being processed, as Linux's receiver compresses
    /// them (`tcp_comp_sack_nr`): once three duplicates have gone out for this hole — the
    /// sender has all it needs to start recovery — and fewer than `maximumCompressedACKs`
    /// are waiting. A segment that opens a new range, fills a hole or comes in order is
    /// still acknowledged at once. Without this, a sender recovering a loss in a window of
    /// hundreds of segments gets an ACK, and works through its SACK scoreboard, for every
    /// one of them.
    private func mayCompressDuplicateACK() -> Bool {
        sackEnabled && lastACKSent == receiveNext && acksAtLastNumber >= 4
            && compressedACKs < Self.maximumCompressedACKs
    }

    /// Duplicate ACKs merged into one at most (Linux's `tcp_comp_sack_nr` default).
    static let maximumCompressedACKs = 44

    /// Data after `closeDiscardingInput()`: in-order bytes are acknowledged as if read and
    /// dropped; later ones are dropped unacknowledged (the peer sends them again once the
    /// gap is filled), so nothing is ever stored.
    private func discardData(_ segment: IncomingSegment) {
        let end = segment.sequence + segment.payload.count
        if segment.sequence <= receiveNext && end > receiveNext {
            layer.count(.tcpDataBytesReceived, UInt64(end - receiveNext))
            receiveNext = end
            if let fin = pendingFIN, fin == receiveNext { acceptFIN() }
        } else if segment.sequence > receiveNext {
            layer.drop(.tcpOutOfWindow)
        }
        ackNow = true
        layer.needsOutput(self)
    }

    /// Eighth step: the FIN, accepted once every byte before it has arrived.
    func receiveFIN(_ segment: IncomingSegment) {
        switch state {
        case .established, .finWait1, .finWait2, .synReceived:
            let finSequence = segment.sequence + segment.payload.count
            if finSequence == receiveNext {
                acceptFIN()
            } else if finSequence > receiveNext {
                pendingFIN = finSequence
                ackNow = true
                layer.needsOutput(self)
            }
        default:
            // A retransmitted FIN: acknowledge it again.
            ackNow = true
            layer.needsOutput(self)
        }
    }

    private func acceptFIN() {
        receiveNext = receiveNext + 1
        pendingFIN = nil
        peerClosed = true
        ackNow = true
        post(.readable)
        switch state {
        case .synReceived, .established:
            state = .closeWait
            layer.needsOutput(self)
        case .finWait1:
            state = .closing
            layer.needsOutput(self)
        case .finWait2:
            sendACK()
            layer.enterTimeWait(self)
        default:
            layer.needsOutput(self)
        }
    }
}
