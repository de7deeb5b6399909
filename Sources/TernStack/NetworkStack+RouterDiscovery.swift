import TernWire

extension StackCore {
    // MARK: - Router

    /// A forwarding host's advertisement (RFC 4861 §6.2.3), to all nodes: itself as a
    /// default router, the link's MTU and its prefixes, on-link and (for /64s) open to
    /// autoconfiguration.
    func sendRouterAdvertisement(on interface: Interface) {
        guard interface.ipv6.isAssigned(interface.ipv6.linkLocal) else { return }
        let message = NDPRouterAdvertisement(currentHopLimit: configuration.ipv6.hopLimit,
                                             routerLifetime: configuration.ipv6.routerLifetime,
                                             reachableTime: 0, retransTimer: 0)
        var options: [NDPOption] = [.sourceLinkLayerAddress(interface.mac), .mtu(UInt32(interface.mtu))]
        for local in interface.ipv6.addresses where !local.address.isLinkLocal && local.subnet.prefixLength < 128 {
            let prefix = local.subnet.normalized
            options.append(.prefixInformation(NDPPrefixInformation(
                prefix: prefix.address, prefixLength: UInt8(prefix.prefixLength), onLink: true,
                autonomous: prefix.prefixLength == 64, validLifetime: 2_592_000, preferredLifetime: 604_800)))
            // 32 bytes each; what fits in one 1280-byte packet.
            if options.count >= 30 { break }
        }
        sendNDP(.routerAdvertisement(message), options: options, from: interface.ipv6.linkLocal, to: .allNodes,
                mac: IPv6Address.allNodes.ethernetMulticastAddress, on: interface)
        counters.count(.routerAdvertisementsSent)
    }

    /// A solicitation: its sender is noted (STALE) and answered with an advertisement to all
    /// nodes, at most one every three seconds (MIN_DELAY_BETWEEN_RAS).
    func handleRouterSolicitation(_ packet: NDPPacket, received: ReceivedIPv6, on interface: Interface) {
        let source = received.header.source
        if !source.isUnspecified, let mac = packet.summary.sourceLinkLayerAddress {
            let waiting = interface.ipv6.neighbors.solicitationReceived(from: source, mac: mac, now: now)
            sendQueuedIPv6(waiting, to: mac, on: interface)
        }
        if let last = interface.ipv6.lastSolicitedAdvertisement, now < last + .seconds(3) { return }
        interface.ipv6.lastSolicitedAdvertisement = now
        sendRouterAdvertisement(on: interface)
    }

    // MARK: - Host

    /// Up to three solicitations four seconds apart (MAX_RTR_SOLICITATIONS,
    /// RTR_SOLICITATION_INTERVAL), until a router answers.
    func sendRouterSolicitation(on interface: Interface) {
        interface.ipv6.nextRouterSolicitation = nil
        guard interface.ipv6.routers.isEmpty, interface.ipv6.routerSolicitationsSent < 3,
              interface.ipv6.isAssigned(interface.ipv6.linkLocal) else { return }
        interface.ipv6.routerSolicitationsSent += 1
        sendNDP(.routerSolicitation(NDPRouterSolicitation()), options: [.sourceLinkLayerAddress(interface.mac)],
                from: interface.ipv6.linkLocal, to: .allRouters,
                mac: IPv6Address.allRouters.ethernetMulticastAddress, on: interface)
        if interface.ipv6.routerSolicitationsSent < 3 { interface.ipv6.nextRouterSolicitation = now + .seconds(4) }
    }

    /// An advertisement heard by a host (RFC 4861 §6.3.4): the router becomes (or stops
    /// being) a default router, on-link prefixes are noted, and with autoconfiguration a
    /// /64 prefix gives an address (RFC 4862 §5.5.3).
    func handleRouterAdvertisement(_ advertisement: NDPRouterAdvertisement, packet: NDPPacket,
                                   received: ReceivedIPv6, on interface: Interface) {
        let router = received.header.source
        if advertisement.routerLifetime == 0 {
            interface.ipv6.routers[router] = nil
        } else if interface.ipv6.routers[router] != nil || interface.ipv6.routers.count < 16 {
            interface.ipv6.routers[router] = now + .seconds(Int64(advertisement.routerLifetime))
        }
        if let mac = packet.summary.sourceLinkLayerAddress {
            let waiting = interface.ipv6.neighbors.solicitationReceived(from: router, mac: mac, now: now)
            sendQueuedIPv6(waiting, to: mac, on: interface)
        }
        var iterator = NDPOptionIterator(packet.options)
        while let raw = try? iterator.next() {
            guard case .prefixInformation(let information) = raw.decoded, let subnet = information.subnet,
                  !subnet.address.isLinkLocal, !subnet.address.isMulticast else { continue }
            let prefix = subnet.normalized
            if information.onLink {
                if information.validLifetime == 0 {
                    interface.ipv6.advertisedPrefixes[prefix] = nil
                } else if interface.ipv6.advertisedPrefixes[prefix] != nil || interface.ipv6.advertisedPrefixes.count < 16 {
                    let lifetime = min(UInt64(information.validLifetime), 365 * 86_400)
                    interface.ipv6.advertisedPrefixes[prefix] = now + .seconds(Int64(lifetime))
                }
            }
            if configuration.ipv6.autoconfigure && information.autonomous && prefix.prefixLength == 64
                && information.validLifetime > 0 && information.preferredLifetime <= information.validLifetime {
                autoconfigure(prefix, on: interface)
            }
        }
    }

    /// Takes the address of `prefix` with our interface identifier, after DAD.
    private func autoconfigure(_ prefix: IPv6Subnet, on interface: Interface) {
        let address = IPv6Address(prefix: prefix.address,
                                  interfaceIdentifier: IPv6Address.interfaceIdentifier(fromMAC: interface.mac))
        guard interface.ipv6.index(of: address) == nil, interface.ipv6.addresses.count < 16,
              let subnet = IPv6Subnet(address: address, prefixLength: 64) else { return }
        let transmits = configuration.ipv6.duplicateAddressDetectionTransmits
        interface.ipv6.addresses.append(IPv6LocalAddress(subnet: subnet, state: transmits > 0 ? .tentative : .preferred,
                                                         solicitations: transmits > 0 ? 1 : 0,
                                                         deadline: transmits > 0 ? now + configuration.ipv6.retransmitTimer : nil))
        if transmits > 0 {
            sendNeighborSolicitation(for: address, unicastTo: nil, on: interface, detectingDuplicates: true)
        }
        report(.ipv6AddressAutoconfigured(subnet))
    }

    /// Forgets routers and prefixes whose lifetime is over.
    func expireRouterInformation(on interface: Interface) {
        interface.ipv6.routers = interface.ipv6.routers.filter { now < $0.value }
        interface.ipv6.advertisedPrefixes = interface.ipv6.advertisedPrefixes.filter { now < $0.value }
    }
}
