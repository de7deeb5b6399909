import DequeModule
import TernWire

/// Notification that a listener has connections waiting to be accepted.
public protocol TCPListenerDelegate: AnyObject {
    /// Call `accept()` until it returns nil.
    func listenerHasConnections(_ listener: TCPListener)
}

/// A passive-open socket on one port: completes handshakes and queues the established
/// connections until the application accepts them.
///
/// Two bounds keep it safe under load: the accept backlog (established, not yet accepted)
/// and the SYN queue (half-open). A SYN finding the backlog full is dropped, so the peer
/// retries later; a SYN finding the SYN queue full pushes out the oldest half-open
/// connection, which keeps a SYN flood from locking out real clients. So does a SYN
/// arriving when the host's connection limit is reached (see `TCPLayer`).
public final class TCPListener {
    public let port: UInt16
    public let backlog: Int
    public weak var delegate: (any TCPListenerDelegate)?
    /// Strong: the layer lives as long as the listener. When the application drops its
    /// stack the listener is closed (`detach`) and the layer's table lets go of it.
    let layer: TCPLayer

    var acceptQueue = Deque<TCPConnection>()
    /// Half-open connections, oldest first (entries that moved on are skipped lazily).
    var halfOpen = Deque<TCPConnection>()
    var halfOpenCount = 0
    var isQueuedForEvents = false
    public private(set) var isOpen = true

    init(layer: TCPLayer, port: UInt16, backlog: Int) {
        self.layer = layer
        self.port = port
        self.backlog = max(1, backlog)
    }

    /// Connections established and waiting.
    public var pendingConnections: Int { acceptQueue.count }

    /// The next established connection, or nil.
    public func accept() -> TCPConnection? {
        acceptQueue.popFirst()
    }

    /// Stops listening. Connections not yet accepted are reset.
    public func close() {
        guard isOpen else { return }
        isOpen = false
        layer.closeListener(self)
        while let connection = acceptQueue.popFirst() { connection.abort() }
        for connection in halfOpen where connection.state == .synReceived { connection.abort() }
        halfOpen.removeAll()
        halfOpenCount = 0
    }

    /// The stack is going away: no more connections; the layer has closed the queued ones.
    func detach() {
        isOpen = false
        acceptQueue.removeAll()
        halfOpen.removeAll()
        halfOpenCount = 0
    }

    /// Records a new half-open connection; returns one to evict when the SYN queue is full.
    func addHalfOpen(_ connection: TCPConnection, limit: Int) -> TCPConnection? {
        var victim: TCPConnection?
        if halfOpenCount >= limit {
            while let oldest = halfOpen.popFirst() {
                if oldest.state == .synReceived && oldest.listener === self {
                    victim = oldest
                    break
                }
            }
        }
        halfOpen.append(connection)
        halfOpenCount += 1
        return victim
    }

    /// The half-open connection that has waited longest, if any. Records of connections
    /// that moved on are dropped on the way.
    func oldestHalfOpen() -> TCPConnection? {
        while let first = halfOpen.first {
            if first.state == .synReceived && first.listener === self { return first }
            halfOpen.removeFirst()
        }
        return nil
    }

    /// A half-open connection finished its handshake or died.
    func halfOpenEnded() {
        halfOpenCount = max(0, halfOpenCount - 1)
        // Drop records of connections that moved on, so the queue stays near its count.
        while let first = halfOpen.first, first.state != .synReceived || first.listener !== self {
            halfOpen.removeFirst()
        }
        // Behind a connection that stays half-open (a spoofed SYN keeps its SYN-ACK going
        // for a minute), records of finished connections would pile up and keep them
        // alive; sweep them out once they outnumber the live ones.
        if halfOpen.count > 2 * halfOpenCount + TCPListener.sweepSlack {
            halfOpen.removeAll { $0.state != .synReceived || $0.listener !== self }
        }
    }

    /// Stale records tolerated before a sweep; sweeps cost a pass over the queue, so they
    /// happen only when at least half of it is stale.
    static let sweepSlack = 16
}
