import Glibc
import Testing
import TernLink
import TernWire

/// Whether `frame` is a TCP/IPv4 segment whose IPv4 and TCP checksums both verify.
private func checksumsValid(_ frame: [UInt8]) throws -> Bool {
    guard case .ipv4(_, let headerValid, .tcp(_, _, let tcpValid, _)) = try ParsedFrame.parse(frame).network else {
        return false
    }
    return headerValid && tcpValid
}

@Suite("PcapWriter with offloads")
struct PcapWriterOffloadTests {
    /// The frames recorded in the capture at `path`.
    private func recorded(_ path: String) throws -> [[UInt8]] {
        try PcapFile(bytes: readFile(path)).records.map(\.data)
    }

    @Test("a super-segment sent is recorded as the wire frames it stands for, checksums complete")
    func sentSuperSegment() throws {
        let path = temporaryPath("offload-sent.pcap")
        defer { unlink(path) }
        let device = OffloadRecorder()
        let writer = try PcapWriter(wrapping: device, path: path)
        var (frame, offload) = superSegment(pieces: 4)
        let original = frame
        try frame.withUnsafeMutableBytes { try writer.transmit($0, offload: offload) }
        try writer.flush()

        #expect(device.sent.count == 1 && device.sent[0].frame == original, "the device gets the super-segment as it was")
        let frames = try recorded(path)
        #expect(frames == device.wireFrames())
        #expect(frames.count == 4 && frames.allSatisfy { $0.count == 54 + 1000 })
        for frame in frames {
            #expect(try checksumsValid(frame), "every recorded frame carries a complete checksum")
        }
    }

    @Test("a super-segment received from the kernel is recorded as its wire frames too")
    func receivedSuperSegment() throws {
        let path = temporaryPath("offload-received.pcap")
        defer { unlink(path) }
        let device = OffloadRecorder()
        let writer = try PcapWriter(wrapping: device, path: path)
        var (frame, offload) = superSegment(pieces: 3)
        // As a TAP delivers it: the checksum already finished over the whole super-segment.
        frame.withUnsafeMutableBytes { _ = SoftwareOffload.completeChecksum($0, start: 34, offset: 16) }
        device.incoming = [(frame, Int(offload.segmentSize))]
        var batch = writer.makeBatch(capacity: 4)
        #expect(try writer.receive(into: &batch) == 1)
        #expect(Array(batch[0]) == frame, "the engine still gets the super-segment")
        try writer.flush()

        let frames = try recorded(path)
        #expect(frames.count == 3)
        offload.flags = 0
        var expected: [[UInt8]] = []
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { scratch.deallocate() }
        frame.withUnsafeBytes { SoftwareOffload.wireFrames(of: $0, offload, scratch: scratch) { expected.append(Array($0)) } }
        #expect(frames == expected)
        for frame in frames {
            #expect(try checksumsValid(frame))
        }
    }

    @Test("an ordinary frame received is recorded as it came")
    func ordinaryFrame() throws {
        let path = temporaryPath("offload-plain.pcap")
        defer { unlink(path) }
        let device = OffloadRecorder()
        let writer = try PcapWriter(wrapping: device, path: path)
        let frame = TestFrames.numbered(9, size: 200)
        device.incoming = [(frame, 0)]
        var batch = writer.makeBatch(capacity: 4)
        #expect(try writer.receive(into: &batch) == 1)
        try writer.flush()
        #expect(try recorded(path) == [frame])
    }
}
