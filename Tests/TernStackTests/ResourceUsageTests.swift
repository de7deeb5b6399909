import Testing
@testable import TernStack
import TernWire

@Suite("Resource usage snapshot")
struct ResourceUsageTests {
    @Test("a fresh stack holds nothing")
    func fresh() {
        let host = TestHost()
        #expect(host.stack.resourceUsage == StackResourceUsage())
    }

    @Test("a connection with out-of-order data shows its buffer, span and range; all of it goes when it closes")
    func tcpConnection() throws {
        let host = TestHost { $0.tcp.receiveBufferSize = 8192 }
        host.introducePeer()
        let recorder = TCPRecorder()
        recorder.autoRead = false
        try host.stack.listenTCP(port: 80).delegate = recorder
        let (accepted, peer, _) = host.openConnection(to: 80, recorder: recorder)
        let connection = try #require(accepted)
        var usage = host.stack.resourceUsage
        #expect(usage.tcpConnections == 1 && usage.tcpListeners == 1)
        #expect(usage.tcpBufferBytesAllocated == 0, "no buffer before data needs one")

        // 100 bytes in order, then 50 bytes starting 300 bytes further on.
        let echo = host.log.take().last?.tcp?.options.timestamps?.value ?? 0
        host.deliver(host.tcp(peer.port, 80, seq: peer.sequence, ack: peer.acknowledgment, flags: .ack,
                              options: peer.options(echo: echo), payload: [UInt8](repeating: 1, count: 100)))
        host.deliver(host.tcp(peer.port, 80, seq: peer.sequence &+ 400, ack: peer.acknowledgment, flags: .ack,
                              options: peer.options(echo: echo), payload: [UInt8](repeating: 2, count: 50)))
        usage = host.stack.resourceUsage
        #expect(usage.tcpBufferBytesAllocated == 8192, "the receive buffer only")
        #expect(usage.tcpLargestReceiveBufferUse == 450, "100 unread, a 300-byte hole, 50 beyond it")
        #expect(usage.tcpLargestRangeCount == 1)
        #expect(usage.tcpLargestSendBufferUse == 0)

        let queued = [UInt8](repeating: 3, count: 700).withUnsafeBytes { connection.send($0) }
        #expect(queued == 700)
        #expect(host.stack.resourceUsage.tcpLargestSendBufferUse == 700)

        connection.abort()
        usage = host.stack.resourceUsage
        #expect(usage.tcpBufferBytesAllocated == 0 && usage.tcpBufferBytesPooled == 8192 + TCPConfiguration().sendBufferSize,
                "both buffers wait in the pool for the next connection")
        host.advance(by: .seconds(10))
        usage = host.stack.resourceUsage
        #expect(usage.tcpConnections == 0 && usage.tcpBufferBytesAllocated == 0 && usage.tcpLargestRangeCount == 0)
        #expect(usage.tcpBufferBytesPooled == 0, "unused pooled buffers are freed")
        #expect(host.stack.nextDeadline == nil, "nothing left to wake up for")
        #expect(usage.tcpListeners == 1)
    }

    @Test("datagrams waiting for ARP are counted until resolution fails")
    func arpQueue() throws {
        let host = TestHost()
        let socket = try host.stack.bindUDP(port: 5000)
        let unknown = IPv4Address(10, 0, 0, 9)
        for _ in 0..<2 {
            try [UInt8](repeating: 0, count: 30).withUnsafeBytes { try socket.send($0, to: unknown, port: 9) }
        }
        var usage = host.stack.resourceUsage
        #expect(usage.arpEntries == 1)
        #expect(usage.arpQueuedDatagrams == 2 && usage.arpLargestQueue == 2)
        #expect(usage.arpQueuedBytes == 2 * (IPv4Header.minimumSize + UDPHeader.size + 30))
        #expect(usage.udpSockets == 1)
        host.advance(by: .seconds(5))
        usage = host.stack.resourceUsage
        #expect(usage.arpEntries == 0 && usage.arpQueuedDatagrams == 0 && usage.arpQueuedBytes == 0)
    }

    @Test("a partial datagram is counted until its reassembly times out")
    func reassembly() {
        let host = TestHost()
        host.introducePeer()
        let first = host.fromPeer(.udp, [UInt8](repeating: 7, count: 64), identification: 99, flags: .moreFragments)
        host.deliver(first)
        var usage = host.stack.resourceUsage
        #expect(usage.reassemblyDatagrams == 1)
        #expect(usage.reassemblyBytes == 64 + IPv4Header.minimumSize, "payload and the first header")
        host.advance(by: .seconds(31))
        usage = host.stack.resourceUsage
        #expect(usage.reassemblyDatagrams == 0 && usage.reassemblyBytes == 0)
    }
}
