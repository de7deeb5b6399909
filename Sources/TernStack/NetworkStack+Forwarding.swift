import TernWire

extension StackCore {
    /// Routes a datagram for another host out of the right link, as RFC 1812 asks of a
    /// router: never what must not be forwarded (§4.2.2.11, §5.3.7: link-layer broadcasts,
    /// bogus sources and destinations), TTL decremented with an incremental checksum update
    /// (RFC 1624) or time exceeded when it runs out (§5.3.1), network unreachable without a
    /// route (§5.2.7.1), fragmentation needed with the next-hop MTU when DF forbids cutting
    /// (RFC 1191), else fragments. A TCP super-segment from a link with offloads goes on
    /// whole to a link that takes super-segments and is cut to the MTU for any other.
    func forward(_ packet: IPv4Packet, options: IPv4OptionIndex, linkBroadcast: Bool, from ingress: Interface) {
        let header = packet.header
        let source = header.source, destination = header.destination
        guard !linkBroadcast else {
            counters.drop(.forwardLinkBroadcast)
            return
        }
        // 0/8 and 127/8 never appear on a wire as sources; nor do broadcasts or multicast.
        guard source[0] != 0, !source.isLoopback, !source.isMulticast, !source.isLimitedBroadcast,
              !isDirectedBroadcast(source) else {
            counters.drop(.forwardBadSource)
            return
        }
        // Multicast needs a multicast router; 240/4 is reserved.
        guard destination[0] != 0, !destination.isLoopback, !destination.isMulticast, destination[0] < 240 else {
            counters.drop(.forwardBadDestination)
            return
        }
        let headerBytes = packet.headerBytes
        let length = Int(header.totalLength)
        let about = ReceivedDatagram(header: header, headerBytes: headerBytes, payload: packet.payload,
                                     isBroadcast: false, wasFragmented: false, interface: ingress.index)
        guard header.timeToLive > 1 else {
            counters.drop(.forwardTTLExceeded)
            sendICMPError(type: .timeExceeded, code: ICMPTimeExceededCode.ttlExceeded.rawValue, about: about)
            return
        }
        guard let route = routing.lookup(destination) else {
            counters.drop(.ipNoRoute)
            sendICMPError(type: .destinationUnreachable, code: ICMPUnreachableCode.network.rawValue, about: about)
            return
        }
        let egress = interfaces[route.interface]
        // A datagram longer than the link it came from can only be a TCP super-segment the
        // kernel handed a TAP with offloads: its DF bit is for its segments, not for it.
        let superSegment = length > ingress.mtu && header.protocol == .tcp
            && ingress.capabilities.segmentationOffload && header.fragmentOffset == 0
            && !header.flags.contains(.moreFragments)
        if length > egress.mtu && header.flags.contains(.dontFragment) && !superSegment {
            counters.drop(.forwardFragmentationNeeded)
            sendICMPError(type: .destinationUnreachable, code: ICMPUnreachableCode.fragmentationNeeded.rawValue,
                          restOfHeader: UInt32(min(egress.mtu, 0xFFFF)), about: about)
            return
        }

        let datagram = txBuffer.view(EthernetHeader.size..<EthernetHeader.size + length)
        let headerLength = headerBytes.count
        datagram.view(0..<headerLength).copyMemory(from: headerBytes)
        datagram.view(headerLength..<length).copyMemory(from: packet.payload)
        // TTL and protocol share a 16-bit word of the checksummed header.
        let oldWord = UInt16(header.timeToLive) << 8 | UInt16(header.protocol.rawValue)
        let newWord = oldWord &- 0x100
        datagram.storeBytes(of: header.timeToLive - 1, toByteOffset: 8, as: UInt8.self)
        let checksum = UInt16(datagram[10]) << 8 | UInt16(datagram[11])
        let updated = InternetChecksum.update(checksum, replacing: oldWord, with: newWord)
        datagram.storeBytes(of: UInt8(updated >> 8), toByteOffset: 10, as: UInt8.self)
        datagram.storeBytes(of: UInt8(updated & 0xFF), toByteOffset: 11, as: UInt8.self)
        if options.recordRoute != nil || options.timestamp != nil {
            // A router records the address it sends from (RFC 1812 §5.3.13.2–3).
            stampOptions(of: datagram.view(0..<headerLength), index: options, address: egress.address)
        }

        var offload: FrameOffload?
        if superSegment && length > egress.mtu {
            offload = superSegmentWork(datagram, headerLength: header.headerLength, egress: egress)
            guard offload != nil else {
                counters.drop(.ipMalformed)
                return
            }
        }
        counters.count(.datagramsForwarded)
        ingress.counters.datagramsForwardedIn &+= 1
        egress.counters.datagramsForwardedOut &+= 1
        let linkDestination: MACAddress? = route.gateway == nil && egress.subnet.isDirectedBroadcast(destination)
            ? .broadcast : nil
        _ = send(datagramLength: length, on: egress, to: linkDestination, nextHop: route.nextHop(for: destination),
                 offload: offload)
    }

    /// The work that cuts the TCP super-segment in `datagram` into segments that fit
    /// `egress`: its checksum field is set to the pseudo-header sum the work starts from.
    /// Nil when the segment does not parse.
    private func superSegmentWork(_ datagram: UnsafeMutableRawBufferPointer, headerLength: Int,
                                  egress: Interface) -> FrameOffload? {
        let tcp = datagram.view(headerLength..<datagram.count)
        guard tcp.count >= TCPHeader.minimumSize else { return nil }
        let tcpHeaderLength = Int(tcp[12] >> 4) * 4
        guard tcpHeaderLength >= TCPHeader.minimumSize, tcpHeaderLength <= tcp.count else { return nil }
        let segmentSize = egress.mtu - headerLength - tcpHeaderLength
        guard segmentSize > 0 else { return nil }
        let source = IPv4Address(rawValue: UInt32(bigEndian: datagram.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        let destination = IPv4Address(rawValue: UInt32(bigEndian: datagram.loadUnaligned(fromByteOffset: 16,
                                                                                          as: UInt32.self)))
        let pseudo = InternetChecksum.pseudoHeader(source: source, destination: destination, protocol: .tcp,
                                                   length: tcp.count).value
        // `value` is the complemented sum; the link wants the sum itself.
        let partial = ~pseudo
        tcp.storeBytes(of: UInt8(partial >> 8), toByteOffset: 16, as: UInt8.self)
        tcp.storeBytes(of: UInt8(partial & 0xFF), toByteOffset: 17, as: UInt8.self)
        let start = EthernetHeader.size + headerLength
        return FrameOffload(checksumStart: start, checksumOffset: 16, segmentSize: segmentSize,
                            headerLength: start + tcpHeaderLength)
    }
}
