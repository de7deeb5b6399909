@testable import TernStack
import TernWire

/// An application for tests: accepts every connection, records what happens, and reads
/// everything that arrives unless told not to.
final class TCPRecorder: TCPConnectionDelegate, TCPListenerDelegate {
    var accepted: [TCPConnection] = []
    var received: [UInt8] = []
    var connectedCount = 0
    var writableCount = 0
    var closures: [SocketError?] = []
    var endOfStreamSeen = false
    var autoRead = true
    var autoAccept = true

    func listenerHasConnections(_ listener: TCPListener) {
        guard autoAccept else { return }
        while let connection = listener.accept() {
            connection.delegate = self
            accepted.append(connection)
        }
    }

    func connectionDidConnect(_ connection: TCPConnection) { connectedCount += 1 }

    func connectionDidReceive(_ connection: TCPConnection) {
        guard autoRead else { return }
        drain(connection)
    }

    func drain(_ connection: TCPConnection) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { connection.receive(into: $0) }
            if n == 0 { break }
            received += buffer[0..<n]
        }
        if connection.isEndOfStream { endOfStreamSeen = true }
    }

    func connectionCanSend(_ connection: TCPConnection) { writableCount += 1 }

    func connectionDidClose(_ connection: TCPConnection, error: SocketError?) { closures.append(error) }
}

/// The scripted peer's view of one connection: the sequence numbers it is at.
struct ScriptedPeer {
    var port: UInt16 = 40000
    var sequence: UInt32 = 1_000_000
    var acknowledgment: UInt32 = 0
    var timestamp: UInt32 = 5000
    var useTimestamps = true

    /// Options for a non-SYN segment: timestamps (echoing `echo`) when enabled.
    func options(echo: UInt32 = 0) -> TCPOptions {
        useTimestamps ? TCPOptions(timestamps: TCPTimestamps(value: timestamp, echoReply: echo)) : TCPOptions()
    }
}

extension TestHost {
    /// Completes a handshake from the scripted peer to `port` and returns the accepted
    /// connection with the peer's state after it.
    func openConnection(to port: UInt16, recorder: TCPRecorder, peer initial: ScriptedPeer = ScriptedPeer(),
                        synOptions: TCPOptions = TCPOptions(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true,
                                                           timestamps: TCPTimestamps(value: 5000, echoReply: 0)),
                        window: UInt16 = 65535) -> (TCPConnection?, ScriptedPeer, SentFrame?) {
        var peer = initial
        deliver(tcp(peer.port, port, seq: peer.sequence, flags: .syn, window: window, options: synOptions))
        let synAck = log.take().first
        guard let reply = synAck?.tcp else { return (nil, peer, synAck) }
        peer.sequence += 1
        peer.acknowledgment = reply.header.sequenceNumber.rawValue &+ 1
        let echo = reply.options.timestamps?.value ?? 0
        peer.useTimestamps = synOptions.timestamps != nil
        deliver(tcp(peer.port, port, seq: peer.sequence, ack: peer.acknowledgment, flags: .ack, window: window,
                    options: peer.options(echo: echo)))
        return (recorder.accepted.last, peer, synAck)
    }
}
