import FuzzSupport
import TernStack

/// Every figure of the engine's resource usage stays within the bound its configuration sets.
enum BoundChecks {
    static func check(_ usage: StackResourceUsage, against configuration: StackConfiguration) {
        let tcp = configuration.tcp
        require(usage.tcpConnections <= tcp.maximumConnections,
                "\(usage.tcpConnections) TCP connections, limit \(tcp.maximumConnections)")
        require(usage.tcpTimeWaitEntries <= tcp.maximumTimeWait,
                "\(usage.tcpTimeWaitEntries) TIME-WAIT entries, limit \(tcp.maximumTimeWait)")
        require(usage.tcpReceiveBufferGrowth >= 0 && usage.tcpReceiveBufferGrowth <= tcp.receiveBufferGrowthLimit,
                "receive buffers grew by \(usage.tcpReceiveBufferGrowth) bytes, limit \(tcp.receiveBufferGrowthLimit)")
        require(usage.tcpBufferBytesAllocated
                    <= usage.tcpConnections * (tcp.sendBufferSize + tcp.receiveBufferSize) + usage.tcpReceiveBufferGrowth,
                "\(usage.tcpBufferBytesAllocated) buffer bytes for \(usage.tcpConnections) connections")
        require(usage.tcpBufferBytesPooled <= tcp.maximumPooledBuffers * (tcp.sendBufferSize + tcp.receiveBufferSize),
                "\(usage.tcpBufferBytesPooled) buffer bytes pooled, limit \(tcp.maximumPooledBuffers) per size")
        require(usage.tcpLargestSendBufferUse <= tcp.sendBufferSize,
                "a send buffer holds \(usage.tcpLargestSendBufferUse) bytes, size \(tcp.sendBufferSize)")
        let largestReceiveBuffer = max(tcp.receiveBufferSize, tcp.maximumReceiveBufferSize)
        require(usage.tcpLargestReceiveBufferUse <= largestReceiveBuffer,
                "received data spans \(usage.tcpLargestReceiveBufferUse) bytes, largest buffer \(largestReceiveBuffer)")
        require(usage.tcpLargestRangeCount <= tcp.maximumOutOfOrderRanges,
                "a connection tracks \(usage.tcpLargestRangeCount) ranges, limit \(tcp.maximumOutOfOrderRanges)")
        let ipv4 = configuration.ipv4
        require(usage.reassemblyDatagrams <= ipv4.maximumReassemblies,
                "\(usage.reassemblyDatagrams) datagrams in reassembly, limit \(ipv4.maximumReassemblies)")
        require(usage.reassemblyBytes <= ipv4.reassemblyMemory,
                "\(usage.reassemblyBytes) bytes in reassembly, limit \(ipv4.reassemblyMemory)")
        require(usage.reassemblyBytes >= 0, "reassembly memory count went negative: \(usage.reassemblyBytes)")
        // Each interface has its own cache with these limits.
        let arp = configuration.arp, links = configuration.interfaces.count
        require(usage.arpEntries <= arp.maximumEntries * links,
                "\(usage.arpEntries) ARP entries, limit \(arp.maximumEntries) on each of \(links) links")
        require(usage.arpQueuedDatagrams <= arp.maximumQueuedTotal * links,
                "\(usage.arpQueuedDatagrams) datagrams waiting for ARP, limit \(arp.maximumQueuedTotal) on each of \(links) links")
        require(usage.arpLargestQueue <= arp.maximumQueuedPerAddress,
                "\(usage.arpLargestQueue) datagrams waiting for one address, limit \(arp.maximumQueuedPerAddress)")
        require(usage.arpQueuedDatagrams >= 0, "ARP queue count went negative: \(usage.arpQueuedDatagrams)")
    }
}
