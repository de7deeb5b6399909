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
            // RFC 4862 §5.5.3 c: a preferred lifetime beyond the valid one is ignored.
            if configuration.ipv6.autoconfigure && information.autonomous && prefix.prefixLength == 64
                && information.preferredLifetime <= information.validLifetime {
                autoconfigure(prefix, information, on: interface)
            }
        }
    }

    /// The instant a lifetime in seconds from now ends; nil for the infinite 0xFFFFFFFF.
    private func lifetimeEnd(_ seconds: UInt32) -> Instant? {
        seconds == .max ? nil : now + .seconds(Int64(seconds))
    }

    /// Takes the address of `prefix` with our interface identifier, after DAD, for the
    /// prefix's lifetimes (RFC 4862 §5.5.3 d); for an address already taken, updates them
    /// (§5.5.3 e).
    private func autoconfigure(_ prefix: IPv6Subnet, _ information: NDPPrefixInformation, on interface: Interface) {
        let address = IPv6Address(prefix: prefix.address,
                                  interfaceIdentifier: IPv6Address.interfaceIdentifier(fromMAC: interface.mac))
        if let index = interface.ipv6.index(of: address) {
            // One the operator configured keeps living for ever.
            if interface.ipv6.addresses[index].autoconfigured { renewLifetimes(index, information, on: interface) }
            return
        }
        guard information.validLifetime > 0, interface.ipv6.addresses.count < 16,
              let subnet = IPv6Subnet(address: address, prefixLength: 64) else { return }
        let transmits = configuration.ipv6.duplicateAddressDetectionTransmits
        var local = IPv6LocalAddress(subnet: subnet, state: transmits > 0 ? .tentative : .preferred,
                                     solicitations: transmits > 0 ? 1 : 0,
                                     deadline: transmits > 0 ? now + configuration.ipv6.retransmitTimer : nil)
        local.autoconfigured = true
        local.preferredUntil = lifetimeEnd(information.preferredLifetime)
        local.validUntil = lifetimeEnd(information.validLifetime)
        local.deprecated = information.preferredLifetime == 0
        interface.ipv6.addresses.append(local)
        if transmits > 0 {
            sendNeighborSolicitation(for: address, unicastTo: nil, on: interface, detectingDuplicates: true)
        }
        report(.ipv6AddressAutoconfigured(subnet))
    }

    /// A later advertisement of the prefix of an autoconfigured address (RFC 4862 §5.5.3 e):
    /// the preferred lifetime is reset to the advertised one; the valid lifetime too when
    /// the advertised one exceeds two hours or what is left, else what is left is kept if
    /// it is two hours or less, or cut to two hours. So an unauthenticated advertisement
    /// cannot take an address away at once.
    private func renewLifetimes(_ index: Int, _ information: NDPPrefixInformation, on interface: Interface) {
        let twoHours = Duration.seconds(7200)
        var local = interface.ipv6.addresses[index]
        local.preferredUntil = lifetimeEnd(information.preferredLifetime)
        local.deprecated = information.preferredLifetime == 0
        let advertised = lifetimeEnd(information.validLifetime)
        let advertisedSpan: Duration? = information.validLifetime == .max ? nil : .seconds(Int64(information.validLifetime))
        let remaining: Duration? = local.validUntil.map { $0 > now ? $0 - now : .zero }
        if advertisedSpan.map({ $0 > twoHours }) ?? true {
            local.validUntil = advertised
        } else if let remaining, let span = advertisedSpan, span > remaining {
            local.validUntil = advertised
        } else if remaining.map({ $0 > twoHours }) ?? true {
            local.validUntil = now + twoHours
        }
        interface.ipv6.addresses[index] = local
    }

    /// Forgets routers and prefixes whose lifetime is over.
    func expireRouterInformation(on interface: Interface) {
        interface.ipv6.routers = interface.ipv6.routers.filter { now < $0.value }
        interface.ipv6.advertisedPrefixes = interface.ipv6.advertisedPrefixes.filter { now < $0.value }
    }

    /// Deprecates the autoconfigured addresses whose preferred lifetime is over and removes
    /// those whose valid lifetime is (RFC 4862 §5.5.4).
    func expireAutoconfiguredAddresses(on interface: Interface) {
        var index = interface.ipv6.addresses.count - 1
        while index > 0 {
            let local = interface.ipv6.addresses[index]
            if local.autoconfigured {
                if let end = local.validUntil, end <= now {
                    interface.ipv6.addresses.remove(at: index)
                    report(.ipv6AddressExpired(local.subnet))
                } else if !local.deprecated, let end = local.preferredUntil, end <= now {
                    interface.ipv6.addresses[index].deprecated = true
                }
            }
            index -= 1
        }
    }
}
