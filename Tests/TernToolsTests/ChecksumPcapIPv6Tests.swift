import Testing
import TernWire
@testable import tern_checksum

/// `tern-checksum --pcap` on IPv6 frames: TCP and UDP checked with the IPv6 pseudo-header.
@Suite("tern-checksum: IPv6 in captures")
struct ChecksumPcapIPv6Tests {
    static let source = IPv6Address("fd00::2")!
    static let destination = IPv6Address("fd00::1")!

    /// An Ethernet frame holding an IPv6 packet with `upper` after the fixed header.
    static func frame(_ nextHeader: IPProtocol, _ upper: [UInt8]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 14 + 40) + upper
        bytes.withUnsafeMutableBytes { buffer in
            _ = try? EthernetHeader(destination: MACAddress(2, 0, 0, 0, 0, 1), source: MACAddress(2, 0, 0, 0, 0, 2),
                                    etherType: .ipv6).write(to: buffer)
            _ = try? IPv6Header(payloadLength: UInt16(upper.count), nextHeader: nextHeader, hopLimit: 64,
                                source: source, destination: destination)
                .write(to: UnsafeMutableRawBufferPointer(rebasing: buffer[14...]))
        }
        return bytes
    }

    static func tcp(payload: Int, offloaded: Bool = false) -> [UInt8] {
        var segment = [UInt8](repeating: 0, count: 20) + (0..<payload).map { UInt8(truncatingIfNeeded: $0) }
        segment.withUnsafeMutableBytes { buffer in
            _ = try? TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: SequenceNumber(1),
                               acknowledgmentNumber: SequenceNumber(1), flags: [.ack, .psh], window: 100)
                .write(to: buffer, payloadLength: payload, source: source, destination: destination,
                       checksumLeftToLink: offloaded)
        }
        return frame(.tcp, segment)
    }

    static func udp(payload: Int, zeroChecksum: Bool = false) -> [UInt8] {
        var datagram = [UInt8](repeating: 0, count: 8) + [UInt8](repeating: 0x33, count: payload)
        datagram.withUnsafeMutableBytes { buffer in
            _ = try? UDPHeader(sourcePort: 7, destinationPort: 40000, length: UInt16(8 + payload))
                .write(to: buffer, source: source, destination: destination)
            if zeroChecksum { buffer[6] = 0; buffer[7] = 0 }
        }
        return frame(.udp, datagram)
    }

    @Test("valid, corrupted and offloaded TCP over IPv6; UDP with and without a checksum; ICMPv6 ignored")
    func verdicts() throws {
        var corrupted = Self.tcp(payload: 500)
        corrupted[14 + 40 + 20 + 7] ^= 0x10
        let echo = Self.frame(.icmpv6, [128, 0, 0, 0, 0, 1, 0, 1])
        let frames = [Self.tcp(payload: 1000), corrupted, Self.tcp(payload: 3000, offloaded: true), Self.udp(payload: 40),
                      Self.udp(payload: 40, zeroChecksum: true), echo]
        let file = try PcapFile(bytes: PcapBytes.make(linkType: 1, records: frames.map { ($0, $0.count) }), name: "v6")
        let findings = PcapChecksumScan.run(file)
        let checked = ChecksumPcapTests.checked(findings)
        #expect(checked.map(\.frames) == [[1], [2], [3], [4], [5]])
        #expect(checked.map(\.proto) == [.tcp, .tcp, .tcp, .udp, .udp])
        #expect(checked.map(\.check.isValid) == [true, false, false, true, false])
        #expect(checked.map(\.check.isPartial) == [false, false, true, false, false])
        #expect(!checked[4].check.isAbsent, "over IPv6 a UDP checksum of 0 is no checksum at all: invalid")
        let report = PcapReport(findings: findings, frameCount: frames.count, verbose: false)
        #expect(report.foundInvalid)
        #expect(report.lines.contains("  invalid TCP/UDP checksums: 2, 5"))
        #expect(report.lines.contains("  ignored: 0 neither IPv4 nor IPv6 (ARP...), 1 IP neither TCP nor UDP"))
    }

    @Test("an all-valid IPv6 capture reports 0 invalid")
    func clean() throws {
        let frames = (1...5).map { Self.tcp(payload: $0 * 200) } + [Self.udp(payload: 10)]
        let file = try PcapFile(bytes: PcapBytes.make(linkType: 1, records: frames.map { ($0, $0.count) }), name: "v6")
        let report = PcapReport(findings: PcapChecksumScan.run(file), frameCount: frames.count, verbose: false)
        #expect(!report.foundInvalid)
        #expect(report.lines.first == "6 frames, 6 checksums checked: 6 valid, 0 invalid")
    }
}
