import TernWire

extension StackCore {
    // MARK: - Input

    /// Neighbor Discovery input (RFC 4861): solicitations for our addresses answered,
    /// advertisements fed to the neighbour cache, and both checked against the addresses
    /// under duplicate address detection (RFC 4862 §5.4.3, §5.4.4).
    func handleNDP(_ received: ReceivedIPv6, message icmp: ICMPv6Message) {
        let packet: NDPPacket
        do {
            packet = try NDPMessage.parse(icmp)
        } catch {
            counters.drop(.ndpInvalid)
            return
        }
        guard packet.isValid(in: received.header), !received.wasFragmented else {
            counters.drop(.ndpInvalid)
            return
        }
        let interface = interfaces[received.interface]
        // Our own solicitations come back on some links; they say nothing about others.
        guard received.linkSource != interface.mac else {
            counters.drop(.ndpFromOurMAC)
            return
        }
        switch packet.message {
        case .neighborSolicitation(let solicitation):
            handleNeighborSolicitation(solicitation, packet: packet, received: received, on: interface)
        case .neighborAdvertisement(let advertisement):
            handleNeighborAdvertisement(advertisement, packet: packet, received: received, on: interface)
        case .routerSolicitation where interface.ipv6.isRouter:
            handleRouterSolicitation(packet, received: received, on: interface)
        case .routerAdvertisement(let advertisement) where !interface.ipv6.isRouter:
            handleRouterAdvertisement(advertisement, packet: packet, received: received, on: interface)
        default:
            counters.drop(.icmpUnhandled)
        }
    }

    private func handleNeighborSolicitation(_ solicitation: NDPNeighborSolicitation, packet: NDPPacket,
                                            received: ReceivedIPv6, on interface: Interface) {
        let target = solicitation.target
        guard let index = interface.ipv6.index(of: target) else {
            counters.drop(.ndpNotForUs)
            return
        }
        let source = received.header.source
        switch interface.ipv6.addresses[index].state {
        case .duplicate:
            counters.drop(.ndpNotForUs)
            return
        case .tentative:
            // Another node probing the same address: it is a duplicate (§5.4.3). A
            // solicitation from a unicast source is someone resolving it: ignored.
            if source.isUnspecified {
                markDuplicate(index, claimedBy: received.linkSource, on: interface)
            } else {
                counters.drop(.ndpNotForUs)
            }
            return
        case .preferred:
            break
        }
        if source.isUnspecified {
            // Someone's duplicate address detection: defend to all nodes (§7.2.4).
            sendNeighborAdvertisement(for: target, to: .allNodes, mac: IPv6Address.allNodes.ethernetMulticastAddress,
                                      solicited: false, on: interface)
            return
        }
        if let mac = packet.summary.sourceLinkLayerAddress {
            let waiting = interface.ipv6.neighbors.solicitationReceived(from: source, mac: mac, now: now)
            sendQueuedIPv6(waiting, to: mac, on: interface)
        }
        // A unicast probe may come without its link-layer address; the frame's source is it.
        let mac = packet.summary.sourceLinkLayerAddress ?? received.linkSource
        sendNeighborAdvertisement(for: target, to: source, mac: mac, solicited: true, on: interface)
        counters.count(.neighborSolicitationsAnswered)
    }

    private func handleNeighborAdvertisement(_ advertisement: NDPNeighborAdvertisement, packet: NDPPacket,
                                             received: ReceivedIPv6, on interface: Interface) {
        let target = advertisement.target
        let claimedBy = packet.summary.targetLinkLayerAddress ?? received.linkSource
        if let index = interface.ipv6.index(of: target) {
            switch interface.ipv6.addresses[index].state {
            case .tentative:
                markDuplicate(index, claimedBy: claimedBy, on: interface)
            case .preferred:
                // Another node says it has an address we use: worth a (rate-limited) warning.
                counters.drop(.ndpAddressConflict)
                if let last = interface.lastConflictReport, now < last + .seconds(10) { return }
                interface.lastConflictReport = now
                report(.duplicateIPv6Address(address: target, claimedBy: claimedBy))
            case .duplicate:
                counters.drop(.ndpAddressConflict)
            }
            return
        }
        let flags = advertisement.flags
        let waiting = interface.ipv6.neighbors.advertisementReceived(
            target: target, mac: packet.summary.targetLinkLayerAddress, solicited: flags.contains(.solicited),
            override: flags.contains(.override), router: flags.contains(.router), reachableFor: reachableTime(),
            now: now)
        if let mac = packet.summary.targetLinkLayerAddress { sendQueuedIPv6(waiting, to: mac, on: interface) }
    }

    /// A reachable time drawn between half and one and a half times the base (RFC 4861
    /// §6.3.2), so neighbours do not all probe at once.
    func reachableTime() -> Duration {
        let base = configuration.ipv6.reachableTime.components
        let nanoseconds = UInt64(base.seconds) * 1_000_000_000 + UInt64(base.attoseconds / 1_000_000_000)
        guard nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64(nanoseconds / 2 + randomValue() % nanoseconds))
    }

    // MARK: - Duplicate address detection

    /// Makes every address of `interface` tentative and sends the first solicitation for
    /// each (RFC 4862 §5.4.2).
    func startDuplicateAddressDetection(on interface: Interface) {
        guard configuration.ipv6.duplicateAddressDetectionTransmits > 0 else {
            if interface.ipv6.isRouter { interface.ipv6.nextAdvertisement = now }
            else { interface.ipv6.nextRouterSolicitation = now }
            return
        }
        for index in interface.ipv6.addresses.indices where interface.ipv6.addresses[index].state == .preferred {
            interface.ipv6.addresses[index].state = .tentative
            interface.ipv6.addresses[index].solicitations = 1
            interface.ipv6.addresses[index].deadline = now + configuration.ipv6.retransmitTimer
            sendNeighborSolicitation(for: interface.ipv6.addresses[index].address, unicastTo: nil, on: interface,
                                     detectingDuplicates: true)
        }
    }

    /// Another node has the address: it is never used, and the operator hears of it.
    private func markDuplicate(_ index: Int, claimedBy: MACAddress?, on interface: Interface) {
        counters.drop(.ndpAddressConflict)
        interface.ipv6.addresses[index].state = .duplicate
        interface.ipv6.addresses[index].deadline = nil
        report(.duplicateIPv6Address(address: interface.ipv6.addresses[index].address, claimedBy: claimedBy))
    }

    /// When the next IPv6 timer of `interface` is due (neighbour cache or DAD).
    func ipv6Deadline(of interface: Interface) -> Instant? {
        Instant.earliest(interface.ipv6.neighbors.nextDeadline, interface.ipv6.nextDADDeadline)
    }

    /// DAD steps, solicitation retries and neighbour failures due on `interface`.
    func runIPv6Timers(on interface: Interface) {
        for index in interface.ipv6.addresses.indices {
            let local = interface.ipv6.addresses[index]
            guard local.state == .tentative, let due = local.deadline, due <= now else { continue }
            if local.solicitations >= configuration.ipv6.duplicateAddressDetectionTransmits {
                interface.ipv6.addresses[index].state = .preferred
                interface.ipv6.addresses[index].deadline = nil
                // A router advertises once its link-local address, the advertisements'
                // source, is in use (RFC 4861 §6.2.2).
                if index == 0 && interface.ipv6.isRouter { interface.ipv6.nextAdvertisement = now }
                // A host asks for routers as soon as it can (RFC 4861 §6.3.7).
                if index == 0 && !interface.ipv6.isRouter { interface.ipv6.nextRouterSolicitation = now }
            } else {
                interface.ipv6.addresses[index].solicitations += 1
                interface.ipv6.addresses[index].deadline = now + configuration.ipv6.retransmitTimer
                sendNeighborSolicitation(for: local.address, unicastTo: nil, on: interface, detectingDuplicates: true)
            }
        }
        if let due = interface.ipv6.nextAdvertisement, due <= now {
            sendRouterAdvertisement(on: interface)
            let initial = interface.ipv6.initialAdvertisementsLeft > 0
            if initial { interface.ipv6.initialAdvertisementsLeft -= 1 }
            interface.ipv6.nextAdvertisement = now + (initial ? .seconds(16)
                                                              : configuration.ipv6.routerAdvertisementInterval)
        }
        if let due = interface.ipv6.nextRouterSolicitation, due <= now {
            sendRouterSolicitation(on: interface)
        }
        if !interface.ipv6.routers.isEmpty || !interface.ipv6.advertisedPrefixes.isEmpty {
            expireRouterInformation(on: interface)
        }
        if interface.ipv6.addresses.contains(where: { $0.nextLifetimeEvent.map { $0 <= now } ?? false }) {
            expireAutoconfiguredAddresses(on: interface)
        }
        let actions = interface.ipv6.neighbors.expire(now: now)
        for solicitation in actions.solicitations {
            sendNeighborSolicitation(for: solicitation.target, unicastTo: solicitation.unicastTo, on: interface)
        }
        for failure in actions.failed {
            report(.neighborUnreachable(failure.address))
            for packet in failure.dropped {
                counters.drop(.ndpResolutionFailed)
                packet.withUnsafeBytes { reportAddressUnreachable(packet: $0, on: interface) }
            }
        }
    }

    /// Tells the source of a packet that waited in vain that its destination is unreachable
    /// (RFC 4861 §7.2.2).
    private func reportAddressUnreachable(packet bytes: UnsafeRawBufferPointer, on interface: Interface) {
        guard let packet = try? IPv6Header.parse(bytes), let chain = try? packet.headerStructure() else { return }
        let received = ReceivedIPv6(header: packet.header, packet: bytes, upperLayer: chain.upperLayer,
                                    upperLayerOffset: IPv6Header.size + chain.upperLayerOffset,
                                    payload: packet.payload.view(min(chain.upperLayerOffset, packet.payload.count)..<packet.payload.count),
                                    isMulticast: false, linkSource: interface.mac, wasFragmented: false,
                                    interface: interface.index)
        // Our own packets (the usual case) have nobody to tell.
        guard !isLocalIPv6(packet.header.source, on: interface) else { return }
        sendICMPv6Error(.destinationUnreachable(.address), about: received)
    }

    // MARK: - Output

    /// Sends a neighbour solicitation for `target`: to its solicited-node group while
    /// resolving, to `unicastTo` when probing a known neighbour; from `::` without options
    /// while detecting duplicates.
    func sendNeighborSolicitation(for target: IPv6Address, unicastTo mac: MACAddress?, on interface: Interface,
                                  detectingDuplicates: Bool = false) {
        let source: IPv6Address
        if detectingDuplicates {
            source = .unspecified
        } else {
            guard let picked = interface.ipv6.sourceAddress(for: target) else { return }
            source = picked
        }
        let destination = mac == nil ? target.solicitedNodeMulticast : target
        let options: [NDPOption] = detectingDuplicates ? [] : [.sourceLinkLayerAddress(interface.mac)]
        sendNDP(.neighborSolicitation(NDPNeighborSolicitation(target: target)), options: options, from: source,
                to: destination, mac: mac ?? destination.ethernetMulticastAddress, on: interface)
        counters.count(.neighborSolicitationsSent)
    }

    /// Sends a neighbour advertisement for our `target` with our MAC, overriding.
    func sendNeighborAdvertisement(for target: IPv6Address, to destination: IPv6Address, mac: MACAddress,
                                   solicited: Bool, on interface: Interface) {
        var flags: NDPNeighborFlags = [.override]
        if solicited { flags.insert(.solicited) }
        if interface.ipv6.isRouter { flags.insert(.router) }
        sendNDP(.neighborAdvertisement(NDPNeighborAdvertisement(flags: flags, target: target)),
                options: [.targetLinkLayerAddress(interface.mac)], from: target, to: destination, mac: mac,
                on: interface)
        counters.count(.neighborAdvertisementsSent)
    }

    /// Writes a Neighbor Discovery message with hop limit 255 straight into a frame (it
    /// never waits for resolution) in the control buffer, apart from any packet being built.
    func sendNDP(_ message: NDPMessage, options: [NDPOption], from source: IPv6Address,
                         to destination: IPv6Address, mac: MACAddress, on interface: Interface) {
        let buffer = controlBuffer
        let ipStart = EthernetHeader.size, upperStart = ipStart + IPv6Header.size
        do {
            let length = try message.write(to: buffer.view(upperStart..<buffer.count), options: options,
                                           source: source, destination: destination)
            try IPv6Header(payloadLength: UInt16(length), nextHeader: .icmpv6, hopLimit: 255, source: source,
                           destination: destination).write(to: buffer.view(ipStart..<upperStart))
            try EthernetHeader(destination: mac, source: interface.mac, etherType: .ipv6).write(to: buffer)
            transmitFrame(buffer, length: upperStart + length, on: interface)
        } catch {
            return
        }
    }
}
