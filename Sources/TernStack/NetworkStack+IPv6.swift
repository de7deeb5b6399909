import TernWire

/// An IPv6 packet addressed to us, whole, with its upper layer found.
struct ReceivedIPv6 {
    var header: IPv6Header
    /// The packet from its IPv6 header on, for quoting in ICMPv6 errors.
    var packet: UnsafeRawBufferPointer
    /// The upper-layer protocol and its bytes.
    var upperLayer: IPProtocol
    var upperLayerOffset: Int
    var payload: UnsafeRawBufferPointer
    /// Sent to a multicast group (IPv6 or link layer): never answered with most errors.
    var isMulticast: Bool
    /// The Ethernet source, for Neighbor Discovery's checks.
    var linkSource: MACAddress
    /// Reassembled from fragments.
    var wasFragmented: Bool
    var interface: Int
}

extension StackCore {
    // MARK: - Input

    /// IPv6 input on `interface` (RFC 8200): our unicast addresses (link-local ones only on
    /// their own link), the groups we joined; extension headers judged as a destination
    /// must (unknown options by their action bits, routing headers with segments left
    /// refused, unknown upper layers answered with a parameter problem).
    func handleIPv6(_ bytes: UnsafeRawBufferPointer, from linkSource: MACAddress, linkMulticast: Bool,
                    on interface: Interface) {
        let packet: IPv6Packet
        do {
            packet = try IPv6Header.parse(bytes)
        } catch {
            counters.drop(.ipv6Malformed)
            return
        }
        let header = packet.header
        let destination = header.destination
        let isMulticast = destination.isMulticast
        if isMulticast {
            guard interface.ipv6.accepts(group: destination) else {
                counters.drop(.ipv6NotForUs)
                return
            }
        } else if !isLocalIPv6(destination, on: interface) {
            // A tentative address takes nothing but Neighbor Discovery (RFC 4862 §5.4), which
            // goes to its solicited-node group.
            if forwarding && interfaces.allSatisfy({ $0.ipv6.index(of: destination) == nil }) {
                forwardIPv6(packet, linkMulticast: linkMulticast, from: interface)
            } else {
                counters.drop(.ipv6NotForUs)
            }
            return
        } else if linkMulticast {
            // A unicast packet in a link-layer group frame is suspicious (RFC 1122 §3.3.6).
            counters.drop(.ipv6NotForUs)
            return
        }
        let source = header.source
        guard !source.isMulticast, !source.isLoopback, !isLocalIPv6(source, on: interface) else {
            counters.drop(.ipv6BadSource)
            return
        }
        let (disposition, chain) = packet.receiverDisposition(knowsUpperLayer: StackCore.knowsIPv6UpperLayer)
        let whole = bytes.view(0..<IPv6Header.size + packet.payload.count)
        switch disposition {
        case .process:
            break
        case .discard:
            counters.drop(.ipv6HeaderRefused)
            return
        case .discardAndReport(let code, let pointer):
            counters.drop(.ipv6HeaderRefused)
            // The upper layer, where the structure shows it, so an ICMPv6 error behind a bad
            // header is still never answered with an error.
            var received = ReceivedIPv6(header: header, packet: whole, upperLayer: .noNextHeader, upperLayerOffset: 0,
                                        payload: UnsafeRawBufferPointer(start: nil, count: 0),
                                        isMulticast: isMulticast || linkMulticast, linkSource: linkSource,
                                        wasFragmented: false, interface: interface.index)
            if let structure = try? packet.headerStructure(), structure.upperLayerOffset <= packet.payload.count {
                received.upperLayer = structure.upperLayer
                received.upperLayerOffset = IPv6Header.size + structure.upperLayerOffset
                received.payload = packet.payload.view(structure.upperLayerOffset..<packet.payload.count)
            }
            sendICMPv6Error(.parameterProblem(code, pointer: UInt32(pointer)), about: received,
                            evenToMulticast: code == .unrecognizedOption)
            return
        }
        guard let chain else { return }
        if chain.fragment?.isFragment == true {
            handleIPv6Fragment(packet, chain: chain, linkSource: linkSource, isMulticast: isMulticast, on: interface)
            return
        }
        let upperOffset = chain.upperLayerOffset
        deliverIPv6(ReceivedIPv6(header: header, packet: whole, upperLayer: chain.upperLayer,
                                 upperLayerOffset: IPv6Header.size + upperOffset,
                                 payload: packet.payload.view(upperOffset..<packet.payload.count),
                                 isMulticast: isMulticast || linkMulticast, linkSource: linkSource,
                                 wasFragmented: false, interface: interface.index))
    }

    /// Hands a whole packet to its upper layer.
    func deliverIPv6(_ packet: ReceivedIPv6) {
        counters.count(.ipv6PacketsDelivered)
        switch packet.upperLayer {
        case .icmpv6:
            handleICMPv6(packet)
        case .udp:
            handleUDPv6(packet)
        case .tcp:
            let header = packet.header
            tcp.handle(packet.payload, source: .v6(header.source), destination: .v6(header.destination),
                       pseudoHeader: InternetChecksum.pseudoHeader(source: header.source, destination: header.destination,
                                                                   nextHeader: .tcp, length: packet.payload.count),
                       isBroadcast: packet.isMulticast)
        default:
            // No next header: nothing to do (RFC 8200 §4.7).
            break
        }
    }

    /// The upper layers the host speaks over IPv6; others get a parameter problem.
    static func knowsIPv6UpperLayer(_ proto: IPProtocol) -> Bool {
        proto == .tcp || proto == .udp || proto == .icmpv6
    }

    /// The address a connection to `destination` is made from.
    func unicastSourceIPv6(toReach destination: IPv6Address) throws(SocketError) -> IPv6Address {
        guard !destination.isUnspecified, !destination.isMulticast, !destination.isLoopback else {
            throw .invalidArgument
        }
        guard let (link, _) = ipv6Route(to: destination, from: nil, on: nil),
              let source = link.ipv6.sourceAddress(for: destination) else { throw .networkUnreachable }
        return source
    }

    /// Whether `address` is one of ours in use: a link-local address only on its own link
    /// (it means nothing elsewhere), any other on any link (the weak host model, as Linux).
    @inline(__always)
    func isLocalIPv6(_ address: IPv6Address, on interface: Interface) -> Bool {
        if address.isLinkLocal { return interface.ipv6.isAssigned(address) }
        for candidate in interfaces where candidate.ipv6.isAssigned(address) { return true }
        return false
    }

    /// UDP over IPv6: the checksum is mandatory; sockets are shared by both families.
    func handleUDPv6(_ packet: ReceivedIPv6) {
        let udp: UDPDatagram
        do {
            udp = try UDPHeader.parse(packet.payload)
        } catch {
            counters.drop(error == .truncated ? .udpTruncated : .udpBadLength)
            return
        }
        guard udp.isChecksumValid(source: packet.header.source, destination: packet.header.destination) else {
            counters.drop(.udpBadChecksum)
            return
        }
        let source = IPAddress.v6(packet.header.source), sourcePort = udp.header.sourcePort
        guard let socket = udpSockets[udp.header.destinationPort] else {
            counters.drop(.udpNoListener)
            sendICMPv6Error(.destinationUnreachable(.port), about: packet)
            return
        }
        if let remote = socket.remote, remote.address != source || remote.port != sourcePort {
            counters.drop(.udpNoListener)
            return
        }
        counters.count(.udpDatagramsDelivered)
        socket.replySource = packet.isMulticast ? nil : .v6(packet.header.destination)
        socket.delegate?.udpSocket(socket, didReceive: udp.payload, from: source, port: sourcePort)
        socket.replySource = nil
    }

    // MARK: - Output

    /// Builds a packet from `source` (nil: picked for the destination) to `destination` and
    /// sends it: out of `interface` when given (replies, link-scoped destinations), else out
    /// of the link whose prefix holds the destination; resolved with Neighbor Discovery
    /// (queued meanwhile). `fill` writes exactly `payloadLength` bytes of upper layer with
    /// the checksum accumulator primed with the IPv6 pseudo-header.
    ///
    /// `offload` is work left to the link, with offsets counted from the start of the upper
    /// layer, as for IPv4: a TCP super-segment may exceed the MTU, and is cut (never
    /// fragmented) by the link or, when the link cannot, here.
    @discardableResult
    func sendIPv6(from source: IPv6Address? = nil, to destination: IPv6Address, on interface: Interface? = nil,
                  protocol proto: IPProtocol, payloadLength: Int, hopLimit: UInt8? = nil, offload: FrameOffload? = nil,
                  fill: (UnsafeMutableRawBufferPointer, InternetChecksum) -> Void) -> SendOutcome {
        let total = IPv6Header.size + payloadLength
        guard payloadLength <= StackCore.maximumDatagram else {
            counters.drop(.ipTooBig)
            return .failed(.messageTooLong)
        }
        guard let (link, nextHop) = ipv6Route(to: destination, from: source, on: interface) else {
            counters.drop(.ipNoRoute)
            return .failed(.networkUnreachable)
        }
        let from: IPv6Address
        if let source {
            guard link.ipv6.isAssigned(source) || (!source.isLinkLocal && isLocalIPv6(source, on: link)) else {
                return .failed(.invalidArgument)
            }
            from = source
        } else {
            guard let picked = link.ipv6.sourceAddress(for: destination) else {
                counters.drop(.ipNoRoute)
                return .failed(.networkUnreachable)
            }
            from = picked
        }
        let datagram = txBuffer.view(EthernetHeader.size..<EthernetHeader.size + total)
        fill(datagram.view(IPv6Header.size..<total),
             InternetChecksum.pseudoHeader(source: from, destination: destination, nextHeader: proto,
                                           length: payloadLength))
        let header = IPv6Header(payloadLength: UInt16(payloadLength), nextHeader: proto,
                                hopLimit: hopLimit ?? configuration.ipv6.hopLimit, source: from, destination: destination)
        _ = try? header.write(to: datagram)
        var frameOffload = offload
        if var work = offload {
            let shift = EthernetHeader.size + IPv6Header.size
            work.checksumStart += shift
            if work.isSegmentation { work.headerLength += shift }
            work.isIPv6 = true
            frameOffload = work
        }
        return sendIPv6Datagram(length: total, to: nextHop, on: link, offload: frameOffload)
    }

    /// The link and next hop for a packet to `destination` (out of `interface` when given,
    /// unless the destination is off that link and a route says otherwise): the destination
    /// itself when on a link, else by a static route, else a default router learnt from
    /// advertisements. Nil when there is no way there.
    func ipv6Route(to destination: IPv6Address, from source: IPv6Address?, on interface: Interface?)
        -> (Interface, IPv6Address)? {
        if let interface {
            if destination.isMulticast || interface.ipv6.isOnLink(destination) { return (interface, destination) }
            // A reply to an off-link peer goes as any packet to it would: by a static
            // route first (a router's way back need not be the way in), else by this
            // link's default router, else as routed below.
            if !configuration.ipv6Routes.isEmpty, let routed = staticIPv6Route(to: destination) { return routed }
            if let router = interface.ipv6.defaultRouter { return (interface, router) }
        }
        if let link = ipv6Interface(to: destination, from: source),
           destination.isMulticast || link.ipv6.isOnLink(destination) {
            return (link, destination)
        }
        if !configuration.ipv6Routes.isEmpty, let routed = staticIPv6Route(to: destination) { return routed }
        for link in interfaces { if let router = link.ipv6.defaultRouter { return (link, router) } }
        return nil
    }

    /// The longest static route holding `destination`: its link (named, or the one whose
    /// prefix holds the next hop) and next hop (the destination itself without one).
    func staticIPv6Route(to destination: IPv6Address) -> (Interface, IPv6Address)? {
        var best: (Interface, IPv6Address)?
        var bestLength = -1
        for route in configuration.ipv6Routes where route.destination.prefixLength > bestLength
            && route.destination.contains(destination) {
            let link: Interface?
            if let name = route.interface {
                link = interfaces.first { $0.name == name }
            } else if let hop = route.nextHop {
                link = interfaces.first { $0.ipv6.isOnLink(hop) && !hop.isLinkLocal }
            } else {
                link = nil
            }
            guard let link else { continue }
            best = (link, route.nextHop ?? destination)
            bestLength = route.destination.prefixLength
        }
        return best
    }

    /// The link a packet to `destination` leaves by: the one whose prefixes hold it; for a
    /// link-scoped destination, the link of the source (else the first link).
    func ipv6Interface(to destination: IPv6Address, from source: IPv6Address?) -> Interface? {
        let linkScoped = destination.isLinkLocal
            || (destination.isMulticast && (destination.multicastScope ?? .global) <= .linkLocal)
        if linkScoped {
            if let source, let owner = interfaces.first(where: { $0.ipv6.index(of: source) != nil }) { return owner }
            return interfaces[0]
        }
        return interfaces.first { $0.ipv6.isOnLink(destination) }
    }

    /// Sends the packet in `txBuffer` to `nextHop` out of `link`: multicast straight to its
    /// group MAC, unicast to the neighbour's MAC (resolving it, the packet queued meanwhile).
    /// Work left to the link is done before queueing, so what waits is plain packets.
    func sendIPv6Datagram(length: Int, to nextHop: IPv6Address, on link: Interface,
                          offload: FrameOffload? = nil) -> SendOutcome {
        if nextHop.isMulticast {
            emitIPv6(length: length, to: nextHop.ethernetMulticastAddress, on: link, offload: offload)
            return .sent
        }
        if let mac = link.ipv6.neighbors.lookup(nextHop, now: now) {
            emitIPv6(length: length, to: mac, on: link, offload: offload)
            return .sent
        }
        var outcome = SendOutcome.queued
        func enqueue(_ packet: [UInt8]) {
            let (solicit, queued) = link.ipv6.neighbors.enqueue(packet, for: nextHop, now: now)
            if solicit { sendNeighborSolicitation(for: nextHop, unicastTo: nil, on: link) }
            if !queued {
                counters.drop(.ndpQueueFull)
                outcome = .failed(.hostUnreachable)
            }
        }
        let frame = txBuffer.view(0..<EthernetHeader.size + length)
        if let offload {
            var pieces: [[UInt8]] = []
            SoftwareOffload.wireFrames(of: UnsafeRawBufferPointer(frame), offload, scratch: fragmentBuffer) { piece in
                pieces.append(Array(piece.view(EthernetHeader.size..<piece.count)))
            }
            for piece in pieces { enqueue(piece) }
        } else {
            enqueue(Array(UnsafeRawBufferPointer(frame.view(EthernetHeader.size..<frame.count))))
        }
        return outcome
    }

    /// Sends packets that waited for a neighbour's MAC.
    func sendQueuedIPv6(_ packets: [[UInt8]], to mac: MACAddress, on link: Interface) {
        for packet in packets where packet.count <= StackCore.maximumDatagram {
            packet.withUnsafeBytes { bytes in
                txBuffer.view(EthernetHeader.size..<EthernetHeader.size + bytes.count).copyMemory(from: bytes)
            }
            emitIPv6(length: packet.count, to: mac, on: link)
        }
    }

    /// Puts the Ethernet header on the packet in `txBuffer` and transmits it: a super-segment
    /// whole to a link that cuts it (else cut here), any other packet in fragments when it
    /// exceeds the path MTU.
    func emitIPv6(length: Int, to mac: MACAddress, on link: Interface, offload: FrameOffload? = nil) {
        let ethernet = EthernetHeader(destination: mac, source: link.mac, etherType: .ipv6)
        if let offload, offload.isSegmentation {
            _ = try? ethernet.write(to: txBuffer)
            transmitSuperSegment(length: length, offload: offload, on: link)
            return
        }
        // Every path takes 1280 bytes, unless the link itself is smaller (a misconfigured
        // IPv6 link, cut to its MTU all the same).
        if length > IPv6Header.minimumMTU || length > link.mtu {
            let destination = IPv6Address(in: UnsafeRawBufferPointer(txBuffer), at: EthernetHeader.size + 24)
            let mtu = destination.map { ipv6PathMTU.mtu(to: $0, linkMTU: link.mtu, now: now) } ?? link.mtu
            if length > mtu {
                fragmentIPv6(length: length, ethernet: ethernet, mtu: mtu, on: link)
                return
            }
        }
        _ = try? ethernet.write(to: txBuffer)
        transmitFrame(txBuffer, length: EthernetHeader.size + length, offload: offload, on: link)
    }
}
