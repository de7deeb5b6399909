import TernWire

/// An IPv4 datagram addressed to us, whole (reassembled if it came in fragments).
struct ReceivedDatagram {
    var header: IPv4Header
    /// The header as received (options included), for quoting in ICMP errors.
    var headerBytes: UnsafeRawBufferPointer
    var payload: UnsafeRawBufferPointer
    /// Sent to a broadcast address (link or IP): never answered with an ICMP error.
    var isBroadcast: Bool
    /// Reassembled from fragments.
    var wasFragmented: Bool
    /// The index of the interface it arrived on.
    var interface: Int

    /// The sender, for transports (which never look inside an address).
    var source: IPAddress { .v4(header.source) }
    /// The address it was sent to.
    var destination: IPAddress { .v4(header.destination) }
    /// A transport checksum may be left out (zero): so over IPv4 for UDP (RFC 768), never
    /// over IPv6 (RFC 8200 §8.1).
    var allowsZeroChecksum: Bool { true }

    /// The checksum accumulator primed with this datagram's pseudo-header for `length`
    /// bytes of protocol `proto`: a transport adds its bytes and checks for zero.
    @inline(__always)
    func pseudoHeader(_ proto: IPProtocol, length: Int) -> InternetChecksum {
        InternetChecksum.pseudoHeader(source: header.source, destination: header.destination, protocol: proto,
                                      length: length)
    }
}

/// How an attempt to send a datagram ended.
enum SendOutcome {
    case sent
    /// Waiting for ARP to resolve the next hop.
    case queued
    case failed(SocketError)
}

extension StackCore {
    // MARK: - Input

    func handleIPv4(_ bytes: UnsafeRawBufferPointer, linkBroadcast: Bool, on interface: Interface) {
        let packet: IPv4Packet
        do {
            packet = try IPv4Header.parse(bytes)
        } catch {
            switch error {
            case .truncated: counters.drop(.ipTruncated)
            case .badLength: counters.drop(.ipBadLength)
            default: counters.drop(.ipMalformed)
            }
            return
        }
        guard packet.isChecksumValid else {
            counters.drop(.ipBadChecksum)
            return
        }
        let header = packet.header
        let destination = header.destination
        // Any of our addresses is ours on any link (the weak host model, as Linux).
        let ipBroadcast = destination.isLimitedBroadcast || isDirectedBroadcast(destination)
        guard isLocal(destination) || ipBroadcast else {
            if forwarding {
                var options = IPv4OptionIndex()
                if header.headerLength > IPv4Header.minimumSize {
                    guard let index = checkOptions(packet, broadcast: linkBroadcast, on: interface) else { return }
                    options = index
                }
                forward(packet, options: options, linkBroadcast: linkBroadcast, from: interface)
            } else {
                counters.drop(.ipNotForUs)
            }
            return
        }
        // RFC 1122 §3.2.1.3: a source that is a broadcast, multicast or our own address is bogus.
        let source = header.source
        guard !source.isLimitedBroadcast, !source.isMulticast, !isDirectedBroadcast(source),
              !isLocal(source) else {
            counters.drop(.ipBadSource)
            return
        }
        if header.headerLength > IPv4Header.minimumSize {
            guard checkOptions(packet, broadcast: ipBroadcast || linkBroadcast, on: interface) != nil else { return }
        }

        if header.isFragment {
            counters.count(.fragmentsReceived)
            let outcome = reassembler.add(header: header, headerBytes: packet.headerBytes, payload: packet.payload,
                                          now: now)
            for _ in 0..<reassembler.takeEvictions() { counters.drop(.reassemblyEvicted) }
            switch outcome {
            case .incomplete:
                return
            case .dropped(let reason):
                counters.drop(reason)
                return
            case .complete(let datagram):
                counters.count(.datagramsReassembled)
                datagram.headerBytes.withUnsafeBytes { headerBytes in
                    datagram.payload.withUnsafeBytes { payload in
                        deliver(ReceivedDatagram(header: datagram.header, headerBytes: headerBytes, payload: payload,
                                                 isBroadcast: ipBroadcast || linkBroadcast, wasFragmented: true,
                                                 interface: interface.index))
                    }
                }
            }
            return
        }
        deliver(ReceivedDatagram(header: header, headerBytes: packet.headerBytes, payload: packet.payload,
                                 isBroadcast: ipBroadcast || linkBroadcast, wasFragmented: false,
                                 interface: interface.index))
    }

    /// Checks the options of a datagram that has some (RFC 1122 §3.2.1.8): a malformed one
    /// draws a parameter problem pointing at the octet at fault; a source route is refused,
    /// as RFC 7126 §4.3–4.4 recommends and Linux does by default, whether or not it is
    /// finished. Returns where the options we act on are, nil when the datagram is dropped.
    private func checkOptions(_ packet: IPv4Packet, broadcast: Bool, on interface: Interface) -> IPv4OptionIndex? {
        let index: IPv4OptionIndex
        do {
            index = try IPv4Options.index(packet.options)
        } catch {
            counters.drop(.ipBadOptions)
            let about = ReceivedDatagram(header: packet.header, headerBytes: packet.headerBytes,
                                         payload: packet.payload, isBroadcast: broadcast, wasFragmented: false,
                                         interface: interface.index)
            let pointer = UInt32(IPv4Header.minimumSize + error.offset)
            sendICMPError(type: .parameterProblem, code: 0, restOfHeader: pointer << 24, about: about)
            return nil
        }
        guard index.sourceRoute == nil else {
            counters.drop(.ipSourceRouted)
            return nil
        }
        return index
    }

    private func deliver(_ datagram: ReceivedDatagram) {
        counters.count(.ipDatagramsDelivered)
        switch datagram.header.protocol {
        case .tcp:
            handleTCP(datagram)
        case .udp:
            handleUDP(datagram)
        case .icmp:
            handleICMP(datagram)
        default:
            counters.drop(.ipUnknownProtocol)
            sendICMPError(type: .destinationUnreachable, code: ICMPUnreachableCode.protocol.rawValue, about: datagram)
        }
    }

    /// Discards partial datagrams whose time is up; tells the sender when the first
    /// fragment had arrived (RFC 1122 §3.3.2).
    func runReassemblyTimers() {
        let expired = reassembler.expire(now: now)
        for _ in 0..<expired.count { counters.drop(.reassemblyTimeout) }
        for quote in expired.quotes {
            quote.withUnsafeBytes { bytes in
                guard let original = try? ICMPQuotedDatagram.parse(bytes) else { return }
                let headerBytes = bytes.view(0..<original.header.headerLength)
                let datagram = ReceivedDatagram(header: original.header, headerBytes: headerBytes,
                                                payload: original.leadingPayload, isBroadcast: false,
                                                wasFragmented: true, interface: 0)
                sendICMPError(type: .timeExceeded, code: ICMPTimeExceededCode.reassemblyTimeExceeded.rawValue,
                              about: datagram)
            }
        }
    }

    // MARK: - Output

    /// Builds a datagram from `source` (nil: the address of the interface the route picks)
    /// to `destination` and sends it: routed, resolved with ARP (queued while resolving),
    /// fragmented when larger than the MTU (unless `dontFragment`). `fill` writes exactly
    /// `payloadLength` bytes of transport header and payload into the buffer it is given,
    /// with the checksum accumulator primed with the pseudo-header for those bytes; it runs
    /// once, before anything is sent. Transports never see how an address is packed.
    ///
    /// `offload` is work left to the link, with offsets counted from the start of the
    /// transport header; a super-segment may exceed the MTU. A link that cannot take it
    /// gets the work done here in software.
    @discardableResult @inline(__always)
    func sendIP(from source: IPAddress? = nil, to destination: IPAddress, protocol proto: IPProtocol,
                payloadLength: Int, typeOfService: UInt8 = 0, dontFragment: Bool = false,
                offload: FrameOffload? = nil,
                fill: (UnsafeMutableRawBufferPointer, InternetChecksum) -> Void) -> SendOutcome {
        guard case .v4(let destination4) = destination else {
            guard case .v6(let destination6) = destination else { return .failed(.networkUnreachable) }
            var source6: IPv6Address?
            if let source {
                guard case .v6(let local) = source else { return .failed(.invalidArgument) }
                source6 = local
            }
            return sendIPv6(from: source6, to: destination6, protocol: proto, payloadLength: payloadLength,
                            offload: offload, fill: fill)
        }
        var source4: IPv4Address?
        if let source {
            guard case .v4(let local) = source, isLocal(local) else { return .failed(.invalidArgument) }
            source4 = local
        }
        return sendIPv4(from: source4, to: destination4, protocol: proto, payloadLength: payloadLength,
                        typeOfService: typeOfService, dontFragment: dontFragment, offload: offload, fill: fill)
    }

    /// The address a conversation with `destination` speaks from: that of the interface
    /// its route leaves by. Throws for a destination no unicast conversation can have
    /// (unspecified, broadcast, multicast) and for one without a route.
    func unicastSource(toReach destination: IPAddress) throws(SocketError) -> IPAddress {
        guard case .v4(let destination4) = destination else {
            guard case .v6(let destination6) = destination else { throw .networkUnreachable }
            return .v6(try unicastSourceIPv6(toReach: destination6))
        }
        guard !destination4.isUnspecified, !destination4.isLimitedBroadcast, !destination4.isMulticast,
              !isDirectedBroadcast(destination4) else { throw .invalidArgument }
        guard let route = routing.lookup(destination4) else { throw .networkUnreachable }
        return .v4(interfaces[route.interface].address)
    }

    /// `sendIP` for IPv4 addresses.
    @discardableResult @inline(__always)
    func sendIPv4(from source: IPv4Address? = nil, to destination: IPv4Address, protocol proto: IPProtocol,
                  payloadLength: Int, typeOfService: UInt8 = 0, dontFragment: Bool = false,
                  offload: FrameOffload? = nil, options: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                  fill: (UnsafeMutableRawBufferPointer, InternetChecksum) -> Void) -> SendOutcome {
        let headerLength = IPv4Header.minimumSize + options.count
        let total = headerLength + payloadLength
        guard total <= StackCore.maximumDatagram else {
            counters.drop(.ipTooBig)
            return .failed(.messageTooLong)
        }
        guard let (interface, linkDestination, nextHop) = resolveRoute(to: destination, from: source) else {
            counters.drop(.ipNoRoute)
            return .failed(.networkUnreachable)
        }
        let segments = offload?.isSegmentation ?? false
        if dontFragment && total > interface.mtu && !segments {
            counters.drop(.ipTooBig)
            return .failed(.messageTooLong)
        }
        let from = source ?? interface.address
        let datagram = txBuffer.view(EthernetHeader.size..<EthernetHeader.size + total)
        fill(datagram.view(headerLength..<total),
             InternetChecksum.pseudoHeader(source: from, destination: destination, protocol: proto,
                                           length: payloadLength))
        let header = IPv4Header(headerLength: headerLength, typeOfService: typeOfService, totalLength: UInt16(total),
                                identification: nextIdentification,
                                flags: dontFragment ? .dontFragment : [], timeToLive: configuration.ipv4.defaultTTL,
                                protocol: proto, source: from, destination: destination)
        nextIdentification &+= 1
        do { try header.write(to: datagram, options: options) } catch { return .failed(.invalidArgument) }
        var frameOffload = offload
        if var work = offload {
            let shift = EthernetHeader.size + headerLength
            work.checksumStart += shift
            if work.isSegmentation { work.headerLength += shift }
            frameOffload = work
        }
        return send(datagramLength: total, on: interface, to: linkDestination, nextHop: nextHop,
                     offload: frameOffload)
    }

    /// The interface, link destination (nil: resolve `nextHop` with ARP) and next hop for
    /// a datagram to `destination`; nil when there is no route. A broadcast goes out of the
    /// link it belongs to (the limited broadcast out of the source's link, else the first).
    @inline(__always)
    func resolveRoute(to destination: IPv4Address, from source: IPv4Address?)
        -> (Interface, MACAddress?, IPv4Address)? {
        if destination.isLimitedBroadcast {
            let link = source.flatMap { s in interfaces.first { $0.address == s } } ?? interfaces[0]
            return (link, .broadcast, destination)
        }
        guard let route = routing.lookup(destination) else { return nil }
        let interface = interfaces[route.interface]
        if route.gateway == nil && interface.subnet.isDirectedBroadcast(destination) {
            return (interface, .broadcast, destination)
        }
        return (interface, nil, route.nextHop(for: destination))
    }

    /// Sends the datagram in `txBuffer` out of `interface`: to `linkDestination` when
    /// known, else to `nextHop`'s MAC (resolving it with ARP, queued meanwhile).
    @inline(__always)
    func send(datagramLength: Int, on interface: Interface, to linkDestination: MACAddress?,
              nextHop: IPv4Address, offload: FrameOffload?) -> SendOutcome {
        if let linkDestination {
            emitDatagram(length: datagramLength, to: linkDestination, offload: offload, on: interface)
            return .sent
        }
        let (known, needsRequest) = interface.arp.lookup(nextHop, now: now)
        if needsRequest, let stale = known { sendARPRequest(for: nextHop, knownMAC: stale, on: interface) }
        guard let resolved = known else {
            return enqueueForResolution(datagramLength: datagramLength, nextHop: nextHop, offload: offload,
                                        on: interface)
        }
        emitDatagram(length: datagramLength, to: resolved, offload: offload, on: interface)
        return .sent
    }

    /// Keeps the datagram in `txBuffer` until ARP answers for `nextHop`. Work left to the
    /// link is done now, so what waits is plain datagrams.
    private func enqueueForResolution(datagramLength: Int, nextHop: IPv4Address,
                                      offload: FrameOffload?, on interface: Interface) -> SendOutcome {
        var pieces: [[UInt8]] = []
        let frame = txBuffer.view(0..<EthernetHeader.size + datagramLength)
        if let offload {
            SoftwareOffload.wireFrames(of: UnsafeRawBufferPointer(frame), offload, scratch: fragmentBuffer) { piece in
                pieces.append(Array(piece.view(EthernetHeader.size..<piece.count)))
            }
        } else {
            pieces.append(Array(UnsafeRawBufferPointer(frame.view(EthernetHeader.size..<frame.count))))
        }
        var outcome = SendOutcome.queued
        for piece in pieces {
            let (sendRequest, queued) = interface.arp.enqueue(piece, for: nextHop, now: now)
            if sendRequest { sendARPRequest(for: nextHop, on: interface) }
            if !queued {
                counters.drop(.arpQueueFull)
                outcome = .failed(.hostUnreachable)
            }
        }
        return outcome
    }

    /// Sends a datagram that waited for ARP, now that its next hop is known.
    func sendQueued(_ datagram: [UInt8], to linkDestination: MACAddress, on interface: Interface) {
        let length = datagram.count
        guard length <= StackCore.maximumDatagram else { return }
        datagram.withUnsafeBytes { bytes in
            txBuffer.view(EthernetHeader.size..<EthernetHeader.size + length).copyMemory(from: bytes)
        }
        emitDatagram(length: length, to: linkDestination, on: interface)
    }

    /// Puts the Ethernet header on the datagram in `txBuffer` and transmits it out of
    /// `interface`: whole, as a super-segment the link cuts (or cut here when the link
    /// cannot), or in fragments when it exceeds the MTU.
    private func emitDatagram(length: Int, to linkDestination: MACAddress, offload: FrameOffload? = nil,
                              on interface: Interface) {
        let ethernet = EthernetHeader(destination: linkDestination, source: interface.mac, etherType: .ipv4)
        if let offload, offload.isSegmentation {
            _ = try? ethernet.write(to: txBuffer)
            transmitSuperSegment(length: length, offload: offload, on: interface)
            return
        }
        if length <= interface.mtu {
            _ = try? ethernet.write(to: txBuffer)
            transmitFrame(txBuffer, length: EthernetHeader.size + length, offload: offload, on: interface)
            return
        }
        fragment(length: length, ethernet: ethernet, on: interface)
    }

    /// Transmits the framed super-segment in `txBuffer` (IPv4 or IPv6): whole to a link that
    /// cuts it itself, else cut here into segments that fit the link.
    func transmitSuperSegment(length: Int, offload: FrameOffload, on interface: Interface) {
        let frameLength = EthernetHeader.size + length
        if interface.capabilities.segmentationOffload && length <= interface.capabilities.maximumSegmentationSize {
            transmitFrame(txBuffer, length: frameLength, offload: offload, on: interface)
            return
        }
        let frame = UnsafeRawBufferPointer(txBuffer.view(0..<frameLength))
        SoftwareOffload.wireFrames(of: frame, offload, scratch: fragmentBuffer) { piece in
            // Each piece is built at the start of the scratch buffer (or, unparsable, is the
            // frame itself): pass the whole buffer, so padding has room.
            let buffer = piece.baseAddress == UnsafeRawPointer(fragmentBuffer.baseAddress) ? fragmentBuffer : txBuffer
            transmitFrame(buffer, length: piece.count, on: interface)
        }
    }

    /// Cuts the datagram in `txBuffer` into fragments of at most the MTU (RFC 791 §3.2).
    /// The first carries every option; later ones only those with the "copied" flag.
    private func fragment(length: Int, ethernet: EthernetHeader, on interface: Interface) {
        let datagram = UnsafeRawBufferPointer(txBuffer.view(EthernetHeader.size..<EthernetHeader.size + length))
        guard let packet = try? IPv4Header.parse(datagram) else { return }
        if packet.header.flags.contains(.dontFragment) {
            counters.drop(.ipTooBig)
            return
        }
        withUnsafeTemporaryAllocation(byteCount: IPv4Header.maximumSize - IPv4Header.minimumSize,
                                      alignment: 4) { copiedArea in
            let copied = UnsafeRawBufferPointer(
                copiedArea.view(0..<IPv4Options.copyCopied(from: packet.options, into: copiedArea)))
            guard (interface.mtu - packet.header.headerLength) & ~7 >= 8 else {
                counters.drop(.ipTooBig)
                return
            }
            counters.count(.datagramsFragmented)
            var offset = 0
            let payload = packet.payload
            while offset < payload.count {
                let options = offset == 0 ? packet.options : copied
                let headerLength = IPv4Header.minimumSize + options.count
                let chunk = (interface.mtu - headerLength) & ~7
                let size = min(chunk, payload.count - offset)
                let last = offset + size == payload.count
                var header = packet.header
                header.headerLength = headerLength
                header.totalLength = UInt16(headerLength + size)
                header.fragmentOffset = UInt16((packet.header.fragmentByteOffset + offset) / 8)
                if !last { header.flags.insert(.moreFragments) }
                let frame = fragmentBuffer
                do {
                    try ethernet.write(to: frame)
                    let ip = frame.view(EthernetHeader.size..<frame.count)
                    try header.write(to: ip, options: options)
                    ip.view(headerLength..<headerLength + size).copyMemory(from: payload.view(offset..<offset + size))
                } catch {
                    return
                }
                counters.count(.fragmentsSent)
                transmitFrame(frame, length: EthernetHeader.size + headerLength + size, on: interface)
                offset += size
            }
        }
    }
}
