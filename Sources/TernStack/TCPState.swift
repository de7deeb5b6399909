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

/// A connection's identity on our single address: remote address and port, local port,
/// packed into one integer so table lookups hash a single word.
struct ConnectionKey: Hashable {
    let rawValue: UInt64

    init(remote: IPv4Address, remotePort: UInt16, localPort: UInt16) {
        rawValue = UInt64(remote.rawValue) << 32 | UInt64(remotePort) << 16 | UInt64(localPort)
    }
}

import TernWire
