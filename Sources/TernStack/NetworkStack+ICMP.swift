import TernWire

extension StackCore {
    /// Most of an offending datagram an ICMP error quotes: the whole error fits in the
    /// 576 bytes every host accepts (RFC 1812 §4.3.2.3, as Linux does).
    static let icmpErrorQuoteLimit = 576 - IPv4Header.minimumSize - ICMPHeader.size

    func handleICMP(_ datagram: ReceivedDatagram) {
        let message: ICMPMessage
        do {
            message = try ICMPHeader.parse(datagram.payload)
        } catch {
            counters.drop(.icmpTruncated)
            return
        }
        guard message.isChecksumValid else {
            counters.drop(.icmpBadChecksum)
            return
        }
        switch message.header.type {
        case .echoRequest:
            // Like Linux (icmp_echo_ignore_broadcasts), broadcast pings go unanswered:
            // they are a classic amplification vector.
            guard !datagram.isBroadcast else {
                counters.drop(.icmpBroadcastEcho)
                return
            }
            sendEchoReply(to: datagram, request: message)
        case .timestampRequest:
            guard !datagram.isBroadcast else {
                counters.drop(.icmpBroadcastEcho)
                return
            }
            sendTimestampReply(to: datagram, request: message)
        case .destinationUnreachable, .timeExceeded, .parameterProblem, .sourceQuench:
            counters.count(.icmpErrorsReceived)
            handleICMPError(message)
        default:
            counters.drop(.icmpUnhandled)
        }
    }

    /// The reply carries the request's identifier, sequence number and data unchanged, and
    /// its record-route and timestamp options, stamped by us on the way in and on the way
    /// out as Linux does, so the route recorded is the whole round trip (RFC 1122 §3.2.2.6).
    private func sendEchoReply(to datagram: ReceivedDatagram, request: ICMPMessage) {
        let optionArea = datagram.headerBytes.count - IPv4Header.minimumSize
        guard optionArea > 0,
              let index = try? IPv4Options.index(datagram.headerBytes.view(IPv4Header.minimumSize..<datagram.headerBytes.count)),
              index.recordRoute != nil || index.timestamp != nil else {
            sendEchoReply(to: datagram, request: request, options: UnsafeRawBufferPointer(start: nil, count: 0))
            return
        }
        withUnsafeTemporaryAllocation(byteCount: IPv4Header.maximumSize - IPv4Header.minimumSize,
                                      alignment: 4) { area in
            let received = datagram.headerBytes.view(IPv4Header.minimumSize..<datagram.headerBytes.count)
            let length = IPv4Options.copyEchoed(from: received, index: index, into: area)
            let options = area.view(0..<length)
            // Where the options now sit in the copy.
            guard let echoed = try? IPv4Options.index(UnsafeRawBufferPointer(options)) else { return }
            stampOptions(of: options, index: echoed, address: datagram.header.destination, headerOffset: 0)
            stampOptions(of: options, index: echoed, address: datagram.header.destination, headerOffset: 0)
            sendEchoReply(to: datagram, request: request, options: UnsafeRawBufferPointer(options))
        }
    }

    private func sendEchoReply(to datagram: ReceivedDatagram, request: ICMPMessage,
                               options: UnsafeRawBufferPointer) {
        let length = request.bytes.count
        // The reply comes from the address the request was sent to.
        let outcome = sendIPv4(from: datagram.header.destination, to: datagram.header.source, protocol: .icmp,
                               payloadLength: length, typeOfService: datagram.header.typeOfService,
                               options: options) { buffer, _ in
            buffer.copyMemory(from: request.bytes)
            var reply = request.header
            reply.type = .echoReply
            _ = try? reply.write(to: buffer)
        }
        if case .failed = outcome { return }
        counters.count(.echoRepliesSent)
    }

    /// Records `address` and the time in the record-route and timestamp options of a
    /// header (`headerOffset` 20, whose checksum is then recomputed) or of a bare options
    /// area (`headerOffset` 0).
    func stampOptions(of bytes: UnsafeMutableRawBufferPointer, index: IPv4OptionIndex, address: IPv4Address,
                      headerOffset: Int = IPv4Header.minimumSize) {
        let area = bytes.view(headerOffset..<bytes.count)
        if let route = index.recordRoute {
            IPv4Options.recordRoute(in: area, at: route, address: address)
        }
        if let stamp = index.timestamp {
            IPv4Options.timestamp(in: area, at: stamp, address: address, milliseconds: timeOfDayMilliseconds())
        }
        guard headerOffset > 0 else { return }
        bytes.storeBytes(of: 0, toByteOffset: 10, as: UInt16.self)
        let sum = InternetChecksum.compute(UnsafeRawBufferPointer(bytes))
        bytes.storeBytes(of: UInt8(sum >> 8), toByteOffset: 10, as: UInt8.self)
        bytes.storeBytes(of: UInt8(sum & 0xFF), toByteOffset: 11, as: UInt8.self)
    }

    /// Milliseconds since midnight UT, the unit of ICMP and IP timestamps (RFC 791, 792),
    /// from the wall clock the daemon gave (`wallClockAtOrigin`). Without one, the stack's
    /// own milliseconds with the high bit set, which marks a time not counted from midnight.
    func timeOfDayMilliseconds() -> UInt32 {
        guard let origin = wallClockAtOrigin else {
            return UInt32(truncatingIfNeeded: now.milliseconds) | 0x8000_0000
        }
        return UInt32((origin &+ now.milliseconds) % 86_400_000)
    }

    /// The size of a timestamp request or reply: the header, then the originate, receive
    /// and transmit timestamps (RFC 792).
    static let icmpTimestampMessageSize = ICMPHeader.size + 12

    /// Answers a timestamp request (RFC 792; a MAY in RFC 1122 §3.2.2.8, which Linux does):
    /// the originate timestamp back, our receive and transmit times (see
    /// `timeOfDayMilliseconds` for what they count).
    private func sendTimestampReply(to datagram: ReceivedDatagram, request: ICMPMessage) {
        guard request.bytes.count >= StackCore.icmpTimestampMessageSize, request.header.code == 0 else {
            counters.drop(.icmpTruncated)
            return
        }
        // Copied as it came, byte order and all.
        let originate = request.payload.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
        let clock = timeOfDayMilliseconds()
        let outcome = sendIPv4(from: datagram.header.destination, to: datagram.header.source, protocol: .icmp,
                               payloadLength: StackCore.icmpTimestampMessageSize,
                               typeOfService: datagram.header.typeOfService) { buffer, _ in
            buffer.storeBytes(of: originate, toByteOffset: 8, as: UInt32.self)
            buffer.storeBytes(of: clock.bigEndian, toByteOffset: 12, as: UInt32.self)
            buffer.storeBytes(of: clock.bigEndian, toByteOffset: 16, as: UInt32.self)
            var reply = request.header
            reply.type = .timestampReply
            _ = try? reply.write(to: buffer)
        }
        if case .failed = outcome { return }
        counters.count(.icmpTimestampRepliesSent)
    }

    /// Sends an ICMP error about `datagram`, unless RFC 1122 §3.2.2 forbids it: never about
    /// an ICMP error, a broadcast or multicast, a fragment other than the first, or a
    /// datagram whose source does not name a single host. Rate limited.
    func sendICMPError(type: ICMPType, code: UInt8, restOfHeader: UInt32 = 0, about datagram: ReceivedDatagram) {
        let header = datagram.header
        if datagram.isBroadcast || header.destination.isMulticast { return }
        if header.fragmentOffset != 0 { return }
        let source = header.source
        if source.isUnspecified || source.isLimitedBroadcast || source.isMulticast
            || isDirectedBroadcast(source) || source.isLoopback { return }
        if header.protocol == .icmp {
            // An ICMP message we cannot read, or an error, gets no error back.
            guard datagram.payload.count >= 1 else { return }
            if ICMPType(rawValue: datagram.payload[0]).isError { return }
        }
        guard icmpErrorLimiter.take(now: now) else {
            counters.drop(.icmpRateLimited)
            return
        }
        let headerLength = datagram.headerBytes.count
        let quoted = min(datagram.payload.count, StackCore.icmpErrorQuoteLimit - headerLength)
        guard quoted >= 0 else { return }
        let length = ICMPHeader.size + headerLength + quoted
        // From the address the datagram was sent to when it is ours (a port unreachable),
        // else from the interface the error leaves by (a router's time exceeded).
        let from: IPv4Address? = isLocal(header.destination) ? header.destination : nil
        let outcome = sendIPv4(from: from, to: source, protocol: .icmp, payloadLength: length) { buffer, _ in
            buffer.view(ICMPHeader.size..<ICMPHeader.size + headerLength).copyMemory(from: datagram.headerBytes)
            buffer.view(ICMPHeader.size + headerLength..<length).copyMemory(from: datagram.payload.view(0..<quoted))
            _ = try? ICMPHeader(type: type, code: code, restOfHeader: restOfHeader).write(to: buffer)
        }
        if case .failed = outcome { return }
        counters.count(.icmpErrorsSent)
    }

    /// Passes an ICMP error to the transport that sent the quoted datagram.
    private func handleICMPError(_ message: ICMPMessage) {
        guard let quoted = message.quotedDatagram, isLocal(quoted.header.source),
              quoted.leadingPayload.count >= 4 else { return }
        let error = StackCore.socketError(for: message.header)
        let sourcePort = quoted.leadingPayload.loadUnaligned(fromByteOffset: 0, as: UInt16.self).bigEndian
        let destinationPort = quoted.leadingPayload.loadUnaligned(fromByteOffset: 2, as: UInt16.self).bigEndian
        let remote = IPAddress.v4(quoted.header.destination), local = IPAddress.v4(quoted.header.source)
        switch quoted.header.protocol {
        case .udp:
            udpError(error, localPort: sourcePort, remote: remote, remotePort: destinationPort)
        case .tcp:
            tcpICMPError(error, message: message.header, local: local, localPort: sourcePort, remote: remote,
                         remotePort: destinationPort, quotedPayload: quoted.leadingPayload)
        default:
            break
        }
    }

    /// A datagram we could not deliver (ARP failed): tell its transport as if an ICMP host
    /// unreachable had come back, or, forwarded for another host, tell that host with one
    /// (RFC 1812 §5.2.7.1).
    func reportUnreachable(datagram bytes: UnsafeRawBufferPointer) {
        guard let packet = try? IPv4Header.parse(bytes) else { return }
        guard isLocal(packet.header.source) else {
            let datagram = ReceivedDatagram(header: packet.header, headerBytes: packet.headerBytes,
                                            payload: packet.payload, isBroadcast: false, wasFragmented: false,
                                            interface: 0)
            sendICMPError(type: .destinationUnreachable, code: ICMPUnreachableCode.host.rawValue, about: datagram)
            return
        }
        guard packet.payload.count >= 4, packet.header.fragmentOffset == 0 else { return }
        let sourcePort = packet.payload.loadUnaligned(fromByteOffset: 0, as: UInt16.self).bigEndian
        let destinationPort = packet.payload.loadUnaligned(fromByteOffset: 2, as: UInt16.self).bigEndian
        let remote = IPAddress.v4(packet.header.destination), local = IPAddress.v4(packet.header.source)
        switch packet.header.protocol {
        case .udp:
            udpError(.hostUnreachable, localPort: sourcePort, remote: remote, remotePort: destinationPort)
        case .tcp:
            let unreachable = ICMPHeader(type: .destinationUnreachable, code: ICMPUnreachableCode.host.rawValue)
            tcpICMPError(.hostUnreachable, message: unreachable, local: local, localPort: sourcePort, remote: remote,
                         remotePort: destinationPort, quotedPayload: packet.payload)
        default:
            break
        }
    }

    /// The socket error an ICMP error stands for.
    static func socketError(for header: ICMPHeader) -> SocketError {
        guard header.type == .destinationUnreachable else { return .hostUnreachable }
        switch header.code {
        case ICMPUnreachableCode.port.rawValue, ICMPUnreachableCode.protocol.rawValue: return .connectionRefused
        case ICMPUnreachableCode.network.rawValue: return .networkUnreachable
        case ICMPUnreachableCode.fragmentationNeeded.rawValue: return .messageTooLong
        default: return .hostUnreachable
        }
    }
}
