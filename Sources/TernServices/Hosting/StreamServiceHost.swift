import TernStack

/// Runs a `ServiceConnection` per accepted TCP connection: the adapter between the stack's
/// socket API and a service's I/O-free logic.
///
/// Reads are zero-copy (the service parses straight from the receive buffer), reading stops
/// while the service's `receiveCapacity` is 0 so the peer's window closes, output is pushed
/// as the send buffer drains, and the service's `disposition` decides when to close or
/// reset. Deadlines (idle, slow request, stalled output) are checked by `tick(now:)`.
public final class StreamServiceHost<Connection: ServiceConnection>: TCPListenerDelegate {
    /// One accepted connection and its service logic.
    final class Session: TCPConnectionDelegate {
        unowned let host: StreamServiceHost
        let socket: TCPConnection
        var service: Connection
        /// Last time bytes moved in either direction.
        var lastProgress: Instant
        var endDelivered = false
        var closing = false

        init(host: StreamServiceHost, socket: TCPConnection, service: Connection, now: Instant) {
            self.host = host
            self.socket = socket
            self.service = service
            self.lastProgress = now
        }

        func connectionDidReceive(_ connection: TCPConnection) { pump() }
        func connectionCanSend(_ connection: TCPConnection) { flush() }
        func connectionDidClose(_ connection: TCPConnection, error: SocketError?) { host.finish(self) }

        /// Feeds what has arrived to the service, then sends what it produced.
        func pump() {
            let now = host.stack.currentTime
            let clock = Int64(clamping: now.nanoseconds)
            while !endDelivered {
                let capacity = service.receiveCapacity
                guard capacity > 0 else { break }
                let taken = socket.read { bytes in
                    let offered = bytes.count <= capacity ? bytes : UnsafeRawBufferPointer(rebasing: bytes[0..<capacity])
                    return service.receive(offered, now: clock)
                }
                guard taken > 0 else { break }
                lastProgress = now
            }
            if socket.isEndOfStream && !endDelivered {
                endDelivered = true
                service.receiveEnd(now: clock)
            }
            flush()
        }

        /// Moves output to the socket and carries out the service's disposition.
        func flush() {
            if service.hasPendingOutput {
                let sent = service.sendOutput { bytes in self.socket.send(bytes) }
                if sent > 0 { lastProgress = host.stack.currentTime }
            }
            host.afterActivity?(&service)
            switch service.disposition {
            case .abort:
                socket.abort()
                host.finish(self)
            case .closeAfterOutput where !service.hasPendingOutput && !closing:
                closing = true
                // What the peer sends from now on (the rest of a body after an error, a
                // request pipelined behind `Connection: close`) is dropped, not reset: a
                // reset could destroy the response before the peer has read it.
                socket.closeDiscardingInput()
            default:
                // A service that stopped reading may be able to read again after sending.
                if !closing && service.receiveCapacity > 0 && socket.availableBytes > 0 && !endDelivered { pump() }
            }
        }
    }

    public let listener: TCPListener
    public let limits: StreamServiceLimits
    let stack: NetworkStack
    private let makeConnection: () -> Connection
    private var sessions: [ObjectIdentifier: Session] = [:]
    private var lastTick = Instant.zero
    /// Called after every bout of activity on a connection (the web server collects its
    /// access-log lines here).
    public var afterActivity: ((inout Connection) -> Void)?

    /// Serves `makeConnection()` on every connection `listener` accepts.
    public init(stack: NetworkStack, listener: TCPListener, limits: StreamServiceLimits = StreamServiceLimits(),
                makeConnection: @escaping () -> Connection) {
        self.stack = stack
        self.listener = listener
        self.limits = limits
        self.makeConnection = makeConnection
        listener.delegate = self
    }

    /// Connections being served.
    public var connectionCount: Int { sessions.count }

    public func listenerHasConnections(_ listener: TCPListener) {
        while let socket = listener.accept() {
            guard sessions.count < limits.maximumConnections else {
                socket.abort()
                continue
            }
            let session = Session(host: self, socket: socket, service: makeConnection(), now: stack.currentTime)
            sessions[ObjectIdentifier(session)] = session
            socket.delegate = session
            session.pump()
        }
    }

    fileprivate func finish(_ session: Session) {
        guard sessions.removeValue(forKey: ObjectIdentifier(session)) != nil else { return }
        session.service.connectionClosed()
        afterActivity?(&session.service)
    }

    /// Gives back the session table's room for a past burst of connections.
    public func releaseUnusedMemory() {
        sessions.releaseExcessCapacity()
    }

    /// Applies the deadlines; cheap to call often (it scans at most once a second).
    public func tick(now: Instant) {
        guard now >= lastTick + .seconds(1) else { return }
        lastTick = now
        for session in Array(sessions.values) { expire(session, now: now) }
    }

    private func expire(_ session: Session, now: Instant) {
        let clock = Int64(clamping: now.nanoseconds)
        var late = false
        if var aware = session.service as? any TimeoutAwareConnection {
            if let since = aware.requestInProgressSince,
               clock - since > Int64(clamping: limits.requestTimeout.nanosecondCount) {
                aware.timeOut()
                late = true
            }
            if late, let updated = aware as? Connection { session.service = updated }
        }
        if !late {
            let quiet = now - session.lastProgress
            let limit = session.service.hasPendingOutput ? limits.stalledOutputTimeout : limits.idleTimeout
            guard quiet > limit else { return }
            if var aware = session.service as? any TimeoutAwareConnection {
                aware.timeOut()
                if let updated = aware as? Connection { session.service = updated }
            } else {
                session.socket.abort()
                finish(session)
                return
            }
        }
        session.flush()
    }

    /// Closes every connection politely (FIN after what is queued) and stops listening.
    /// What a peer sent and nobody will read is discarded, so the close is a FIN, not a reset.
    public func closeAll() {
        listener.close()
        for session in Array(sessions.values) where !session.closing {
            session.closing = true
            session.socket.closeDiscardingInput()
        }
    }

    /// Connections whose data or FIN the peer has not acknowledged yet.
    public var connectionsClosing: Int {
        sessions.values.reduce(0) { $0 + ($1.socket.hasUnacknowledgedOutput ? 1 : 0) }
    }
}
