import TernWire

/// What the engine is holding at one moment: table sizes and buffer memory, each with a
/// configured bound (`StackConfiguration`). Hostile traffic must never push a figure past
/// its bound, and once the traffic stops and the timers have run, everything but the
/// listeners and the connections still open returns to zero.
///
/// Meant for an operator's status line, a soak test watching for growth, and a fuzzer
/// checking the bounds after every frame.
public struct StackResourceUsage: Sendable, Equatable, CustomStringConvertible {
    /// TCP connections in every state but LISTEN and TIME-WAIT
    /// (bound: `TCPConfiguration.maximumConnections`).
    public var tcpConnections = 0
    /// Compact TIME-WAIT records (bound: `TCPConfiguration.maximumTimeWait`).
    public var tcpTimeWaitEntries = 0
    /// Sockets listening for TCP connections.
    public var tcpListeners = 0
    /// Bytes of send and receive buffer storage allocated, all connections together. A
    /// connection allocates a buffer when data needs it and returns it when idle.
    public var tcpBufferBytesAllocated = 0
    /// Bytes of buffer storage kept for reuse after connections gave it back
    /// (bound: `TCPConfiguration.maximumPooledBuffers` blocks of each buffer size); freed when it
    /// goes unused for two buffer-release intervals.
    public var tcpBufferBytesPooled = 0
    /// The most bytes one connection holds in its send buffer: queued and not yet
    /// acknowledged (bound: `TCPConfiguration.sendBufferSize`).
    public var tcpLargestSendBufferUse = 0
    /// The most receive-buffer space one connection spans: unread in-order data up to the
    /// end of its furthest out-of-order data (bound: `TCPConfiguration.maximumReceiveBufferSize`,
    /// `receiveBufferSize` for a buffer that has not grown).
    public var tcpLargestReceiveBufferUse = 0
    /// Bytes by which open connections' receive buffers have grown beyond
    /// `TCPConfiguration.receiveBufferSize` (bound: `TCPConfiguration.receiveBufferGrowthLimit`).
    public var tcpReceiveBufferGrowth = 0
    /// The most ranges one connection tracks, out-of-order data received or blocks the peer
    /// has SACKed (bound: `TCPConfiguration.maximumOutOfOrderRanges`, and one per KiB of the
    /// connection's buffer).
    public var tcpLargestRangeCount = 0
    /// Entries in the TCP timer heap. Stale entries are only skipped when they come due,
    /// so this may exceed the connection count for a while, never for long.
    public var tcpTimerEntries = 0
    /// Datagrams being reassembled (bound: `IPv4Configuration.maximumReassemblies`).
    public var reassemblyDatagrams = 0
    /// Bytes held by those datagrams (bound: `IPv4Configuration.reassemblyMemory`).
    public var reassemblyBytes = 0
    /// Neighbour table entries (bound: `ARPConfiguration.maximumEntries`).
    public var arpEntries = 0
    /// Datagrams waiting for ARP to resolve their next hop
    /// (bound: `ARPConfiguration.maximumQueuedTotal`).
    public var arpQueuedDatagrams = 0
    /// The most datagrams waiting for one address
    /// (bound: `ARPConfiguration.maximumQueuedPerAddress`).
    public var arpLargestQueue = 0
    /// Bytes of the datagrams waiting for ARP.
    public var arpQueuedBytes = 0
    /// Bound UDP sockets.
    public var udpSockets = 0

    public init() {}

    public var description: String {
        "tcp \(tcpConnections) conn, \(tcpTimeWaitEntries) time-wait, \(tcpListeners) listening, "
            + "\(tcpBufferBytesAllocated) buffer bytes, \(tcpBufferBytesPooled) pooled, \(tcpReceiveBufferGrowth) grown (largest send \(tcpLargestSendBufferUse), "
            + "receive \(tcpLargestReceiveBufferUse), \(tcpLargestRangeCount) ranges), \(tcpTimerEntries) timers; "
            + "reassembly \(reassemblyDatagrams) datagrams, \(reassemblyBytes) bytes; "
            + "arp \(arpEntries) entries, \(arpQueuedDatagrams) queued (\(arpQueuedBytes) bytes, "
            + "largest \(arpLargestQueue)); udp \(udpSockets) sockets"
    }
}

extension StackCore {
    /// A snapshot of the resources the engine holds. Walks the connection and neighbour
    /// tables (both bounded), so it costs a few microseconds per thousand entries: fine once
    /// a second or after every step of a test, not for every frame of a busy host.
    var resourceUsage: StackResourceUsage {
        var usage = StackResourceUsage()
        tcp.addResourceUsage(to: &usage)
        usage.reassemblyDatagrams = reassembler.datagramCount
        usage.reassemblyBytes = reassembler.memoryUsed
        for interface in interfaces {
            usage.arpEntries += interface.arp.entries.count
            for entry in interface.arp.entries.values where !entry.queue.isEmpty {
                usage.arpQueuedDatagrams += entry.queue.count
                usage.arpLargestQueue = max(usage.arpLargestQueue, entry.queue.count)
                for datagram in entry.queue { usage.arpQueuedBytes += datagram.count }
            }
        }
        usage.udpSockets = udpSockets.count
        return usage
    }
}

extension TCPLayer {
    func addResourceUsage(to usage: inout StackResourceUsage) {
        usage.tcpConnections = connections.count
        usage.tcpTimeWaitEntries = timeWait.count
        usage.tcpListeners = listeners.count
        usage.tcpTimerEntries = timers.count
        usage.tcpReceiveBufferGrowth = receiveBufferGrowth
        usage.tcpBufferBytesPooled = bufferPools.reduce(0) { $0 + $1.count * $1.blockSize }
        for connection in connections.values {
            if connection.sendBuffer.isAllocated { usage.tcpBufferBytesAllocated += connection.sendBuffer.capacity }
            if connection.receiveBuffer.isAllocated { usage.tcpBufferBytesAllocated += connection.receiveBuffer.capacity }
            usage.tcpLargestSendBufferUse = max(usage.tcpLargestSendBufferUse, connection.sendBuffer.count)
            var receiveUse = connection.receiveBuffer.count
            if let end = connection.outOfOrder.highestEnd {
                receiveUse = max(receiveUse, connection.receiveBuffer.count + (end - connection.receiveNext))
            }
            usage.tcpLargestReceiveBufferUse = max(usage.tcpLargestReceiveBufferUse, receiveUse)
            usage.tcpLargestRangeCount = max(usage.tcpLargestRangeCount, connection.outOfOrder.ranges.count,
                                             connection.scoreboard.ranges.count)
        }
    }
}
