import Testing
@testable import TernStack
import TernWire

/// Every frame the stack ignores is counted under a reason, so an operator reading the
/// counters after hostile traffic can tell what happened to it.
@Suite("Drop accounting")
struct DropAccountingTests {
    static let attackerMAC = MACAddress(0xDE, 0xAD, 0xBE, 0xEF, 0, 1)

    @Test("frames of 0–13 bytes (no whole Ethernet header) are counted as truncated")
    func shortFrames() {
        // A TAP never delivers these (the kernel refuses to send frames shorter than an
        // Ethernet header), but a packet socket on a real link might.
        let host = TestHost()
        for length in 0..<EthernetHeader.size {
            host.deliver([UInt8](repeating: 0xFF, count: length))
        }
        #expect(host.stack.counters[.frameTruncated] == UInt64(EthernetHeader.size))
        #expect(host.stack.counters.totalDrops == UInt64(EthernetHeader.size))
        #expect(host.log.take().isEmpty)
    }

    @Test("ARP from another MAC claiming our address is counted, not learned, and never answered")
    func addressConflict() {
        let host = TestHost()
        for operation in [ARPPacket.Operation.reply, .request] {
            host.deliver(FrameBuilder.arp(operation, senderMAC: Self.attackerMAC, senderIP: TestHost.hostIP,
                                          targetIP: TestHost.hostIP))
        }
        #expect(host.stack.counters[.arpAddressConflict] == 2)
        #expect(host.stack.interfaces[0].arp.entries[TestHost.hostIP] == nil)
        #expect(host.log.take().allSatisfy { $0.arp?.senderMAC == TestHost.hostMAC },
                "the only answer is our own announcement")
    }

    @Test("ARP with our own MAC as sender is counted and ignored")
    func ownMAC() {
        let host = TestHost()
        host.deliver(FrameBuilder.arp(.request, senderMAC: TestHost.hostMAC, senderIP: TestHost.peerIP,
                                      targetIP: TestHost.hostIP))
        #expect(host.stack.counters[.arpFromOurMAC] == 1)
        #expect(host.log.take().isEmpty)
        #expect(host.stack.interfaces[0].arp.entries[TestHost.peerIP] == nil)
    }

    @Test("ARP for another address is counted")
    func notForUs() {
        let host = TestHost()
        host.deliver(FrameBuilder.arp(.request, senderMAC: TestHost.peerMAC, senderIP: TestHost.peerIP,
                                      targetIP: IPv4Address(10, 0, 0, 99)))
        #expect(host.stack.counters[.arpNotForUs] == 1)
        #expect(host.stack.counters.totalDrops == 1)
    }

    @Test("an incomplete datagram pushed out by a new one is counted as evicted")
    func reassemblyEviction() {
        let host = TestHost { $0.ipv4.maximumReassemblies = 4 }
        for identification in 0..<10 {
            host.deliver(host.fromPeer(.udp, [UInt8](repeating: 0, count: 64), identification: UInt16(identification),
                                       flags: .moreFragments))
        }
        #expect(host.stack.counters[.fragmentsReceived] == 10)
        #expect(host.stack.counters[.reassemblyEvicted] == 6)
        host.advance(by: .seconds(31))
        #expect(host.stack.counters[.reassemblyTimeout] == 4,
                "every fragment is accounted for: evicted or timed out")
    }
}
