import TernStack

/// A deterministic byte stream: byte i of stream `seed`.
func patternByte(_ index: Int, seed: UInt8) -> UInt8 {
    UInt8(truncatingIfNeeded: (index &* 2_654_435_761) >> 13) ^ seed
}

/// One side of a bulk transfer: sends `total` pattern bytes, checks the peer's stream
/// byte by byte, half-closes when done sending.
final class BulkEndpoint: TCPConnectionDelegate, TCPListenerDelegate {
    let total: Int
    let sendSeed: UInt8
    let receiveSeed: UInt8
    var sent = 0
    var received = 0
    var mismatches = 0
    var endOfStream = false
    var closedError: SocketError??
    var connection: TCPConnection?
    var shutDown = false

    init(total: Int, sendSeed: UInt8, receiveSeed: UInt8) {
        self.total = total
        self.sendSeed = sendSeed
        self.receiveSeed = receiveSeed
    }

    func attach(_ connection: TCPConnection) {
        self.connection = connection
        connection.delegate = self
        fill(connection)
    }

    func listenerHasConnections(_ listener: TCPListener) {
        while let c = listener.accept() { attach(c) }
    }

    func connectionDidConnect(_ connection: TCPConnection) { fill(connection) }
    func connectionCanSend(_ connection: TCPConnection) { fill(connection) }

    func connectionDidReceive(_ connection: TCPConnection) {
        while true {
            let n = connection.read { bytes in
                for (i, byte) in bytes.enumerated() where byte != patternByte(received + i, seed: receiveSeed) {
                    mismatches += 1
                }
                return bytes.count
            }
            if n == 0 { break }
            received += n
        }
        if connection.isEndOfStream { endOfStream = true }
    }

    func connectionDidClose(_ connection: TCPConnection, error: SocketError?) { closedError = .some(error) }

    private func fill(_ connection: TCPConnection) {
        while sent < total {
            let n = connection.write(maxLength: total - sent) { region in
                for i in 0..<region.count { region[i] = patternByte(sent + i, seed: sendSeed) }
                return region.count
            }
            if n == 0 { break }
            sent += n
        }
        if sent == total && !shutDown {
            shutDown = true
            connection.shutdownWrite()
        }
    }

    var isDone: Bool { sent == total && received == total && endOfStream }
}
