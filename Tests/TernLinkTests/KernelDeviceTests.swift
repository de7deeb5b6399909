import Glibc
import Testing
import TernLink
import TernWire

/// What a conversation with the kernel through one device showed.
private struct Conversation {
    var kernelMAC: MACAddress
    var macFromKernelInterface: MACAddress
    var smallReply: [UInt8]
    var fullSizeReply: [UInt8]
    var udpPayload: [UInt8]
    var udpChecksumValid: Bool
    var framesSeen: [String]
}

private let udpMessage = Array("checksums must arrive complete".utf8)

/// Resolves the kernel's MAC, pings it twice (56 bytes, and the largest payload a 1500-byte
/// MTU carries unfragmented) and has it send a UDP datagram, all through `device`.
private func converse(through device: any LinkDevice, kernelInterface: String,
                      ourIP: IPv4Address, kernelIP: IPv4Address) throws -> Conversation {
    var peer = KernelPeer(device: device, ourMAC: TestFrames.ourMAC, ourIP: ourIP, kernelIP: kernelIP)
    let kernelMAC = try peer.resolveKernelMAC()
    let small = try peer.ping(kernelMAC: kernelMAC, identifier: 0x7E57, sequence: 1, payload: pingPayload(56))
    let full = try peer.ping(kernelMAC: kernelMAC, identifier: 0x7E57, sequence: 2, payload: pingPayload(1472))
    try sendUDP(udpMessage, to: ourIP, port: 4242)
    let udp = try peer.receiveUDP(port: 4242)
    return Conversation(kernelMAC: kernelMAC, macFromKernelInterface: try KernelInterface(name: kernelInterface).macAddress(),
                        smallReply: small, fullSizeReply: full, udpPayload: udp.payload,
                        udpChecksumValid: udp.checksumValid, framesSeen: peer.seen)
}

private func pingPayload(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
}

@Suite("Kernel devices", .serialized,
       .enabled(if: runningAsRoot, "needs root to create network namespaces, TAP devices and packet sockets"))
struct KernelDeviceTests {
    @Test("TAP device in a namespace: the kernel answers ARP and ping; the capture shows it")
    func tapDevice() throws {
        let namespace = try TestNamespace("link-tap")
        defer { namespace.remove() }
        let capture = temporaryPath("tap.pcap")
        defer { unlink(capture) }

        let (conversation, busy, mtu) = try namespace.run { () throws -> (Conversation, SystemError?, Int) in
            let tap = try TAPDevice(name: "terntap0")
            let kernel = KernelInterface(name: tap.name)
            try kernel.setMTU(1500)
            try kernel.setIPv4Address(IPv4Subnet(address: IPv4Address(10, 201, 0, 1), prefixLength: 24)!)
            try kernel.bringUp()
            var busy: SystemError?
            do {
                _ = try TAPDevice(name: "terntap0")
            } catch {
                busy = error as? SystemError
            }
            let writer = try PcapWriter(wrapping: tap, path: capture)
            defer { writer.close() }
            let conversation = try converse(through: writer, kernelInterface: tap.name,
                                            ourIP: IPv4Address(10, 201, 0, 2), kernelIP: IPv4Address(10, 201, 0, 1))
            return (conversation, busy, try kernel.mtu())
        }

        #expect(conversation.kernelMAC == conversation.macFromKernelInterface)
        #expect(conversation.smallReply == pingPayload(56))
        #expect(conversation.fullSizeReply == pingPayload(1472))
        #expect(conversation.udpPayload == udpMessage)
        #expect(conversation.udpChecksumValid)
        #expect(mtu == 1500)
        #expect(busy?.code == EBUSY)
        #expect(busy?.description == "TAP device terntap0: Device or resource busy — another process has it open")

        let records = try PcapFile(bytes: readFile(capture)).records
        let summaries = records.compactMap { try? ParsedFrame.parse($0.data).description }
        #expect(summaries.contains("ARP, Request who-has 10.201.0.1 tell 10.201.0.2"), "\(summaries)")
        #expect(summaries.contains { $0.hasPrefix("ARP, Reply 10.201.0.1 is-at") }, "\(summaries)")
        #expect(summaries.contains { $0.contains("ICMP echo reply, id 32343, seq 2, length 1472") }, "\(summaries)")
        if isInstalled("tshark") {
            let result = runCommand(["tshark", "-n", "-r", capture])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("10.201.0.1 is at"), "\(result.output)")
            #expect(result.output.contains("Echo (ping) reply"), "\(result.output)")
        }
    }

    @Test("packet socket on one end of a veth pair: the kernel on the other end answers ARP and ping")
    func packetSocket() throws {
        let namespace = try TestNamespace("link-veth")
        defer { namespace.remove() }
        try namespace.ip("link", "add", "ternva", "type", "veth", "peer", "name", "ternvb")
        try namespace.ip("address", "add", "10.202.0.1/24", "dev", "ternvb")
        try namespace.ip("link", "set", "ternvb", "up")
        try namespace.ip("link", "set", "ternva", "up")

        let (conversation, mtu, oversized, completed) = try namespace.run { () throws -> (Conversation, Int, Int, Int) in
            let device = try PacketSocketDevice(interface: "ternva")
            defer { device.close() }
            let conversation = try converse(through: device, kernelInterface: "ternvb",
                                            ourIP: IPv4Address(10, 202, 0, 2), kernelIP: IPv4Address(10, 202, 0, 1))
            return (conversation, device.mtu, device.oversizedFrames, device.completedChecksums)
        }

        #expect(mtu == 1500)  // taken from the interface
        #expect(oversized == 0)
        // veth offloads checksums: the kernel's UDP datagram crossed unfinished and the
        // device completed it.
        #expect(conversation.udpPayload == udpMessage)
        #expect(conversation.udpChecksumValid)
        #expect(completed >= 1)
        #expect(conversation.kernelMAC == conversation.macFromKernelInterface)
        #expect(conversation.smallReply == pingPayload(56))
        #expect(conversation.fullSizeReply == pingPayload(1472))
        // Frames we sent must not come back to us as received.
        #expect(!conversation.framesSeen.contains { $0.contains("tell 10.202.0.2") }, "\(conversation.framesSeen)")
        #expect(!conversation.framesSeen.contains { $0.contains("ICMP echo request") }, "\(conversation.framesSeen)")
    }

    @Test("packet socket batching its transmissions: 100 queued pings leave by sendPending, all answered",
          arguments: [false, true])
    func packetSocketBatches(transmitThread: Bool) throws {
        let namespace = try TestNamespace(transmitThread ? "link-batch-thread" : "link-batch")
        defer { namespace.remove() }
        try namespace.ip("link", "add", "ternvc", "type", "veth", "peer", "name", "ternvd")
        try namespace.ip("address", "add", "10.204.0.1/24", "dev", "ternvd")
        try namespace.ip("link", "set", "ternvd", "up")
        try namespace.ip("link", "set", "ternvc", "up")
        let ourIP = IPv4Address(10, 204, 0, 2), kernelIP = IPv4Address(10, 204, 0, 1)

        let (answered, inPlace, refused) = try namespace.run { () throws -> (Set<UInt16>, Int, Int) in
            let device = try PacketSocketDevice(interface: "ternvc", batchesTransmissions: true,
                                                transmitThread: transmitThread)
            defer { device.close() }
            var peer = KernelPeer(device: device, ourMAC: TestFrames.ourMAC, ourIP: ourIP, kernelIP: kernelIP)
            let kernelMAC = try peer.resolveKernelMAC()
            // More than one batch: the queue sends its first batch itself when it fills.
            for sequence in UInt16(1)...100 {
                try device.transmit(bytes: TestFrames.echoRequest(from: TestFrames.ourMAC, ourIP, to: kernelMAC, kernelIP,
                                                                  identifier: 0xBA7C, sequence: sequence,
                                                                  payload: pingPayload(1000)))
            }
            try device.sendPending()
            let poller = try EventPoller()
            try poller.add(device.fileDescriptor ?? -1, token: 1)
            var batch = device.makeBatch(capacity: 16)
            var answered = Set<UInt16>()
            var inPlace = 0
            for _ in 0..<100 where answered.count < 100 {
                _ = try poller.wait(timeoutMilliseconds: 100)
                while true {
                    let count = try device.receive(using: &batch) { frame in
                        guard let parsed = try? ParsedFrame.parse(Array(frame)),
                              case .ipv4(let ip, true, .icmp(let icmp, true, 1000)) = parsed.network,
                              ip.source == kernelIP, icmp.type == .echoReply, icmp.identifier == 0xBA7C else { return }
                        answered.insert(icmp.sequence)
                    }
                    if count == 0 { break }
                    // Handed over where they lie: the batch's own buffers stayed unused.
                    if batch.isEmpty { inPlace += count }
                }
            }
            return (answered, inPlace, device.refusedFrames)
        }

        #expect(answered == Set(UInt16(1)...100))
        #expect(inPlace >= 100)
        #expect(refused == 0)
    }

    @Test("packet socket with a smaller MTU than the wire: longer frames are dropped and counted, the rest pass")
    func packetSocketDropsFramesOverItsMTU() throws {
        let namespace = try TestNamespace("link-mtu")
        defer { namespace.remove() }
        try namespace.ip("link", "add", "ternve", "type", "veth", "peer", "name", "ternvf")
        try namespace.ip("address", "add", "10.205.0.1/24", "dev", "ternvf")
        try namespace.ip("link", "set", "ternvf", "up")
        try namespace.ip("link", "set", "ternve", "up")
        let ourIP = IPv4Address(10, 205, 0, 2), kernelIP = IPv4Address(10, 205, 0, 1)

        let (ports, countsMatched, oversized) = try namespace.run { () throws -> ([UInt16], Bool, Int) in
            let device = try PacketSocketDevice(interface: "ternve", mtu: 1000)
            defer { device.close() }
            var peer = KernelPeer(device: device, ourMAC: TestFrames.ourMAC, ourIP: ourIP, kernelIP: kernelIP)
            // Our ARP request teaches the kernel our MAC, so it sends the datagrams at once.
            _ = try peer.resolveKernelMAC()
            // A 1442-byte frame on the kernel's 1500-byte wire, then a small one.
            try sendUDP([UInt8](repeating: 0x42, count: 1400), to: ourIP, port: 4243)
            try sendUDP(udpMessage, to: ourIP, port: 4244)
            let poller = try EventPoller()
            try poller.add(device.fileDescriptor ?? -1, token: 1)
            var batch = device.makeBatch(capacity: 16)
            var ports: [UInt16] = []
            var countsMatched = true
            for _ in 0..<100 where !ports.contains(4244) {
                _ = try poller.wait(timeoutMilliseconds: 100)
                while true {
                    let count = try device.receive(into: &batch)
                    countsMatched = countsMatched && count == batch.count
                    if batch.count == 0 { break }
                    for index in 0..<batch.count {
                        if let parsed = try? ParsedFrame.parse(Array(batch[index])),
                           case .ipv4(_, _, .udp(let udp, _, _)) = parsed.network {
                            ports.append(udp.destinationPort)
                        }
                    }
                }
            }
            return (ports, countsMatched, device.oversizedFrames)
        }

        #expect(ports == [4244])
        #expect(countsMatched)
        #expect(oversized == 1)
    }

    @Test("the fault injector over a real device: reorder 1 swaps the kernel's replies")
    func faultInjectorOverTAP() throws {
        let namespace = try TestNamespace("link-fault")
        defer { namespace.remove() }
        let sequences = try namespace.run { () throws -> [UInt16] in
            let tap = try TAPDevice(name: "ternfault0")
            let kernel = KernelInterface(name: tap.name)
            try kernel.setIPv4Address(IPv4Subnet(address: IPv4Address(10, 203, 0, 1), prefixLength: 24)!)
            try kernel.bringUp()
            var peer = KernelPeer(device: tap, ourMAC: TestFrames.ourMAC, ourIP: IPv4Address(10, 203, 0, 2),
                                  kernelIP: IPv4Address(10, 203, 0, 1))
            let kernelMAC = try peer.resolveKernelMAC()
            // Outbound reorder 1: request 1 is held and leaves after request 2.
            let injector = FaultInjector(wrapping: tap, inbound: .none, outbound: try FaultProfile(reorder: 1), seed: 1)
            defer { injector.close() }
            for sequence: UInt16 in [1, 2] {
                try injector.transmit(bytes: TestFrames.echoRequest(
                    from: TestFrames.ourMAC, IPv4Address(10, 203, 0, 2), to: kernelMAC, IPv4Address(10, 203, 0, 1),
                    identifier: 9, sequence: sequence, payload: pingPayload(32)))
            }
            var replies: [UInt16] = []
            let poller = try EventPoller()
            try poller.add(tap.fileDescriptor ?? -1, token: 0)
            var batch = injector.makeBatch()
            for _ in 0..<100 where replies.count < 2 {
                _ = try poller.wait(timeoutMilliseconds: 100)
                while try injector.receive(into: &batch) > 0 {
                    for i in 0..<batch.count {
                        if case .ipv4(_, _, .icmp(let icmp, _, _))? = (try? ParsedFrame.parse(Array(batch[i])))?.network,
                           icmp.type == .echoReply {
                            replies.append(icmp.sequence)
                        }
                    }
                }
            }
            return replies
        }
        #expect(sequences == [2, 1])
    }
}
