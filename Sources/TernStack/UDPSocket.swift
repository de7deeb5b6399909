import TernWire

/// Receives what arrives on a UDP socket. Called synchronously while the stack processes
/// the datagram: the payload view is only valid during the call.
public protocol UDPSocketDelegate: AnyObject {
    func udpSocket(_ socket: UDPSocket, didReceive payload: UnsafeRawBufferPointer,
                   from address: IPAddress, port: UInt16)
    /// An ICMP error came back for something this socket sent. Only connected sockets hear
    /// of errors (as with BSD sockets, where it shows up as ECONNREFUSED and friends).
    func udpSocket(_ socket: UDPSocket, didReceiveError error: SocketError)
}

extension UDPSocketDelegate {
    public func udpSocket(_ socket: UDPSocket, didReceiveError error: SocketError) {}
}

/// A UDP endpoint on the virtual host (RFC 768): bound to a local port, optionally
/// connected to one remote address and port.
public final class UDPSocket {
    public let localPort: UInt16
    public weak var delegate: (any UDPSocketDelegate)?
    /// The peer of a connected socket: it only accepts datagrams from there and hears of
    /// ICMP errors.
    public private(set) var remote: (address: IPAddress, port: UInt16)?
    /// The last ICMP error for a connected socket, cleared when read.
    public private(set) var pendingError: SocketError?

    /// Strong: the engine's memory lives as long as the socket. When the application drops
    /// its stack the socket is closed (`detach`) and the engine's table lets go of it.
    let stack: StackCore
    private(set) var isOpen = true
    /// While a datagram is being delivered, the (unicast) address it was sent to: a reply
    /// sent from the delegate call leaves from there, as a client expects of a server on a
    /// host with several addresses.
    var replySource: IPAddress?

    init(stack: StackCore, localPort: UInt16) {
        self.stack = stack
        self.localPort = localPort
    }

    /// Restricts the socket to one peer, the destination of `send(_:)`.
    public func connect(to address: IPAddress, port: UInt16) {
        remote = (address, port)
    }

    /// Restricts the socket to one IPv4 peer.
    public func connect(to address: IPv4Address, port: UInt16) {
        connect(to: .v4(address), port: port)
    }

    /// Returns and clears the last error.
    public func takeError() -> SocketError? {
        defer { pendingError = nil }
        return pendingError
    }

    /// Sends a datagram to `address`:`port`. Datagrams above the MTU are fragmented.
    public func send(_ payload: UnsafeRawBufferPointer, to address: IPAddress, port: UInt16) throws(SocketError) {
        guard isOpen else { throw .closed }
        guard port != 0 else { throw .invalidArgument }
        try stack.sendUDP(payload, from: replySource, port: localPort, to: address, port: port)
    }

    /// Sends a datagram to an IPv4 `address`:`port`.
    public func send(_ payload: UnsafeRawBufferPointer, to address: IPv4Address, port: UInt16) throws(SocketError) {
        try send(payload, to: .v4(address), port: port)
    }

    /// Sends a datagram to the connected peer.
    public func send(_ payload: UnsafeRawBufferPointer) throws(SocketError) {
        guard let remote else { throw .notConnected }
        try send(payload, to: remote.address, port: remote.port)
    }

    /// Unbinds the port.
    public func close() {
        guard isOpen else { return }
        isOpen = false
        stack.unbindUDP(self)
    }

    /// The stack is going away: the socket is closed, and its calls answer `.closed`.
    func detach() {
        isOpen = false
    }

    func deliverError(_ error: SocketError) {
        pendingError = error
        delegate?.udpSocket(self, didReceiveError: error)
    }
}

extension StackCore {
    /// Binds a UDP socket to `port` (0 picks a free ephemeral port).
    func bindUDP(port: UInt16 = 0) throws(SocketError) -> UDPSocket {
        let chosen: UInt16
        if port == 0 {
            guard let free = pickEphemeralPort(isFree: { udpSockets[$0] == nil }) else { throw .noPortsAvailable }
            chosen = free
        } else {
            guard udpSockets[port] == nil else { throw .addressInUse }
            chosen = port
        }
        let socket = UDPSocket(stack: self, localPort: chosen)
        udpSockets[chosen] = socket
        return socket
    }

    func unbindUDP(_ socket: UDPSocket) {
        if udpSockets[socket.localPort] === socket { udpSockets[socket.localPort] = nil }
    }

    /// A random free port in the IANA ephemeral range 49152–65535.
    func pickEphemeralPort(isFree: (UInt16) -> Bool) -> UInt16? {
        let base: UInt32 = 49152, span: UInt32 = 16384
        let start = UInt32(truncatingIfNeeded: random.next()) % span
        for i in 0..<span {
            let port = UInt16(base + (start + i) % span)
            if isFree(port) { return port }
        }
        return nil
    }

    func sendUDP(_ payload: UnsafeRawBufferPointer, from source: IPAddress?, port sourcePort: UInt16,
                 to address: IPAddress, port: UInt16) throws(SocketError) {
        let length = UDPHeader.size + payload.count
        guard length <= StackCore.maximumDatagram - IPv4Header.minimumSize else { throw .messageTooLong }
        let outcome = sendIP(from: source, to: address, protocol: .udp, payloadLength: length) { buffer, pseudoHeader in
            buffer.view(UDPHeader.size..<length).copyMemory(from: payload)
            let header = UDPHeader(sourcePort: sourcePort, destinationPort: port, length: UInt16(length))
            _ = try? header.write(to: buffer, pseudoHeader: pseudoHeader)
        }
        if case .failed(let error) = outcome { throw error }
        counters.count(.udpDatagramsSent)
    }

    func handleUDP(_ datagram: ReceivedDatagram) {
        let udp: UDPDatagram
        do {
            udp = try UDPHeader.parse(datagram.payload)
        } catch {
            counters.drop(error == .truncated ? .udpTruncated : .udpBadLength)
            return
        }
        var sum = datagram.pseudoHeader(.udp, length: udp.bytes.count)
        sum.add(udp.bytes)
        let unchecked = udp.header.checksum == 0 && datagram.allowsZeroChecksum
        guard unchecked || sum.value == 0 else {
            counters.drop(.udpBadChecksum)
            return
        }
        let source = datagram.source, sourcePort = udp.header.sourcePort
        guard let socket = udpSockets[udp.header.destinationPort] else {
            counters.drop(.udpNoListener)
            sendICMPError(type: .destinationUnreachable, code: ICMPUnreachableCode.port.rawValue, about: datagram)
            return
        }
        if let remote = socket.remote, remote.address != source || remote.port != sourcePort {
            counters.drop(.udpNoListener)
            return
        }
        counters.count(.udpDatagramsDelivered)
        socket.replySource = datagram.isBroadcast ? nil : datagram.destination
        socket.delegate?.udpSocket(socket, didReceive: udp.payload, from: source, port: sourcePort)
        socket.replySource = nil
    }

    func udpError(_ error: SocketError, localPort: UInt16, remote: IPAddress, remotePort: UInt16) {
        guard let socket = udpSockets[localPort], let peer = socket.remote,
              peer.address == remote, peer.port == remotePort else { return }
        socket.deliverError(error)
    }
}
