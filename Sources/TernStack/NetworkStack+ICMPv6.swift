import TernWire

extension StackCore {
    /// ICMPv6 input (RFC 4443): echo answered, Neighbor Discovery handed on, errors counted.
    func handleICMPv6(_ received: ReceivedIPv6) {
        let message: ICMPv6Message
        do {
            message = try ICMPv6Header.parse(received.payload)
        } catch {
            counters.drop(.icmpTruncated)
            return
        }
        guard message.isChecksumValid(source: received.header.source, destination: received.header.destination) else {
            counters.drop(.icmpBadChecksum)
            return
        }
        let type = message.header.type
        if type.isNeighborDiscovery {
            handleNDP(received, message: message)
            return
        }
        switch type {
        case .echoRequest:
            sendEchoReply(to: received, request: message)
        case .destinationUnreachable, .packetTooBig, .timeExceeded, .parameterProblem:
            counters.count(.icmpErrorsReceived)
            handleICMPv6Error(message, on: interfaces[received.interface])
        default:
            counters.drop(.icmpUnhandled)
        }
    }

    /// The reply carries the request's identifier, sequence number and data unchanged, from
    /// the address the request was sent to (or, for a group, ours on that link).
    private func sendEchoReply(to received: ReceivedIPv6, request: ICMPv6Message) {
        let interface = interfaces[received.interface]
        let destination = received.header.destination
        let from = destination.isMulticast ? interface.ipv6.sourceAddress(for: received.header.source) : destination
        guard let from, !received.header.source.isUnspecified else {
            counters.drop(.icmpUnhandled)
            return
        }
        let length = request.bytes.count
        let outcome = sendIPv6(from: from, to: received.header.source, on: interface, protocol: .icmpv6,
                               payloadLength: length) { buffer, pseudoHeader in
            buffer.copyMemory(from: request.bytes)
            buffer[0] = ICMPv6Type.echoReply.rawValue
            buffer[1] = 0
            buffer[2] = 0
            buffer[3] = 0
            var sum = pseudoHeader
            sum.add(UnsafeRawBufferPointer(buffer))
            buffer[2] = UInt8(truncatingIfNeeded: sum.value >> 8)
            buffer[3] = UInt8(truncatingIfNeeded: sum.value)
        }
        if case .failed = outcome { return }
        counters.count(.echoRepliesSent)
    }

    /// An error about something we sent: a packet too big lowers the path MTU to its
    /// destination; a connected UDP socket hears that its peer's port or address is
    /// unreachable.
    private func handleICMPv6Error(_ message: ICMPv6Message, on interface: Interface) {
        if message.header.type == .packetTooBig {
            // Only about a packet of ours, so nobody lowers the MTU towards third parties.
            guard let quoted = message.quotedPacket, isLocalIPv6(quoted.header.source, on: interface) else { return }
            ipv6PathMTU.learn(message.header.mtu, for: quoted.header.destination, now: now)
            tcpPathMTUChanged(quoted, mtu: ipv6PathMTU.mtu(to: quoted.header.destination, linkMTU: interface.mtu,
                                                              now: now))
            return
        }
        guard message.header.type == .destinationUnreachable, let quoted = message.quotedPacket,
              let chain = try? quoted.headerChain(), chain.upperLayer == .udp,
              chain.upperLayerOffset + UDPHeader.size <= quoted.leadingPayload.count else { return }
        let udp = quoted.leadingPayload.view(chain.upperLayerOffset..<quoted.leadingPayload.count)
        let error: SocketError = message.header.code == ICMPv6UnreachableCode.port.rawValue
            ? .connectionRefused : .hostUnreachable
        udpError(error, localPort: UInt16(udp[0]) << 8 | UInt16(udp[1]), remote: .v6(quoted.header.destination),
                 remotePort: UInt16(udp[2]) << 8 | UInt16(udp[3]))
    }

    /// Tells the TCP connection a quoted segment belongs to that its path got narrower.
    private func tcpPathMTUChanged(_ quoted: ICMPv6QuotedPacket, mtu: Int) {
        guard let chain = try? quoted.headerChain(), chain.upperLayer == .tcp,
              chain.upperLayerOffset + 4 <= quoted.leadingPayload.count else { return }
        let ports = quoted.leadingPayload.view(chain.upperLayerOffset..<chain.upperLayerOffset + 4)
        let key = ConnectionKey(local: .v6(quoted.header.source), localPort: UInt16(ports[0]) << 8 | UInt16(ports[1]),
                                remote: .v6(quoted.header.destination), remotePort: UInt16(ports[2]) << 8 | UInt16(ports[3]))
        tcp.connections[key]?.reducePathMTU(mtu)
    }

    /// Sends an ICMPv6 error about `received`, unless RFC 4443 §2.4(e) forbids it: never
    /// about an ICMPv6 error or a redirect, about a packet to a group or in a link-layer
    /// group frame (but for packet too big and, with `evenToMulticast`, an unrecognised
    /// option), or to a source that does not name one node. Rate limited (§2.4(f)).
    func sendICMPv6Error(_ header: ICMPv6Header, about received: ReceivedIPv6, evenToMulticast: Bool = false) {
        let packet = received.header
        if received.isMulticast && !(evenToMulticast || header.type == .packetTooBig) { return }
        let source = packet.source
        if source.isUnspecified || source.isMulticast || source.isLoopback { return }
        if received.upperLayer == .icmpv6, received.payload.count >= 1 {
            let type = ICMPv6Type(rawValue: received.payload[0])
            if type.isError || type == .redirect { return }
        }
        guard icmpErrorLimiter.take(now: now) else {
            counters.drop(.icmpRateLimited)
            return
        }
        let interface = interfaces[received.interface]
        // From the address the packet was sent to, when ours; a router's errors about packets
        // in transit come from its address on the link they arrived by.
        let from = isLocalIPv6(packet.destination, on: interface) ? packet.destination
                                                                  : interface.ipv6.sourceAddress(for: source)
        guard let from else { return }
        let quote = min(received.packet.count, ICMPv6Header.maximumQuote)
        let outcome = sendIPv6(from: from, to: source, on: interface, protocol: .icmpv6,
                               payloadLength: ICMPv6Header.size + quote) { buffer, _ in
            _ = try? header.writeError(quoting: received.packet, to: buffer, source: from, destination: source)
        }
        if case .failed = outcome { return }
        counters.count(.icmpErrorsSent)
    }
}
