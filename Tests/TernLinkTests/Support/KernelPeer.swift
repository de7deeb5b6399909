import TernLink
import TernWire

/// Talks to the Linux kernel through a link device as a tiny scripted host would: resolve
/// the kernel's MAC with ARP, ping it, and answer the kernel's own ARP requests meanwhile.
struct KernelPeer {
    let device: any LinkDevice
    let ourMAC: MACAddress
    let ourIP: IPv4Address
    let kernelIP: IPv4Address
    /// Every frame seen, summarised, for failure messages.
    private(set) var seen: [String] = []

    init(device: any LinkDevice, ourMAC: MACAddress, ourIP: IPv4Address, kernelIP: IPv4Address) {
        self.device = device
        self.ourMAC = ourMAC
        self.ourIP = ourIP
        self.kernelIP = kernelIP
    }

    /// Sends an ARP request for the kernel's address and returns the MAC in its reply.
    mutating func resolveKernelMAC() throws -> MACAddress {
        try device.transmit(bytes: TestFrames.arpRequest(from: ourMAC, ourIP, for: kernelIP))
        let ourIP = self.ourIP, kernelIP = self.kernelIP, ourMAC = self.ourMAC
        return try waitFor("an ARP reply from \(kernelIP)") { frame in
            guard case .arp(let arp) = frame.network, arp.operation == .reply,
                  arp.senderIP == kernelIP, arp.targetIP == ourIP, arp.targetMAC == ourMAC else { return nil }
            return arp.senderMAC
        }
    }

    /// Sends an echo request to the kernel and returns the echo reply's payload.
    mutating func ping(kernelMAC: MACAddress, identifier: UInt16, sequence: UInt16, payload: [UInt8]) throws -> [UInt8] {
        try device.transmit(bytes: TestFrames.echoRequest(from: ourMAC, ourIP, to: kernelMAC, kernelIP,
                                                          identifier: identifier, sequence: sequence, payload: payload))
        let ourIP = self.ourIP, kernelIP = self.kernelIP
        return try waitFor("an echo reply from \(kernelIP)") { frame, bytes in
            guard case .ipv4(let ip, let headerOK, .icmp(let icmp, let icmpOK, let length)) = frame.network,
                  headerOK, icmpOK, ip.source == kernelIP, ip.destination == ourIP,
                  icmp.type == .echoReply, icmp.identifier == identifier, icmp.sequence == sequence else { return nil }
            let start = EthernetHeader.size + ip.headerLength + ICMPHeader.size
            guard start + length <= bytes.count else { return nil }
            return Array(bytes[start..<start + length])
        }
    }

    /// Waits for a UDP datagram to `port` from the kernel; returns its payload and whether
    /// its checksum verified.
    mutating func receiveUDP(port: UInt16) throws -> (payload: [UInt8], checksumValid: Bool) {
        let ourIP = self.ourIP, kernelIP = self.kernelIP
        return try waitFor("a UDP datagram from \(kernelIP) to port \(port)") { frame, bytes in
            guard case .ipv4(let ip, true, .udp(let udp, let checksumValid, let length)) = frame.network,
                  ip.source == kernelIP, ip.destination == ourIP, udp.destinationPort == port else { return nil }
            let start = EthernetHeader.size + ip.headerLength + 8
            guard start + length <= bytes.count else { return nil }
            return (Array(bytes[start..<start + length]), checksumValid)
        }
    }

    private mutating func waitFor<T>(_ what: String, _ match: (ParsedFrame) -> T?) throws -> T {
        try waitFor(what) { frame, _ in match(frame) }
    }

    /// Receives frames until `match` accepts one, answering ARP requests for our address on
    /// the way. Gives up after about ten seconds so a broken kernel path fails the test
    /// instead of hanging it.
    private mutating func waitFor<T>(_ what: String, _ match: (ParsedFrame, [UInt8]) -> T?) throws -> T {
        guard let fd = device.fileDescriptor else { throw TestFailure("\(device.name) has no descriptor to poll") }
        let poller = try EventPoller()
        try poller.add(fd, token: 1)
        var batch = device.makeBatch(capacity: 16)
        for _ in 0..<100 {
            // A device that batches its transmissions sends only when asked.
            try device.sendPending()
            _ = try poller.wait(timeoutMilliseconds: 100)
            while try device.receive(into: &batch) > 0 {
                for i in 0..<batch.count {
                    let bytes = Array(batch[i])
                    guard let frame = try? ParsedFrame.parse(bytes) else {
                        seen.append("unparsed frame of \(bytes.count) bytes")
                        continue
                    }
                    seen.append(frame.description)
                    if case .arp(let arp) = frame.network, arp.operation == .request, arp.targetIP == ourIP {
                        try device.transmit(bytes: TestFrames.arpReply(from: ourMAC, ourIP, to: arp.senderMAC, arp.senderIP))
                    }
                    if let found = match(frame, bytes) { return found }
                }
            }
        }
        throw TestFailure("no \(what) on \(device.name); frames seen: \(seen.suffix(20))")
    }
}
