import TernWire

extension NetworkStack {
    /// ARP input (RFC 826's algorithm, with RFC 5227 conflict detection).
    func handleARP(_ payload: UnsafeRawBufferPointer, from linkSource: MACAddress) {
        let packet: ARPPacket
        do {
            packet = try ARPPacket.parse(payload)
        } catch {
            counters.drop(error == .unsupported ? .arpUnsupported : .arpMalformed)
            return
        }
        // Another host claiming our address as its own (a probe from someone looking for
        // the address has sender 0.0.0.0 and is simply answered below).
        if packet.senderIP == address && packet.senderMAC != mac {
            counters.drop(.arpAddressConflict)
            reportConflict(packet.senderMAC)
            return
        }
        // Our own announcements looped back (or forged with our MAC): nothing to learn.
        guard packet.senderMAC != mac else {
            counters.drop(.arpFromOurMAC)
            return
        }
        guard !packet.senderMAC.isMulticast, !packet.senderIP.isMulticast, !packet.senderIP.isLimitedBroadcast
        else {
            counters.drop(.arpMalformed)
            return
        }

        let forUs = packet.targetIP == address
        if !packet.senderIP.isUnspecified {
            // Update a known sender always; create an entry only for packets aimed at us.
            let waiting = arp.learn(packet.senderIP, mac: packet.senderMAC, now: now, create: forUs)
            for datagram in waiting { sendQueued(datagram, to: packet.senderMAC) }
        }
        guard forUs else {
            counters.drop(.arpNotForUs)
            return
        }
        if packet.operation == .request {
            sendARP(.reply, targetMAC: packet.senderMAC, targetIP: packet.senderIP, to: packet.senderMAC)
            counters.count(.arpRequestsAnswered)
        }
    }

    /// Sends a request for `target`: broadcast, or unicast to the MAC we are re-confirming.
    func sendARPRequest(for target: IPv4Address, knownMAC: MACAddress? = nil) {
        sendARP(.request, targetMAC: .zero, targetIP: target, to: knownMAC ?? .broadcast)
        counters.count(.arpRequestsSent)
    }

    /// RFC 5227 probe: who has our address? (sender address 0.0.0.0, so no cache learns it).
    func sendARPProbe() {
        let probe = ARPPacket(operation: .request, senderMAC: mac, senderIP: .any,
                              targetMAC: .zero, targetIP: address)
        sendARPPacket(probe, to: .broadcast)
    }

    /// Gratuitous ARP announcement: a request with our address as sender and target.
    func sendGratuitousARP() {
        let announcement = ARPPacket(operation: .request, senderMAC: mac, senderIP: address,
                                     targetMAC: .zero, targetIP: address)
        sendARPPacket(announcement, to: .broadcast)
    }

    private func sendARP(_ operation: ARPPacket.Operation, targetMAC: MACAddress, targetIP: IPv4Address,
                         to destination: MACAddress) {
        let packet = ARPPacket(operation: operation, senderMAC: mac, senderIP: address,
                               targetMAC: targetMAC, targetIP: targetIP)
        sendARPPacket(packet, to: destination)
    }

    private func sendARPPacket(_ packet: ARPPacket, to destination: MACAddress) {
        let buffer = controlBuffer
        do {
            try EthernetHeader(destination: destination, source: mac, etherType: .arp).write(to: buffer)
            try packet.write(to: buffer.view(EthernetHeader.size..<buffer.count))
        } catch {
            return
        }
        transmitFrame(buffer, length: EthernetHeader.size + ARPPacket.size)
    }

    /// Warns once per ten seconds and defends the address with an announcement (RFC 5227 §2.4).
    private func reportConflict(_ other: MACAddress) {
        if let last = lastConflictReport, now < last + .seconds(10) { return }
        lastConflictReport = now
        report(.addressConflict(address: address, claimedBy: other))
        sendGratuitousARP()
    }

    /// ARP retries and failures.
    func runARPTimers() {
        let actions = arp.expire(now: now)
        for request in actions.requests { sendARPRequest(for: request.address, knownMAC: request.knownMAC) }
        for failure in actions.failed {
            report(.resolutionFailed(failure.address))
            for datagram in failure.dropped {
                counters.drop(.arpResolutionFailed)
                datagram.withUnsafeBytes { reportUnreachable(datagram: $0) }
            }
        }
    }
}
