import Testing
@testable import TernStack
import TernWire

/// What the host does with IPv4 options (RFC 1122 §3.2.1.8): record route and timestamp
/// echoed in echo replies, source routes refused, malformed options answered with a
/// parameter problem; a router stamps what it forwards.
@Suite("IPv4 options in the stack")
struct IPv4OptionsHandlingTests {
    /// An Ethernet frame with an IPv4 datagram carrying `options`.
    static func frame(options: [UInt8], from source: IPv4Address, to destination: IPv4Address,
                      _ proto: IPProtocol, _ payload: [UInt8], identification: UInt16 = 1, flags: IPv4Flags = [],
                      fragmentOffset: UInt16 = 0, sourceMAC: MACAddress, destinationMAC: MACAddress) -> [UInt8] {
        let headerLength = IPv4Header.minimumSize + options.count
        var datagram = [UInt8](repeating: 0, count: headerLength + payload.count)
        datagram.withUnsafeMutableBytes { buffer in
            let header = IPv4Header(headerLength: headerLength, totalLength: UInt16(buffer.count),
                                    identification: identification, flags: flags, fragmentOffset: fragmentOffset,
                                    timeToLive: 64, protocol: proto, source: source, destination: destination)
            options.withUnsafeBytes { _ = try? header.write(to: buffer, options: $0) }
            place(payload, into: buffer, at: headerLength)
        }
        return FrameBuilder.ethernet(destinationMAC, sourceMAC, .ipv4, datagram)
    }

    func fromPeer(_ options: [UInt8], _ payload: [UInt8], identification: UInt16 = 1, flags: IPv4Flags = [],
                  fragmentOffset: UInt16 = 0) -> [UInt8] {
        Self.frame(options: options, from: TestHost.peerIP, to: TestHost.hostIP, .icmp, payload,
                   identification: identification, flags: flags, fragmentOffset: fragmentOffset,
                   sourceMAC: TestHost.peerMAC, destinationMAC: TestHost.hostMAC)
    }

    /// The options area of a sent frame.
    func options(of frame: SentFrame) -> [UInt8] {
        let ihl = Int(frame.bytes[EthernetHeader.size] & 0x0F) * 4
        return Array(frame.bytes[EthernetHeader.size + IPv4Header.minimumSize..<EthernetHeader.size + ihl])
    }

    let echo = FrameBuilder.icmpEcho(identifier: 1, sequence: 1, data: Array(repeating: 0x55, count: 56))

    @Test("record route: the reply records our address on the way in and out, as Linux does (ping -R)")
    func recordRoute() throws {
        let host = TestHost()
        host.introducePeer()
        // As ping -R sends it: nine slots, the sender's own address already recorded, a NOP first.
        var rr: [UInt8] = [1, 7, 39, 8, 10, 0, 0, 1]
        rr += [UInt8](repeating: 0, count: 40 - rr.count)
        host.deliver(fromPeer(rr, echo))
        let reply = try #require(host.log.take().first)
        #expect(reply.icmp?.type == .echoReply && reply.checksumsValid)
        #expect(reply.ipv4?.headerLength == 60)
        let expected: [UInt8] = [7, 39, 16, 10, 0, 0, 1, 10, 0, 0, 2, 10, 0, 0, 2] + [UInt8](repeating: 0, count: 25)
        #expect(options(of: reply) == expected, "the NOP is not echoed; padding with end-of-list")
        #expect(reply.ipPayload.count == echo.count)
    }

    @Test("timestamp: milliseconds since midnight UT from the wall clock the daemon gives, in and out")
    func timestamps() throws {
        let host = TestHost()
        host.introducePeer()
        // 2026-12-08 02:03:04.5 UT at the stack's clock origin; the clock reads 1000 s.
        host.stack.wallClockAtOrigin = 1_796_695_384_500 - 1_000_000
        let midnight = UInt32((1_796_695_384_500 % 86_400_000))
        let ts: [UInt8] = [68, 20, 13, 1, 10, 0, 0, 1, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 8)
        host.deliver(fromPeer(ts, echo))
        let reply = try #require(host.log.take().first)
        #expect(reply.checksumsValid)
        let area = options(of: reply)
        #expect(Array(area[0..<4]) == [68, 20, 21, 0x11], "both pairs taken, one hop counted as overflow")
        let stamp = [UInt8(midnight >> 24), UInt8(truncatingIfNeeded: midnight >> 16),
                     UInt8(truncatingIfNeeded: midnight >> 8), UInt8(truncatingIfNeeded: midnight)]
        #expect(Array(area[12..<20]) == [10, 0, 0, 2] + stamp)
    }

    @Test("an ICMP timestamp reply counts from midnight UT when the stack has a wall clock")
    func timestampReplyWithWallClock() throws {
        let host = TestHost()
        host.introducePeer()
        host.stack.wallClockAtOrigin = 86_400_000 * 20_000 + 3_600_000 - 1_000_000
        host.deliver(host.fromPeer(.icmp, FrameBuilder.icmpEcho(.timestampRequest, identifier: 7, sequence: 1,
                                                               data: [UInt8](repeating: 0, count: 12))))
        let reply = try #require(host.log.take().first).ipPayload
        #expect(Array(reply[12..<20]) == [0, 0x36, 0xEE, 0x80, 0, 0x36, 0xEE, 0x80], "01:00:00.000 UT")
    }

    @Test("a malformed option draws a parameter problem pointing at the octet at fault, and nothing else",
          arguments: [([7, 2, 4, 0], 21), ([0x88, 0, 0, 0], 20), ([68, 8, 9, 0xF0, 0, 0, 0, 0], 23)]
              as [([UInt8], Int)])
    func parameterProblem(options area: [UInt8], pointer: Int) throws {
        let host = TestHost()
        host.introducePeer()
        host.deliver(fromPeer(area, echo))
        let sent = host.log.take()
        #expect(sent.count == 1)
        let error = try #require(sent.first)
        #expect(error.icmp?.type == .parameterProblem && error.icmp?.code == 0)
        #expect(error.ipPayload[4] == UInt8(pointer))
        #expect(Array(error.ipPayload[8..<8 + 20 + area.count]) == Array(fromPeer(area, echo)[14..<34 + area.count]),
                "quotes the offending header, options and all")
        #expect(host.stack.counters[.ipBadOptions] == 1)
        #expect(host.stack.counters[.echoRepliesSent] == 0)
    }

    @Test("a source-routed datagram is dropped, its route finished or not (RFC 7126, Linux's default)",
          arguments: [4, 8])
    func sourceRoute(pointer: UInt8) {
        let host = TestHost()
        host.introducePeer()
        for type: UInt8 in [131, 137] {
            host.deliver(fromPeer([type, 7, pointer, 10, 0, 0, 9, 0], echo))
        }
        #expect(host.log.take().isEmpty)
        #expect(host.stack.counters[.ipSourceRouted] == 2)
    }

    @Test("options the host does not act on are ignored: the reply comes without them")
    func unknownIgnored() throws {
        let host = TestHost()
        host.introducePeer()
        host.deliver(fromPeer([0x94, 4, 0, 0], echo))
        let reply = try #require(host.log.take().first)
        #expect(reply.icmp?.type == .echoReply && reply.ipv4?.headerLength == 20)
    }

    @Test("a large reply with record route: the first fragment carries the option, later ones do not")
    func fragmentedReply() throws {
        let host = TestHost()
        host.introducePeer()
        let big = FrameBuilder.icmpEcho(identifier: 1, sequence: 2, data: Array(repeating: 0x33, count: 3000))
        let rr: [UInt8] = [7, 11, 4] + [UInt8](repeating: 0, count: 9)
        var offset = 0
        while offset < big.count {
            let end = min(offset + 1464, big.count)
            host.deliver(fromPeer(offset == 0 ? rr : [], Array(big[offset..<end]), identification: 5,
                                  flags: end < big.count ? .moreFragments : [], fragmentOffset: UInt16(offset / 8)))
            offset = end
        }
        let sent = host.log.take()
        #expect(sent.count == 3)
        #expect(sent.allSatisfy { $0.bytes.count <= EthernetHeader.size + 1500 })
        #expect(sent[0].ipv4?.headerLength == 32 && sent[0].ipv4?.fragmentOffset == 0)
        #expect(options(of: sent[0]) == [7, 11, 12, 10, 0, 0, 2, 10, 0, 0, 2, 0])
        #expect(sent[1].ipv4?.headerLength == 20 && sent[2].ipv4?.headerLength == 20)
        let payload = sent.flatMap(\.ipPayload)
        #expect(payload.count == big.count)
        #expect(Int(sent[1].ipv4?.fragmentOffset ?? 0) * 8 == sent[0].ipPayload.count)
    }

    @Test("a router records the address it forwards from, header checksum recomputed")
    func routerRecords() throws {
        typealias H = MultiLinkHost
        let host = try H(links: 2) { $0.forwarding = true }
        host.introduceNeighbour(on: 0)
        host.introduceNeighbour(on: 1)
        let frame = Self.frame(options: [7, 11, 4] + [UInt8](repeating: 0, count: 9), from: H.neighbour(0),
                               to: H.neighbour(1), .icmp, echo, sourceMAC: H.neighbourMAC(0),
                               destinationMAC: H.stackMAC(0))
        host.deliver(frame, on: 0)
        let out = try #require(host.take()[1].first)
        #expect(out.checksumsValid)
        #expect(options(of: out) == [7, 11, 8, 10, 0, 2, 1, 0, 0, 0, 0, 0])
        // Malformed: a parameter problem back to the sender, nothing forwarded.
        host.deliver(Self.frame(options: [7, 2, 4, 0], from: H.neighbour(0), to: H.neighbour(1), .icmp, echo,
                                sourceMAC: H.neighbourMAC(0), destinationMAC: H.stackMAC(0)), on: 0)
        let sent = host.take()
        #expect(sent[1].isEmpty)
        #expect(sent[0].first?.icmp?.type == .parameterProblem)
    }
}
