import Testing
@testable import TernStack
import TernWire

@Suite("ARP")
struct ARPTests {
    @Test("answers a request for our address and learns the asker")
    func answersRequests() {
        let host = TestHost()
        host.deliver(FrameBuilder.arp(.request, senderMAC: TestHost.peerMAC, senderIP: TestHost.peerIP,
                                      targetIP: TestHost.hostIP))
        let sent = host.log.take()
        #expect(sent.count == 1)
        let reply = sent.first?.arp
        #expect(reply?.operation == .reply)
        #expect(reply?.senderMAC == TestHost.hostMAC)
        #expect(reply?.senderIP == TestHost.hostIP)
        #expect(reply?.targetMAC == TestHost.peerMAC)
        #expect(reply?.targetIP == TestHost.peerIP)
        #expect(sent.first?.ethernet.destination == TestHost.peerMAC)
        #expect(sent.first?.bytes.count == 60, "short frames are padded to the Ethernet minimum")
        #expect(host.stack.interfaces[0].arp.entries[TestHost.peerIP]?.mac == TestHost.peerMAC)
    }

    @Test("ignores requests for other addresses and does not learn from them")
    func ignoresOthers() {
        let host = TestHost()
        host.deliver(FrameBuilder.arp(.request, senderMAC: TestHost.peerMAC, senderIP: TestHost.peerIP,
                                      targetIP: IPv4Address(10, 0, 0, 99)))
        #expect(host.log.take().isEmpty)
        #expect(host.stack.interfaces[0].arp.entries[TestHost.peerIP] == nil)
    }

    @Test("announces itself at start with a probe and a gratuitous ARP")
    func announces() {
        let host = TestHost()
        host.stack.start(now: host.now)
        let sent = host.log.take().compactMap(\.arp)
        #expect(sent.count == 2)
        #expect(sent.contains { $0.senderIP == .any && $0.targetIP == TestHost.hostIP })
        #expect(sent.contains { $0.senderIP == TestHost.hostIP && $0.targetIP == TestHost.hostIP })
    }

    @Test("announces itself a second time two seconds later (RFC 5227 §2.3), then no more")
    func announcesTwice() {
        let host = TestHost()
        host.stack.start(now: host.now)
        _ = host.log.take()
        host.advance(by: .milliseconds(1999))
        #expect(host.log.take().compactMap(\.arp).isEmpty)
        host.advance(by: .milliseconds(1))
        let again = host.log.take().compactMap(\.arp)
        #expect(again.count == 1)
        #expect(again.first?.senderIP == TestHost.hostIP && again.first?.targetIP == TestHost.hostIP)
        host.advance(by: .seconds(60))
        #expect(host.log.take().compactMap(\.arp).isEmpty)
    }

    @Test("queues datagrams while resolving and sends them when the reply comes")
    func queuesWhileResolving() throws {
        let host = TestHost()
        let socket = try host.stack.bindUDP(port: 5000)
        let other = IPv4Address(10, 0, 0, 7)
        let otherMAC = MACAddress(0x02, 0xBB, 0, 0, 0, 7)
        for i in 0..<3 {
            try [UInt8](repeating: UInt8(i), count: 10).withUnsafeBytes { try socket.send($0, to: other, port: 9) }
        }
        let requests = host.log.take()
        #expect(requests.count == 1, "one request for three queued datagrams")
        #expect(requests.first?.arp?.targetIP == other)
        #expect(requests.first?.ethernet.destination == .broadcast)
        host.deliver(FrameBuilder.arp(.reply, senderMAC: otherMAC, senderIP: other, targetMAC: TestHost.hostMAC,
                                      targetIP: TestHost.hostIP, to: TestHost.hostMAC))
        let released = host.log.take()
        #expect(released.count == 3)
        #expect(released.allSatisfy { $0.ethernet.destination == otherMAC && $0.udp?.destinationPort == 9 })
        #expect(released.map { $0.ipPayload[UDPHeader.size] } == [0, 1, 2], "in the order they were sent")
    }

    @Test("retries, then drops the queue and reports the failure")
    func failsAfterRetries() throws {
        let host = TestHost()
        let socket = try host.stack.bindUDP(port: 5000)
        let other = IPv4Address(10, 0, 0, 7)
        try [UInt8](repeating: 1, count: 10).withUnsafeBytes { try socket.send($0, to: other, port: 9) }
        #expect(host.log.take().count == 1)
        host.advance(by: .milliseconds(1500))
        #expect(host.log.take().compactMap(\.arp).count == 1, "second request after 1 s")
        host.advance(by: .seconds(1))
        #expect(host.log.take().compactMap(\.arp).count == 1, "third request after 2 s")
        host.advance(by: .seconds(2))
        #expect(host.log.take().isEmpty)
        #expect(host.events == [.resolutionFailed(other)])
        #expect(host.stack.counters[.arpResolutionFailed] == 1)
        #expect(host.stack.interfaces[0].arp.entries[other] == nil)
    }

    @Test("a connected UDP socket hears of a resolution failure as host unreachable")
    func unreachableReachesSocket() throws {
        final class Errors: UDPSocketDelegate {
            var errors: [SocketError] = []
            func udpSocket(_ socket: UDPSocket, didReceive payload: UnsafeRawBufferPointer, from address: IPAddress, port: UInt16) {}
            func udpSocket(_ socket: UDPSocket, didReceiveError error: SocketError) { errors.append(error) }
        }
        let host = TestHost()
        let socket = try host.stack.bindUDP(port: 5000)
        let errors = Errors()
        socket.delegate = errors
        socket.connect(to: IPv4Address(10, 0, 0, 7), port: 9)
        try [UInt8](repeating: 1, count: 10).withUnsafeBytes { try socket.send($0) }
        host.advance(by: .seconds(5))
        #expect(errors.errors == [.hostUnreachable])
    }

    @Test("re-resolves an entry after its lifetime, still using it meanwhile")
    func reResolvesStaleEntries() throws {
        let host = TestHost()
        host.introducePeer()
        let socket = try host.stack.bindUDP(port: 5000)
        host.advance(by: .seconds(61))
        _ = host.log.take()
        try [UInt8](repeating: 1, count: 10).withUnsafeBytes { try socket.send($0, to: TestHost.peerIP, port: 9) }
        let sent = host.log.take()
        #expect(sent.contains { $0.udp != nil && $0.ethernet.destination == TestHost.peerMAC }, "stale entry still used")
        let request = sent.first { $0.arp != nil }
        #expect(request?.arp?.targetIP == TestHost.peerIP)
        #expect(request?.ethernet.destination == TestHost.peerMAC, "re-confirmed by unicast")
        host.deliver(FrameBuilder.arp(.reply, senderMAC: TestHost.peerMAC, senderIP: TestHost.peerIP,
                                      targetMAC: TestHost.hostMAC, targetIP: TestHost.hostIP, to: TestHost.hostMAC))
        host.advance(by: .seconds(10))
        #expect(host.log.take().isEmpty, "no more requests once confirmed")
        #expect(host.events.isEmpty)
    }

    @Test("warns once when another host claims our address, and defends it")
    func detectsConflicts() {
        let host = TestHost()
        let intruder = MACAddress(0x02, 0xEE, 0, 0, 0, 1)
        host.deliver(FrameBuilder.arp(.reply, senderMAC: intruder, senderIP: TestHost.hostIP,
                                      targetMAC: TestHost.hostMAC, targetIP: TestHost.hostIP, to: TestHost.hostMAC))
        host.deliver(FrameBuilder.arp(.request, senderMAC: intruder, senderIP: TestHost.hostIP,
                                      targetIP: TestHost.hostIP))
        #expect(host.events == [.addressConflict(address: TestHost.hostIP, claimedBy: intruder)])
        let defence = host.log.take().compactMap(\.arp)
        #expect(defence.count == 1)
        #expect(defence.first?.senderMAC == TestHost.hostMAC && defence.first?.senderIP == TestHost.hostIP)
        #expect(host.stack.interfaces[0].arp.entries[TestHost.hostIP] == nil, "never learns its own address")
    }

    @Test("counts malformed and foreign ARP")
    func countsMalformed() {
        let host = TestHost()
        var short = FrameBuilder.arp(.request, senderMAC: TestHost.peerMAC, senderIP: TestHost.peerIP, targetIP: TestHost.hostIP)
        short.removeLast(10)
        host.deliver(short)
        var foreign = FrameBuilder.arp(.request, senderMAC: TestHost.peerMAC, senderIP: TestHost.peerIP, targetIP: TestHost.hostIP)
        foreign[EthernetHeader.size + 1] = 6 // hardware type 6 (IEEE 802)
        host.deliver(foreign)
        #expect(host.stack.counters[.arpMalformed] == 1)
        #expect(host.stack.counters[.arpUnsupported] == 1)
        #expect(host.log.take().isEmpty)
    }
}
