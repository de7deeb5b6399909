import TernWire

extension StackCore {
    /// A fragment for us (RFC 8200 §4.5): added to its packet, which is judged and
    /// delivered again once whole. The header walk has checked the fragment's length
    /// (a multiple of 8 unless last, within 65,535 bytes).
    func handleIPv6Fragment(_ packet: IPv6Packet, chain: IPv6HeaderChain, linkSource: MACAddress, isMulticast: Bool,
                            on interface: Interface) {
        counters.count(.fragmentsReceived)
        guard let fragment = chain.fragment,
              let position = chain.headers.firstIndex(where: { $0.type == .fragment }) else { return }
        let headerOffset = chain.headers[position].offset
        let namingField = position == 0 ? 6 : IPv6Header.size + chain.headers[position - 1].offset
        let whole = UnsafeRawBufferPointer(start: packet.headerBytes.baseAddress,
                                           count: IPv6Header.size + packet.payload.count)
        let outcome = ipv6Reassembler.add(whole, header: packet.header, fragment: fragment,
                                          fragmentHeaderOffset: IPv6Header.size + headerOffset,
                                          namingField: namingField, now: now)
        for _ in 0..<ipv6Reassembler.takeEvictions() { counters.drop(.reassemblyEvicted) }
        switch outcome {
        case .incomplete:
            return
        case .dropped(let reason):
            counters.drop(reason)
        case .complete(let bytes):
            counters.count(.datagramsReassembled)
            bytes.withUnsafeBytes { deliverReassembled($0, linkSource: linkSource, isMulticast: isMulticast,
                                                       on: interface) }
        }
    }

    /// Judges a reassembled packet's headers as a received one's and delivers it.
    private func deliverReassembled(_ bytes: UnsafeRawBufferPointer, linkSource: MACAddress, isMulticast: Bool,
                                    on interface: Interface) {
        guard let packet = try? IPv6Header.parse(bytes) else {
            counters.drop(.ipv6Malformed)
            return
        }
        let (disposition, chain) = packet.receiverDisposition(knowsUpperLayer: StackCore.knowsIPv6UpperLayer)
        guard disposition == .process, let chain, chain.fragment == nil else {
            counters.drop(.ipv6HeaderRefused)
            return
        }
        let offset = chain.upperLayerOffset
        deliverIPv6(ReceivedIPv6(header: packet.header, packet: bytes, upperLayer: chain.upperLayer,
                                 upperLayerOffset: IPv6Header.size + offset,
                                 payload: packet.payload.view(offset..<packet.payload.count), isMulticast: isMulticast,
                                 linkSource: linkSource, wasFragmented: true, interface: interface.index))
    }

    /// Discards packets whose fragments stopped coming; tells the sender when the first
    /// fragment had arrived (time exceeded, code 1).
    func runIPv6ReassemblyTimers() {
        let expired = ipv6Reassembler.expire(now: now)
        for _ in 0..<expired.count { counters.drop(.reassemblyTimeout) }
        for first in expired.firstFragments {
            let interface = interfaces.first { $0.ipv6.isAssigned(first.header.destination) } ?? interfaces[0]
            first.bytes.withUnsafeBytes { bytes in
                let received = ReceivedIPv6(header: first.header, packet: bytes, upperLayer: .fragment,
                                            upperLayerOffset: 0, payload: UnsafeRawBufferPointer(start: nil, count: 0),
                                            isMulticast: first.header.destination.isMulticast, linkSource: interface.mac,
                                            wasFragmented: false, interface: interface.index)
                sendICMPv6Error(.timeExceeded(.fragmentReassemblyTimeExceeded), about: received)
            }
        }
    }

    /// Cuts the packet in `txBuffer` (ours: the fixed header and the upper layer) into
    /// fragments that fit `mtu` (RFC 8200 §4.5): the header repeated with a fragment header,
    /// 8-byte multiples of data in each but the last, one identification for all.
    func fragmentIPv6(length: Int, ethernet: EthernetHeader, mtu: Int, on link: Interface) {
        let packet = UnsafeRawBufferPointer(txBuffer.view(EthernetHeader.size..<EthernetHeader.size + length))
        let chunk = (mtu - IPv6Header.size - IPv6FragmentHeader.size) & ~7
        guard chunk >= 8, length > IPv6Header.size else {
            counters.drop(.ipTooBig)
            return
        }
        let nextHeader = IPProtocol(rawValue: packet[6])
        let identification = nextIPv6Identification
        nextIPv6Identification &+= 1
        counters.count(.datagramsFragmented)
        let data = packet.view(IPv6Header.size..<length)
        let dataStart = IPv6Header.size + IPv6FragmentHeader.size
        var offset = 0
        while offset < data.count {
            let size = min(chunk, data.count - offset)
            let more = offset + size < data.count
            let frame = fragmentBuffer
            do {
                try ethernet.write(to: frame)
                let ip = frame.view(EthernetHeader.size..<frame.count)
                ip.view(0..<IPv6Header.size).copyMemory(from: packet.view(0..<IPv6Header.size))
                let payloadLength = IPv6FragmentHeader.size + size
                ip[4] = UInt8(truncatingIfNeeded: payloadLength >> 8)
                ip[5] = UInt8(truncatingIfNeeded: payloadLength)
                ip[6] = IPProtocol.fragment.rawValue
                try IPv6FragmentHeader(nextHeader: nextHeader, fragmentOffset: UInt16(offset / 8), moreFragments: more,
                                       identification: identification)
                    .write(to: ip.view(IPv6Header.size..<dataStart))
                ip.view(dataStart..<dataStart + size).copyMemory(from: data.view(offset..<offset + size))
            } catch {
                return
            }
            counters.count(.fragmentsSent)
            transmitFrame(frame, length: EthernetHeader.size + dataStart + size, on: link)
            offset += size
        }
    }
}
