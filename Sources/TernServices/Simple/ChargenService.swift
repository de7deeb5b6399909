import TernStack
import TernWire

/// Character generator (RFC 864) on one port, over UDP and TCP.
///
/// The pattern is the RFC's: lines of 72 printable ASCII characters (codes 32–126), each
/// line starting one character further along that 95-character ring, each ended by CR LF.
/// After 95 lines it repeats.
///
/// TCP: the pattern is written straight into the send buffer, as fast as the peer's window
/// lets it drain, until the peer closes its side (what the peer sends is read and dropped).
/// UDP: each datagram is answered with the next line-set: a run of the pattern starting at
/// the next line, 0–512 bytes long (the length is random, as RFC 864 describes).
public final class ChargenService: HostedService, UDPSocketDelegate, TCPConnectionDelegate {
    /// Printable characters per line.
    public static let lineLength = 72
    /// Bytes per line on the wire: the characters and CR LF.
    public static let lineStride = lineLength + 2
    /// Lines before the pattern repeats: one per printable character.
    public static let linesPerCycle = 95
    /// The longest UDP answer.
    public static let maximumDatagram = 512

    /// One full cycle of the pattern (95 lines, 7,030 bytes).
    public static let cycle: [UInt8] = {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(linesPerCycle * lineStride)
        for line in 0..<linesPerCycle {
            for column in 0..<lineLength {
                bytes.append(UInt8(32 + (line + column) % linesPerCycle))
            }
            bytes.append(13)
            bytes.append(10)
        }
        return bytes
    }()

    public var port: UInt16 { endpoint.port }
    private let endpoint: UDPAndTCPEndpoint
    private var random: SeededRandom
    /// The line the next UDP answer starts at.
    private var nextDatagramLine = 0
    /// Each TCP connection's position in the cycle.
    private var positions: [ObjectIdentifier: Int] = [:]

    /// Binds `port` for UDP and listens on it for TCP. `seed` drives the UDP answer lengths.
    public init(stack: NetworkStack, port: UInt16, backlog: Int = 128, seed: UInt64) throws(SocketError) {
        random = SeededRandom(seed: seed)
        endpoint = try UDPAndTCPEndpoint(stack: stack, port: port, backlog: backlog)
        endpoint.udp.delegate = self
        endpoint.tcp.accepted = { [unowned self] connection in
            connection.delegate = self
            self.positions[ObjectIdentifier(connection)] = 0
            self.generate(connection)
        }
    }

    public var summary: String { "chargen \(port)/tcp+udp" }

    public func shutdown() {
        endpoint.shutdown()
        positions.removeAll()
    }

    public var connectionsClosing: Int { endpoint.connectionsClosing }

    /// Copies the pattern from `position` into `destination`, wrapping around the cycle;
    /// returns the position after the last byte copied.
    static func fill(_ destination: UnsafeMutableRawBufferPointer, from position: Int) -> Int {
        var position = position % cycle.count
        var written = 0
        cycle.withUnsafeBytes { pattern in
            while written < destination.count {
                let n = min(destination.count - written, pattern.count - position)
                UnsafeMutableRawBufferPointer(rebasing: destination[written..<written + n])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: pattern[position..<position + n]))
                written += n
                position = (position + n) % pattern.count
            }
        }
        return position
    }

    // MARK: - UDP

    public func udpSocket(_ socket: UDPSocket, didReceive payload: UnsafeRawBufferPointer,
                          from address: IPAddress, port: UInt16) {
        guard UDPReflection.shouldAnswer(sourcePort: port) else { return }
        let length = Int(random.next() % UInt64(ChargenService.maximumDatagram + 1))
        let start = nextDatagramLine * ChargenService.lineStride
        nextDatagramLine = (nextDatagramLine + 1) % ChargenService.linesPerCycle
        withUnsafeTemporaryAllocation(byteCount: ChargenService.maximumDatagram, alignment: 1) { buffer in
            let reply = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length])
            _ = ChargenService.fill(reply, from: start)
            try? socket.send(UnsafeRawBufferPointer(reply), to: address, port: port)
        }
    }

    // MARK: - TCP

    /// Fills the send buffer with the pattern, unless the peer has closed.
    private func generate(_ connection: TCPConnection) {
        let id = ObjectIdentifier(connection)
        connection.discardReceived()
        if connection.isEndOfStream {
            end(connection)
            return
        }
        guard var position = positions[id] else { return }
        while connection.write({ region in
            position = ChargenService.fill(region, from: position)
            return region.count
        }) > 0 {}
        positions[id] = position
    }

    private func end(_ connection: TCPConnection) {
        connection.close()
        if !connection.isOpenOrClosing { forget(connection) }
    }

    private func forget(_ connection: TCPConnection) {
        positions[ObjectIdentifier(connection)] = nil
        endpoint.tcp.forget(connection)
    }

    public func connectionDidReceive(_ connection: TCPConnection) {
        generate(connection)
    }

    public func connectionCanSend(_ connection: TCPConnection) {
        generate(connection)
    }

    public func connectionDidClose(_ connection: TCPConnection, error: SocketError?) {
        forget(connection)
    }
}
