import Glibc
import Testing
import TernLink
import TernWire

/// A clock for captures: starts at 2023-11-14 22:13:20.123456789 UTC and moves on by
/// 1.000250 s per reading, so each record's timestamp is known in advance.
private final class SteppingClock {
    var now: Int64 = 1_700_000_000_123_456_789
    func read() -> Int64 {
        defer { now += 1_000_250_000 }
        return now
    }
}

/// The little-endian bytes of `value`.
private func le32(_ value: UInt32) -> [UInt8] {
    [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
}

@Suite("PcapWriter")
struct PcapWriterTests {
    @Test("the file is byte-exact: header, then one record per frame sent or received")
    func byteExact() throws {
        let path = temporaryPath("exact.pcap")
        defer { unlink(path) }
        let (a, b) = MemoryLink.makePair()
        let clock = SteppingClock()
        let writer = try PcapWriter(wrapping: a, path: path, clock: clock.read)

        let out1 = TestFrames.numbered(1, size: 60)
        let out2 = TestFrames.arpRequest(from: TestFrames.ourMAC, IPv4Address(10, 0, 0, 2), for: IPv4Address(10, 0, 0, 1))
        let in1 = TestFrames.numbered(3, size: 1514)
        try writer.transmit(bytes: out1)
        try writer.transmit(bytes: out2)
        try b.transmit(bytes: in1)
        var batch = writer.makeBatch()
        #expect(try writer.receive(into: &batch) == 1)
        #expect(Array(batch[0]) == in1)  // passes through unchanged
        #expect(b.receiveAll() == [out1, out2])
        #expect(writer.recordedFrames == 3)
        try writer.flush()

        var expected: [UInt8] = [0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        expected += le32(65535) + le32(1)
        let stamps: [(UInt32, UInt32)] = [(1_700_000_000, 123_456), (1_700_000_001, 123_706), (1_700_000_002, 123_956)]
        for (frame, stamp) in zip([out1, out2, in1], stamps) {
            expected += le32(stamp.0) + le32(stamp.1) + le32(UInt32(frame.count)) + le32(UInt32(frame.count)) + frame
        }
        let bytes = try readFile(path)
        #expect(bytes == expected)

        let parsed = try PcapFile(bytes: bytes)
        #expect(parsed.versionMajor == 2 && parsed.versionMinor == 4)
        #expect(parsed.linkType == 1)
        #expect(parsed.snapshotLength >= UInt32(a.maximumFrameSize))
        #expect(parsed.records.map(\.data) == [out1, out2, in1])
    }

    @Test("records are buffered until flush; the header is written at once")
    func buffering() throws {
        let path = temporaryPath("buffered.pcap")
        defer { unlink(path) }
        let (a, _) = MemoryLink.makePair()
        let writer = try PcapWriter(wrapping: a, path: path)
        #expect(try readFile(path).count == PcapWriter.fileHeaderSize)
        try writer.transmit(bytes: TestFrames.numbered(1))
        #expect(try readFile(path).count == PcapWriter.fileHeaderSize)
        try writer.flush()
        #expect(try readFile(path).count == PcapWriter.fileHeaderSize + PcapWriter.recordHeaderSize + 100)
    }

    @Test("a small buffer spills to the file as it fills, losing nothing")
    func spilling() throws {
        let path = temporaryPath("spill.pcap")
        defer { unlink(path) }
        let (a, _) = MemoryLink.makePair(queueLimit: 1000)
        let writer = try PcapWriter(wrapping: a, path: path, bufferSize: 300)
        let frames = (0..<50).map { TestFrames.numbered(UInt32($0), size: 60 + $0 * 20) }
        for frame in frames { try writer.transmit(bytes: frame) }
        writer.close()
        let parsed = try PcapFile(bytes: readFile(path))
        #expect(parsed.records.map(\.data) == frames)
        #expect(parsed.records.allSatisfy { Int($0.originalLength) == $0.data.count })
    }

    @Test("close and deinit flush what is buffered")
    func flushOnClose() throws {
        let closedPath = temporaryPath("closed.pcap")
        let droppedPath = temporaryPath("dropped.pcap")
        defer {
            unlink(closedPath)
            unlink(droppedPath)
        }
        let (a, _) = MemoryLink.makePair()
        let writer = try PcapWriter(wrapping: a, path: closedPath)
        try writer.transmit(bytes: TestFrames.numbered(1))
        writer.close()
        #expect(try PcapFile(bytes: readFile(closedPath)).records.count == 1)
        #expect(throws: SystemError.self) { try a.transmit(bytes: TestFrames.numbered(2)) }  // closed through

        let (c, _) = MemoryLink.makePair()
        do {
            let scoped = try PcapWriter(wrapping: c, path: droppedPath)
            try scoped.transmit(bytes: TestFrames.numbered(1))
            try scoped.transmit(bytes: TestFrames.numbered(2))
        }
        #expect(try PcapFile(bytes: readFile(droppedPath)).records.count == 2)
    }

    @Test("a frame that fails to send is not recorded")
    func failedTransmit() throws {
        let path = temporaryPath("failed.pcap")
        defer { unlink(path) }
        let (a, _) = MemoryLink.makePair(mtu: 100)
        let writer = try PcapWriter(wrapping: a, path: path)
        #expect(throws: SystemError.self) { try writer.transmit(bytes: [UInt8](repeating: 0, count: 200)) }
        #expect(writer.recordedFrames == 0)
    }

    @Test("an unwritable path is reported clearly")
    func badPath() {
        let (a, _) = MemoryLink.makePair()
        let error = #expect(throws: SystemError.self) {
            try PcapWriter(wrapping: a, path: "/nonexistent-directory-for-tern/x.pcap")
        }
        #expect(error?.description == "cannot create the capture file /nonexistent-directory-for-tern/x.pcap: "
            + "No such file or directory — the directory does not exist")
    }

    @Test("tshark and tcpdump read the capture", .enabled(if: isInstalled("tshark") || isInstalled("tcpdump")))
    func readableByTools() throws {
        let path = temporaryPath("tools.pcap")
        defer { unlink(path) }
        let (a, b) = MemoryLink.makePair()
        let writer = try PcapWriter(wrapping: a, path: path)
        let us = IPv4Address(10, 9, 8, 2), them = IPv4Address(10, 9, 8, 1)
        try writer.transmit(bytes: TestFrames.arpRequest(from: TestFrames.ourMAC, us, for: them))
        try b.transmit(bytes: TestFrames.arpReply(from: TestFrames.peerMAC, them, to: TestFrames.ourMAC, us))
        var batch = writer.makeBatch()
        _ = try writer.receive(into: &batch)
        try writer.transmit(bytes: TestFrames.echoRequest(from: TestFrames.ourMAC, us, to: TestFrames.peerMAC, them,
                                                          identifier: 7, sequence: 1, payload: Array(0..<56)))
        writer.close()

        if isInstalled("tshark") {
            let result = runCommand(["tshark", "-n", "-r", path])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("Who has 10.9.8.1? Tell 10.9.8.2"), "\(result.output)")
            #expect(result.output.contains("10.9.8.1 is at"), "\(result.output)")
            #expect(result.output.contains("Echo (ping) request"), "\(result.output)")
        }
        if isInstalled("tcpdump") {
            let result = runCommand(["tcpdump", "-n", "-r", path])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("ARP, Request who-has 10.9.8.1 tell 10.9.8.2"), "\(result.output)")
            #expect(result.output.contains("ICMP echo request, id 7, seq 1"), "\(result.output)")
        }
    }
}
