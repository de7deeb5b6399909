import TernWire

extension StackCore {
    /// ARP input on `interface` (RFC 826's algorithm, with RFC 5227 conflict detection).
    /// Each link has its own cache: only that link's address is answered for there.
    func handleARP(_ payload: UnsafeRawBufferPointer, from linkSource: MACAddress, on interface: Interface) {
        let packet: ARPPacket
        do {
            packet = try ARPPacket.parse(payload)
        } catch {
            counters.drop(error == .unsupported ? .arpUnsupported : .arpMalformed)
            return
        }
        // Another host claiming our address as its own (a probe from someone looking for
        // the address has sender 0.0.0.0 and is simply answered below).
        if packet.senderIP == interface.address && packet.senderMAC != interface.mac {
            counters.drop(.arpAddressConflict)
            reportConflict(packet.senderMAC, on: interface)
            return
        }
        // Our own announcements looped back (or forged with our MAC): nothing to learn.
        guard packet.senderMAC != interface.mac else {
            counters.drop(.arpFromOurMAC)
            return
        }
        guard !packet.senderMAC.isMulticast, !packet.senderIP.isMulticast, !packet.senderIP.isLimitedBroadcast
        else {
            counters.drop(.arpMalformed)
            return
        }

        let forUs = packet.targetIP == interface.address
        if !packet.senderIP.isUnspecified {
            // Update a known sender always; create an entry only for packets aimed at us.
            let waiting = interface.arp.learn(packet.senderIP, mac: packet.senderMAC, now: now, create: forUs)
            for datagram in waiting { sendQueued(datagram, to: packet.senderMAC, on: interface) }
        }
        guard forUs else {
            counters.drop(.arpNotForUs)
            return
        }
        if packet.operation == .request {
            sendARP(.reply, targetMAC: packet.senderMAC, targetIP: packet.senderIP, to: packet.senderMAC, on: interface)
            counters.count(.arpRequestsAnswered)
        }
    }

    /// Sends a request for `target`: broadcast, or unicast to the MAC we are re-confirming.
    func sendARPRequest(for target: IPv4Address, knownMAC: MACAddress? = nil, on interface: Interface) {
        sendARP(.request, targetMAC: .zero, targetIP: target, to: knownMAC ?? .broadcast, on: interface)
        counters.count(.arpRequestsSent)
    }

    /// RFC 5227 probe: who has our address? (sender address 0.0.0.0, so no cache learns it).
    func sendARPProbe(on interface: Interface) {
        let probe = ARPPacket(operation: .request, senderMAC: interface.mac, senderIP: .any,
                              targetMAC: .zero, targetIP: interface.address)
        sendARPPacket(probe, to: .broadcast, on: interface)
    }

    /// Gratuitous ARP announcement: a request with our address as sender and target.
    func sendGratuitousARP(on interface: Interface) {
        let announcement = ARPPacket(operation: .request, senderMAC: interface.mac, senderIP: interface.address,
                                     targetMAC: .zero, targetIP: interface.address)
        sendARPPacket(announcement, to: .broadcast, on: interface)
    }

    private func sendARP(_ operation: ARPPacket.Operation, targetMAC: MACAddress, targetIP: IPv4Address,
                         to destination: MACAddress, on interface: Interface) {
        let packet = ARPPacket(operation: operation, senderMAC: interface.mac, senderIP: interface.address,
                               targetMAC: targetMAC, targetIP: targetIP)
        sendARPPacket(packet, to: destination, on: interface)
    }

    private func sendARPPacket(_ packet: ARPPacket, to destination: MACAddress, on interface: Interface) {
        let buffer = controlBuffer
        do {
            try EthernetHeader(destination: destination, source: interface.mac, etherType: .arp).write(to: buffer)
            try packet.write(to: buffer.view(EthernetHeader.size..<buffer.count))
        } catch {
            return
        }
        transmitFrame(buffer, length: EthernetHeader.size + ARPPacket.size, on: interface)
    }

    /// Warns once per ten seconds and defends the address with an announcement (RFC 5227 §2.4).
    private func reportConflict(_ other: MACAddress, on interface: Interface) {
        if let last = interface.lastConflictReport, now < last + .seconds(10) { return }
        interface.lastConflictReport = now
        report(.addressConflict(address: interface.address, claimedBy: other))
        sendGratuitousARP(on: interface)
    }

    /// ARP retries and failures on `interface`.
    func runARPTimers(on interface: Interface) {
        let actions = interface.arp.expire(now: now)
        for request in actions.requests {
            sendARPRequest(for: request.address, knownMAC: request.knownMAC, on: interface)
        }
        for failure in actions.failed {
            report(.resolutionFailed(failure.address))
            for datagram in failure.dropped {
                counters.drop(.arpResolutionFailed)
                datagram.withUnsafeBytes { reportUnreachable(datagram: $0) }
            }
        }
    }
}
