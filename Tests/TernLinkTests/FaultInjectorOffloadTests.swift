import Testing
@testable import TernLink
import TernWire

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
