@testable import TernStack
import TernTestSupport
import TernWire

/// Collects what a stack transmits: the shared harness's outbox.
typealias FrameLog = StackNetwork.Outbox

extension StackNetwork.Outbox {
    /// Returns and forgets the frames sent so far.
    func take() -> [SentFrame] {
        defer { frames.removeAll() }
        return frames.compactMap(SentFrame.init)
    }
}

/// The stack under test on a link with one scripted peer, driven by a virtual clock: one
/// stack of the shared `StackNetwork`, its interface left without a link.
final class TestHost {
    static let hostMAC = MACAddress(0x02, 0, 10, 0, 0, 2)
    static let hostIP = IPv4Address(10, 0, 0, 2)
    static let peerMAC = MACAddress(0x02, 0xAA, 0, 0, 0, 1)
    static let peerIP = IPv4Address(10, 0, 0, 1)
    static let port = StackNetwork.Port(node: 0, interface: 0)

    let network = StackNetwork(now: .seconds(1000))
    let stack: NetworkStack
    /// What the stack sent to the peer.
    let log: FrameLog
    var now: Instant {
        get { network.now }
        set { network.now = newValue }
    }
    var events: [StackEvent] = []

    init(configure: (inout StackConfiguration) -> Void = { _ in }) {
        var configuration = StackConfiguration(mac: TestHost.hostMAC,
                                               address: IPv4Subnet(address: TestHost.hostIP, prefixLength: 24)!,
                                               randomSeed: 42)
        configure(&configuration)
        // swiftlint:disable:next force_try
        try! network.add(configuration)
        stack = network.stacks[0]
        log = network.outbox(TestHost.port)
        stack.eventHandler = { [unowned self] in self.events.append($0) }
    }

    /// Delivers a frame, then polls (as the daemon does after each batch).
    func deliver(_ frame: [UInt8]) {
        network.deliver(frame, to: TestHost.port)
    }

    /// Moves the clock forward, firing every deadline on the way in order.
    func advance(by duration: Duration) {
        network.advance(by: duration)
    }

    /// Teaches the stack the peer's MAC with an ARP request from it.
    func introducePeer() {
        deliver(FrameBuilder.arp(.request, senderMAC: TestHost.peerMAC, senderIP: TestHost.peerIP,
                                 targetIP: TestHost.hostIP))
        _ = log.take()
    }

    /// An IPv4 frame from the peer to the host.
    func fromPeer(_ proto: IPProtocol, _ payload: [UInt8], identification: UInt16 = 1, flags: IPv4Flags = [],
                  fragmentOffset: UInt16 = 0, source: IPv4Address = TestHost.peerIP,
                  destination: IPv4Address = TestHost.hostIP, destinationMAC: MACAddress = TestHost.hostMAC) -> [UInt8] {
        FrameBuilder.ipv4(from: source, to: destination, protocol: proto, payload: payload,
                          identification: identification, flags: flags, fragmentOffset: fragmentOffset,
                          sourceMAC: TestHost.peerMAC, destinationMAC: destinationMAC)
    }

    /// A TCP segment from the peer.
    func tcp(_ sourcePort: UInt16 = 40000, _ destinationPort: UInt16, seq: UInt32, ack: UInt32 = 0, flags: TCPFlags,
             window: UInt16 = 65535, options: TCPOptions = TCPOptions(), payload: [UInt8] = []) -> [UInt8] {
        fromPeer(.tcp, FrameBuilder.tcp(sourcePort: sourcePort, destinationPort: destinationPort, sequence: seq,
                                        acknowledgment: ack, flags: flags, window: window, options: options,
                                        payload: payload, source: TestHost.peerIP, destination: TestHost.hostIP))
    }
}
