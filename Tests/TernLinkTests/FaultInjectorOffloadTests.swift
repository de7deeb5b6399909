import Testing
@testable import TernLink
import TernWire

/// A device that takes offloads and records what it is handed.
private final class OffloadRecorder: LinkDevice {
    let name = "recorder"
    let mtu = 1500
    let maximumFrameSize = 65535 + 14
    var fileDescriptor: Int32? { nil }
    var supportsOffload: Bool { true }
    var sent: [(frame: [UInt8], offload: VirtioNetHeader?)] = []

    func receive(into batch: inout FrameBatch) throws(SystemError) -> Int {
        batch.removeAll()
        return 0
    }
    func transmit(_ frame: UnsafeRawBufferPointer) throws(SystemError) { sent.append((Array(frame), nil)) }
    func transmit(_ frame: UnsafeMutableRawBufferPointer, offload: VirtioNetHeader) throws(SystemError) {
        sent.append((Array(UnsafeRawBufferPointer(frame)), offload))
    }
    func close() {}

    /// Every wire frame the kernel would make of what was sent.
    func wireFrames() -> [[UInt8]] {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { scratch.deallocate() }
        var frames: [[UInt8]] = []
        for var item in sent {
            guard let offload = item.offload else {
                frames.append(item.frame)
                continue
            }
            item.frame.withUnsafeMutableBytes { buffer in
                SoftwareOffload.apply(offload, to: buffer, scratch: scratch) { frames.append(Array($0)) }
            }
        }
        return frames
    }
}

/// A TCP/IPv4 super-segment of `pieces` × 1000 payload bytes, checksum left to the link.
private func superSegment(pieces: Int) -> (frame: [UInt8], offload: VirtioNetHeader) {
    let payload = (0..<pieces * 1000).map { UInt8(truncatingIfNeeded: $0 / 1000 + 1) }
    let headers = 14 + 20 + 20
    var frame = [UInt8](repeating: 0, count: headers + payload.count)
    frame.withUnsafeMutableBytes { buffer in
        _ = try? EthernetHeader(destination: MACAddress(2, 0, 0, 0, 0, 1), source: MACAddress(2, 0, 0, 0, 0, 2),
                                etherType: .ipv4).write(to: buffer)
        let ip = UnsafeMutableRawBufferPointer(rebasing: buffer[14...])
        payload.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: ip[40...]).copyMemory(from: $0) }
        let source = IPv4Address(10, 0, 0, 2), destination = IPv4Address(10, 0, 0, 1)
        _ = try? TCPHeader(sourcePort: 19, destinationPort: 40000, sequenceNumber: SequenceNumber(5000),
                           acknowledgmentNumber: SequenceNumber(1), flags: [.ack, .psh], window: 100)
            .write(to: UnsafeMutableRawBufferPointer(rebasing: ip[20...]), payloadLength: payload.count,
                   source: source, destination: destination, checksumLeftToLink: true)
        _ = try? IPv4Header(totalLength: UInt16(20 + 20 + payload.count), identification: 7, flags: .dontFragment,
                            timeToLive: 64, protocol: .tcp, source: source, destination: destination).write(to: ip)
    }
    return (frame, VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: VirtioNetHeader.gsoTCPv4,
                                   headerLength: 54, segmentSize: 1000, checksumStart: 34, checksumOffset: 16))
}

@Suite("Fault injection with offloads")
struct FaultInjectorOffloadTests {
    @Test("each piece of a super-segment meets its own fate; the survivors stay super-segments")
    func piecesMeetTheirFates() throws {
        let recorder = OffloadRecorder()
        let injector = FaultInjector(wrapping: recorder, inbound: .none, outbound: try FaultProfile(drop: 0.3), seed: 4)
        #expect(injector.supportsOffload)
        var total = 0
        for _ in 0..<50 {
            var (frame, offload) = superSegment(pieces: 20)
            try frame.withUnsafeMutableBytes { try injector.transmit($0, offload: offload) }
            total += 20
        }
        let counters = injector.outboundCounters
        #expect(counters.frames == total)
        #expect(counters.dropped > total / 5 && counters.dropped < total * 2 / 5)
        let wire = recorder.wireFrames()
        #expect(wire.count == total - counters.dropped)
        #expect(recorder.sent.contains { $0.offload?.isSegmentation == true }, "runs of survivors go as super-segments")
        #expect(recorder.sent.count < wire.count, "fewer hand-overs than wire frames")
        for frame in wire {
            let parsed = try ParsedFrame.parse(frame)
            guard case .ipv4(_, true, .tcp(let tcp, _, true, let length)) = parsed.network else {
                Issue.record("not a valid TCP frame: \(parsed)")
                continue
            }
            #expect(length == 1000)
            // The payload of piece k is the byte k+1 throughout, and its sequence number matches.
            let piece = Int(tcp.sequenceNumber.rawValue - 5000) / 1000
            #expect(frame[54] == UInt8(piece + 1) && frame.last == UInt8(piece + 1))
        }
    }

    @Test("corrupted pieces are finished first, so the flip is caught by the checksum")
    func corruptedPieces() throws {
        let recorder = OffloadRecorder()
        let injector = FaultInjector(wrapping: recorder, inbound: .none, outbound: try FaultProfile(corrupt: 1), seed: 9)
        var (frame, offload) = superSegment(pieces: 5)
        try frame.withUnsafeMutableBytes { try injector.transmit($0, offload: offload) }
        #expect(recorder.sent.count == 5)
        #expect(recorder.sent.allSatisfy { $0.offload == nil })
        let bad = recorder.wireFrames().filter { frame in
            guard let parsed = try? ParsedFrame.parse(frame), case .ipv4(_, let ipOK, .tcp(_, _, let tcpOK, _)) = parsed.network
            else { return true }
            return !(ipOK && tcpOK)
        }
        #expect(bad.count == 5)
    }

    @Test("with no faults the super-segment passes untouched")
    func noFaults() throws {
        let recorder = OffloadRecorder()
        let injector = FaultInjector(wrapping: recorder, profile: .none, seed: 1)
        var (frame, offload) = superSegment(pieces: 5)
        let original = frame
        try frame.withUnsafeMutableBytes { try injector.transmit($0, offload: offload) }
        #expect(recorder.sent.count == 1)
        #expect(recorder.sent.first?.frame == original && recorder.sent.first?.offload == offload)
    }
}
