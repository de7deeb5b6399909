import Glibc
import Testing
@testable import TernLink
import TernWire

/// Whether `frame` is a TCP/IPv6 segment of `length` payload bytes whose checksum verifies.
private func validTCPv6(_ frame: [UInt8], length: Int = 1000) -> Bool {
    guard let parsed = try? ParsedFrame.parse(frame),
          case .ipv6(_, _, .tcp(_, _, true, let payload)) = parsed.network else { return false }
    return payload == length
}

/// The capture and the fault injector treat TCPv6 super-segments as they treat TCPv4 ones.
@Suite("Links with TCPv6 super-segments")
struct IPv6OffloadLinkTests {
    @Test("the pcap writer records a TCPv6 super-segment sent as its wire frames, checksums complete")
    func pcapSent() throws {
        let path = temporaryPath("offload6-sent.pcap")
        defer { unlink(path) }
        let device = OffloadRecorder()
        let writer = try PcapWriter(wrapping: device, path: path)
        var (frame, offload) = superSegmentIPv6(pieces: 4)
        try frame.withUnsafeMutableBytes { try writer.transmit($0, offload: offload) }
        try writer.flush()
        let frames = try PcapFile(bytes: readFile(path)).records.map(\.data)
        #expect(device.sent.count == 1 && device.sent[0].offload?.gsoType == VirtioNetHeader.gsoTCPv6)
        #expect(frames.count == 4 && frames == device.wireFrames())
        #expect(frames.allSatisfy { validTCPv6($0) })
    }

    @Test("the pcap writer records a TCPv6 super-segment received from the kernel as its wire frames")
    func pcapReceived() throws {
        let path = temporaryPath("offload6-received.pcap")
        defer { unlink(path) }
        let device = OffloadRecorder()
        let writer = try PcapWriter(wrapping: device, path: path)
        var (frame, _) = superSegmentIPv6(pieces: 3)
        frame.withUnsafeMutableBytes { _ = SoftwareOffload.completeChecksum($0, start: 54, offset: 16) }
        device.incoming = [(frame, 1000)]
        var batch = writer.makeBatch(capacity: 4)
        #expect(try writer.receive(into: &batch) == 1)
        #expect(Array(batch[0]) == frame, "the engine still gets the super-segment")
        try writer.flush()
        let frames = try PcapFile(bytes: readFile(path)).records.map(\.data)
        #expect(frames.count == 3)
        #expect(frames.allSatisfy { validTCPv6($0) })
    }

    @Test("the fault injector gives each piece of a TCPv6 super-segment its own fate")
    func faults() throws {
        let recorder = OffloadRecorder()
        let injector = FaultInjector(wrapping: recorder, inbound: .none, outbound: try FaultProfile(drop: 0.3), seed: 4)
        var total = 0
        for _ in 0..<30 {
            var (frame, offload) = superSegmentIPv6(pieces: 20)
            try frame.withUnsafeMutableBytes { try injector.transmit($0, offload: offload) }
            total += 20
        }
        let counters = injector.outboundCounters
        #expect(counters.frames == total, "counted piece by piece, not per super-segment")
        #expect(counters.dropped > total / 5 && counters.dropped < total * 2 / 5)
        let wire = recorder.wireFrames()
        #expect(wire.count == total - counters.dropped)
        #expect(recorder.sent.contains { $0.offload?.gsoType == VirtioNetHeader.gsoTCPv6 },
                "runs of survivors go as TCPv6 super-segments")
        for frame in wire {
            #expect(validTCPv6(frame))
            guard case .ipv6(_, _, .tcp(let tcp, _, _, _))? = try? ParsedFrame.parse(frame).network else { continue }
            let piece = Int(tcp.sequenceNumber.rawValue - 5000) / 1000
            #expect(frame[74] == UInt8(piece + 1) && frame.last == UInt8(piece + 1), "the right bytes for its sequence")
        }
    }
}
