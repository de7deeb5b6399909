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
}

/// How an attempt to send a datagram ended.
enum SendOutcome {
    case sent
    /// Waiting for ARP to resolve the next hop.
    case queued
    case failed(SocketError)
}

extension NetworkStack {
    // MARK: - Input

    func handleIPv4(_ bytes: UnsafeRawBufferPointer, linkBroadcast: Bool) {
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
        let ipBroadcast = destination.isLimitedBroadcast || subnet.isDirectedBroadcast(destination)
        guard destination == address || ipBroadcast else {
            counters.drop(.ipNotForUs)
            return
        }
        // RFC 1122 §3.2.1.3: a source that is a broadcast, multicast or our own address is bogus.
        let source = header.source
        guard !source.isLimitedBroadcast, !source.isMulticast, !subnet.isDirectedBroadcast(source),
              source != address else {
            counters.drop(.ipBadSource)
            return
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
                                                 isBroadcast: ipBroadcast || linkBroadcast, wasFragmented: true))
                    }
                }
            }
            return
        }
        deliver(ReceivedDatagram(header: header, headerBytes: packet.headerBytes, payload: packet.payload,
                                 isBroadcast: ipBroadcast || linkBroadcast, wasFragmented: false))
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
                                                wasFragmented: true)
                sendICMPError(type: .timeExceeded, code: ICMPTimeExceededCode.reassemblyTimeExceeded.rawValue,
                              about: datagram)
            }
        }
    }

    // MARK: - Output

    /// Builds a datagram from our address to `destination` and sends it: routed, resolved
    /// with ARP (queued while resolving), fragmented when larger than the MTU (unless
    /// `dontFragment`). `fill` writes exactly `payloadLength` bytes of payload into the
    /// buffer it is given; it runs once, before anything is sent.
    @discardableResult @inline(__always)
    /// `offload` (links with offloads only) is the work left to the link, with offsets
    /// relative to the start of the Ethernet frame; a super-segment may exceed the MTU.
    func sendIPv4(to destination: IPv4Address, protocol proto: IPProtocol, payloadLength: Int,
                  typeOfService: UInt8 = 0, dontFragment: Bool = false, offload: VirtioNetHeader? = nil,
                  fill: (UnsafeMutableRawBufferPointer) -> Void) -> SendOutcome {
        let total = IPv4Header.minimumSize + payloadLength
        guard total <= NetworkStack.maximumDatagram else {
            counters.drop(.ipTooBig)
            return .failed(.messageTooLong)
        }
        if dontFragment && total > configuration.mtu && !(offload?.isSegmentation ?? false) {
            counters.drop(.ipTooBig)
            return .failed(.messageTooLong)
        }
        let datagram = txBuffer.view(EthernetHeader.size..<EthernetHeader.size + total)
        fill(datagram.view(IPv4Header.minimumSize..<total))
        let header = IPv4Header(typeOfService: typeOfService, totalLength: UInt16(total),
                                identification: nextIdentification,
                                flags: dontFragment ? .dontFragment : [], timeToLive: configuration.ipv4.defaultTTL,
                                protocol: proto, source: address, destination: destination)
        nextIdentification &+= 1
        do { try header.write(to: datagram) } catch { return .failed(.invalidArgument) }
        return routeAndSend(datagramLength: total, to: destination, offload: offload)
    }

    /// Resolves the next hop for the datagram in `txBuffer` and sends or queues it.
    private func routeAndSend(datagramLength: Int, to destination: IPv4Address,
                              offload: VirtioNetHeader?) -> SendOutcome {
        let linkDestination: MACAddress
        if destination.isLimitedBroadcast || subnet.isDirectedBroadcast(destination) {
            linkDestination = .broadcast
        } else {
            guard let nextHop = routing.nextHop(for: destination) else {
                counters.drop(.ipNoRoute)
                return .failed(.networkUnreachable)
            }
            let (known, needsRequest) = arp.lookup(nextHop, now: now)
            if needsRequest, let stale = known { sendARPRequest(for: nextHop, knownMAC: stale) }
            guard let resolved = known else {
                return enqueueForResolution(datagramLength: datagramLength, nextHop: nextHop, offload: offload)
            }
            linkDestination = resolved
        }
        emitDatagram(length: datagramLength, to: linkDestination, offload: offload)
        return .sent
    }

    /// Keeps the datagram in `txBuffer` until ARP answers for `nextHop`. Work left to the
    /// link is done now, so what waits is plain datagrams.
    private func enqueueForResolution(datagramLength: Int, nextHop: IPv4Address,
                                      offload: VirtioNetHeader?) -> SendOutcome {
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
            let (sendRequest, queued) = arp.enqueue(piece, for: nextHop, now: now)
            if sendRequest { sendARPRequest(for: nextHop) }
            if !queued {
                counters.drop(.arpQueueFull)
                outcome = .failed(.hostUnreachable)
            }
        }
        return outcome
    }

    /// Sends a datagram that waited for ARP, now that its next hop is known.
    func sendQueued(_ datagram: [UInt8], to linkDestination: MACAddress) {
        let length = datagram.count
        guard length <= NetworkStack.maximumDatagram else { return }
        datagram.withUnsafeBytes { bytes in
            txBuffer.view(EthernetHeader.size..<EthernetHeader.size + length).copyMemory(from: bytes)
        }
        emitDatagram(length: length, to: linkDestination)
    }

    /// Puts the Ethernet header on the datagram in `txBuffer` and transmits it, in
    /// fragments when it exceeds the MTU.
    private func emitDatagram(length: Int, to linkDestination: MACAddress, offload: VirtioNetHeader? = nil) {
        let ethernet = EthernetHeader(destination: linkDestination, source: mac, etherType: .ipv4)
        if length <= configuration.mtu || offload?.isSegmentation == true {
            _ = try? ethernet.write(to: txBuffer)
            transmitFrame(txBuffer, length: EthernetHeader.size + length, offload: offload)
            return
        }
        fragment(length: length, ethernet: ethernet)
    }

    /// Cuts the datagram in `txBuffer` into fragments of at most the MTU (RFC 791 §3.2).
    /// Options are not copied into later fragments; our own datagrams carry none.
    private func fragment(length: Int, ethernet: EthernetHeader) {
        let datagram = UnsafeRawBufferPointer(txBuffer.view(EthernetHeader.size..<EthernetHeader.size + length))
        guard let packet = try? IPv4Header.parse(datagram) else { return }
        if packet.header.flags.contains(.dontFragment) {
            counters.drop(.ipTooBig)
            return
        }
        let headerLength = packet.header.headerLength
        let chunk = (configuration.mtu - headerLength) & ~7
        guard chunk >= 8 else {
            counters.drop(.ipTooBig)
            return
        }
        counters.count(.datagramsFragmented)
        var offset = 0
        let payload = packet.payload
        while offset < payload.count {
            let size = min(chunk, payload.count - offset)
            let last = offset + size == payload.count
            var header = packet.header
            header.totalLength = UInt16(headerLength + size)
            header.fragmentOffset = UInt16((packet.header.fragmentByteOffset + offset) / 8)
            if !last { header.flags.insert(.moreFragments) }
            let frame = fragmentBuffer
            do {
                try ethernet.write(to: frame)
                let ip = frame.view(EthernetHeader.size..<frame.count)
                try header.write(to: ip, options: packet.options)
                ip.view(headerLength..<headerLength + size).copyMemory(from: payload.view(offset..<offset + size))
            } catch {
                return
            }
            counters.count(.fragmentsSent)
            transmitFrame(frame, length: EthernetHeader.size + headerLength + size)
            offset += size
        }
    }
}
