import FuzzSupport
import TernStack
import TernWire

/// Flow control from the sender's side (the sender never exceeds the peer's
/// window): no data byte the engine sends lies beyond the furthest right edge (acknowledgment
/// plus scaled window) that any segment from the peer offered on that connection.
///
/// Conservative where it must guess: the scale is the largest the peer ever asked for on the
/// 4-tuple, every offered edge counts (even from segments the engine rightly ignores), and
/// only acknowledgments within 2^30 below what the engine has sent are believed, so that
/// sequence comparisons stay meaningful. TCP in IPv4 fragments (which the check does not
/// reassemble) turns the check off for the rest of the script.
struct WindowCheck {
    private struct Connection {
        let remote: IPv4Address
        let remotePort: UInt16
        let localPort: UInt16
        var scale: UInt8 = 0
        /// The engine's initial sequence number: a new one means a new connection.
        var initialSequence: UInt32?
        var highestSent: UInt32?
        var edge: UInt32?
    }

    private var connections: [Connection] = []
    private var disabled = false

    /// Learns the window a delivered frame offers, if it is a TCP segment to us.
    mutating func peerSent(_ frame: [UInt8]) {
        guard !disabled else { return }
        guard let parsed = try? ParsedFrame.parse(frame) else {
            learnScaleOfMalformedSYN(frame)
            return
        }
        guard case .ipv4(let ip, let headerValid, let transport) = parsed.network,
              headerValid, ip.destination == StackCast.hostIP else { return }
        if ip.isFragment {
            if ip.protocol == .tcp { disabled = true }
            return
        }
        guard case .tcp(let tcp, let options, let valid, _) = transport, valid else { return }
        let index = find(ip.source, tcp.sourcePort, tcp.destinationPort)
        let flags = tcp.flags
        if flags.contains(.syn), let shift = options.windowScale {
            connections[index].scale = max(connections[index].scale, min(shift, 14))
        }
        guard flags.contains(.ack), !flags.contains(.rst), let highest = connections[index].highestSent else { return }
        let ack = tcp.acknowledgmentNumber.rawValue
        guard highest &- ack <= 1 << 30 else { return }
        let shift = flags.contains(.syn) ? 0 : connections[index].scale
        let edge = ack &+ UInt32(tcp.window) << UInt32(shift)
        if let current = connections[index].edge, Int32(bitPattern: edge &- current) <= 0 { return }
        connections[index].edge = edge
    }

    /// A SYN whose options do not parse strictly is still taken by the engine, which reads
    /// them as Linux does (`TCPOptions.parseLeniently`): the scale it asks for counts too.
    private mutating func learnScaleOfMalformedSYN(_ frame: [UInt8]) {
        frame.withUnsafeBytes { bytes in
            let ipStart = EthernetHeader.size
            guard bytes.count >= ipStart + 20, bytes[12] == 0x08, bytes[13] == 0x00,
                  bytes[ipStart] >> 4 == 4, bytes[ipStart + 9] == 6 else { return }
            let destination = IPv4Address(bytes[ipStart + 16], bytes[ipStart + 17], bytes[ipStart + 18],
                                          bytes[ipStart + 19])
            let tcpStart = ipStart + Int(bytes[ipStart] & 0x0F) * 4
            guard destination == StackCast.hostIP, bytes.count >= tcpStart + 20 else { return }
            let flags = bytes[tcpStart + 13]
            guard flags & 0x02 != 0 else { return }
            let tcpHeaderLength = Int(bytes[tcpStart + 12] >> 4) * 4
            guard tcpHeaderLength > 20, bytes.count >= tcpStart + tcpHeaderLength else { return }
            let options = TCPOptions.parseLeniently(
                UnsafeRawBufferPointer(rebasing: bytes[(tcpStart + 20)..<(tcpStart + tcpHeaderLength)]))
            guard let shift = options.windowScale else { return }
            let source = IPv4Address(bytes[ipStart + 12], bytes[ipStart + 13], bytes[ipStart + 14], bytes[ipStart + 15])
            let sourcePort = UInt16(bytes[tcpStart]) << 8 | UInt16(bytes[tcpStart + 1])
            let destinationPort = UInt16(bytes[tcpStart + 2]) << 8 | UInt16(bytes[tcpStart + 3])
            let index = find(source, sourcePort, destinationPort)
            connections[index].scale = max(connections[index].scale, min(shift, 14))
        }
    }

    /// Checks a segment the engine sent against the peer's furthest offered edge.
    mutating func engineSent(_ tcp: TCPHeader, to remote: IPv4Address, payloadLength: Int) {
        guard !disabled else { return }
        let index = find(remote, tcp.destinationPort, tcp.sourcePort)
        let sequence = tcp.sequenceNumber.rawValue
        if tcp.flags.contains(.syn) {
            if connections[index].initialSequence != sequence {
                connections[index].initialSequence = sequence
                connections[index].edge = nil
                connections[index].highestSent = sequence &+ 1
            }
            return
        }
        guard !tcp.flags.contains(.rst) else { return }
        let end = sequence &+ UInt32(payloadLength)
        if payloadLength > 0, let edge = connections[index].edge {
            require(Int32(bitPattern: end &- edge) <= 0,
                    "data up to \(end) sent to \(remote):\(tcp.destinationPort), beyond the peer's window edge \(edge)")
        }
        let reach = end &+ (tcp.flags.contains(.fin) ? 1 : 0)
        if let highest = connections[index].highestSent {
            if Int32(bitPattern: reach &- highest) > 0 { connections[index].highestSent = reach }
        }
    }

    private mutating func find(_ remote: IPv4Address, _ remotePort: UInt16, _ localPort: UInt16) -> Int {
        if let i = connections.firstIndex(where: {
            $0.remote == remote && $0.remotePort == remotePort && $0.localPort == localPort
        }) {
            return i
        }
        connections.append(Connection(remote: remote, remotePort: remotePort, localPort: localPort))
        return connections.count - 1
    }
}
