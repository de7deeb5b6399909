/// The states of a TCP connection (RFC 9293 §3.3.2).
public enum TCPState: Sendable, CustomStringConvertible {
    case closed
    case listen
    case synSent
    case synReceived
    case established
    case finWait1
    case finWait2
    case closeWait
    case closing
    case lastAck
    case timeWait

    /// Past the handshake: sequence numbers of both sides are known.
    var isSynchronized: Bool {
        switch self {
        case .closed, .listen, .synSent, .synReceived: false
        default: true
        }
    }

    /// States in which the peer may still send us data.
    var canReceiveData: Bool {
        switch self {
        case .synReceived, .established, .finWait1, .finWait2: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .closed: "CLOSED"
        case .listen: "LISTEN"
        case .synSent: "SYN-SENT"
        case .synReceived: "SYN-RECEIVED"
        case .established: "ESTABLISHED"
        case .finWait1: "FIN-WAIT-1"
        case .finWait2: "FIN-WAIT-2"
        case .closeWait: "CLOSE-WAIT"
        case .closing: "CLOSING"
        case .lastAck: "LAST-ACK"
        case .timeWait: "TIME-WAIT"
        }
    }
}

/// A connection's identity: local and remote address and port. Addresses of either IP
/// version are held as 128 bits (IPv4 mapped), so the key has one fixed layout.
struct ConnectionKey: Hashable {
    let remoteHigh: UInt64
    let remoteLow: UInt64
    let localHigh: UInt64
    let localLow: UInt64
    /// Remote port in the high half, local port in the low half.
    let ports: UInt32

    @inline(__always)
    init(local: IPAddress, localPort: UInt16, remote: IPAddress, remotePort: UInt16) {
        (remoteHigh, remoteLow) = remote.wide
        (localHigh, localLow) = local.wide
        ports = UInt32(remotePort) << 16 | UInt32(localPort)
    }

    /// An empty key no connection has (port 0 on both ends).
    static let none = ConnectionKey(local: .v4(.any), localPort: 0, remote: .v4(.any), remotePort: 0)
}

import TernWire
