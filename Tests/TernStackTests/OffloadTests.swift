import Testing
@testable import TernStack
import TernLink
import TernTestSupport
import TernWire

/// Records frames with the offload work the stack left to the link.
final class OffloadLog: FrameTransmitter {
    var frames: [(bytes: [UInt8], offload: FrameOffload?)] = []
    func transmit(_ frame: UnsafeRawBufferPointer) { frames.append((Array(frame), nil)) }
    func transmit(_ frame: UnsafeMutableRawBufferPointer, offload: FrameOffload) {
        frames.append((Array(UnsafeRawBufferPointer(frame)), offload))
    }
}

@Suite("Link offloads")
struct OffloadTests {
    @Test("with offloads, bulk data leaves as super-segments the link cuts into MSS-sized frames")
    func superSegments() throws {
        let log = OffloadLog()
        var configuration = StackConfiguration(mac: TestHost.hostMAC, address: IPv4Subnet("10.0.0.2/24")!, randomSeed: 1)
        configuration.linkOffloads = true
        let stack = try NetworkStack(configuration: configuration, transmitter: log, now: .seconds(1))
        func deliver(_ frame: [UInt8]) {
            frame.withUnsafeBytes { stack.receive(frame: $0, now: .seconds(1)) }
            stack.poll(now: .seconds(1))
        }
        deliver(FrameBuilder.arp(.request, senderMAC: TestHost.peerMAC, senderIP: TestHost.peerIP, targetIP: TestHost.hostIP))
        let recorder = TCPRecorder()
        try stack.listenTCP(port: 80).delegate = recorder
        func tcp(_ seq: UInt32, _ ack: UInt32, _ flags: TCPFlags, _ options: TCPOptions = TCPOptions()) -> [UInt8] {
            FrameBuilder.ipv4(from: TestHost.peerIP, to: TestHost.hostIP, protocol: .tcp,
                              payload: FrameBuilder.tcp(sourcePort: 4000, destinationPort: 80, sequence: seq, acknowledgment: ack,
                                                        flags: flags, window: 65535, options: options,
                                                        source: TestHost.peerIP, destination: TestHost.hostIP),
                              sourceMAC: TestHost.peerMAC, destinationMAC: TestHost.hostMAC)
        }
        deliver(tcp(100, 0, .syn, TCPOptions(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true)))
        let synAck = try #require(log.frames.last)
        #expect(synAck.offload == nil, "only super-segments leave work to the link")
        #expect(SentFrame(synAck.bytes)?.checksumsValid == true, "the SYN-ACK carries its complete checksum")
        let iss = try #require(SentFrame(synAck.bytes)?.tcp?.header.sequenceNumber.rawValue)
        deliver(tcp(101, iss &+ 1, .ack))
        let connection = try #require(recorder.accepted.first)
        log.frames.removeAll()
        let data = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 * 31) }
        _ = data.withUnsafeBytes { connection.send($0) }
        stack.poll(now: .seconds(1))
        // The initial window of ten 1460-byte segments goes as two super-segments: at most
        // half the window each, so the round trip brings two ACKs.
        #expect(log.frames.count == 2)
        #expect(log.frames.allSatisfy { $0.offload?.isSegmentation == true && $0.bytes.count == 54 + 7300 })
        let superSegment = try #require(log.frames.first)
        let offload = try #require(superSegment.offload)
        #expect(offload.segmentSize == 1460)
        #expect(offload.headerLength == 54)
        #expect(offload.checksumStart == 34 && offload.checksumOffset == 16)

        // What the link sends after doing the work in software: ten frames, checksums valid.
        var pieces: [SentFrame] = []
        var frame = superSegment.bytes
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { scratch.deallocate() }
        frame.withUnsafeMutableBytes { buffer in
            SoftwareOffload.wireFrames(of: UnsafeRawBufferPointer(buffer), offload, scratch: scratch) { piece in
                if let sent = SentFrame(Array(piece)) { pieces.append(sent) }
            }
        }
        #expect(pieces.count == 5)
        #expect(pieces.allSatisfy { $0.checksumsValid && $0.tcpPayload.count == 1460 })
        #expect(pieces.flatMap(\.tcpPayload) == Array(data[0..<7300]), "the right bytes (not shown on failure: 7300 of them)")
        #expect(pieces.dropLast().allSatisfy { !($0.tcp?.header.flags.contains(.psh) ?? true) })

        // A segment of one MSS or less is sent finished, checksum and all, as a capture on
        // the link should show it.
        log.frames.removeAll()
        let firstByte = try #require(SentFrame(superSegment.bytes)?.tcp?.header.sequenceNumber.rawValue)
        deliver(tcp(101, firstByte &+ 14_600, .ack))  // the rest of the 20,000 bytes go out
        deliver(tcp(101, firstByte &+ 20_000, .ack))
        _ = [UInt8](repeating: 7, count: 100).withUnsafeBytes { connection.send($0) }
        stack.poll(now: .seconds(1))
        let small = try #require(log.frames.last(where: { SentFrame($0.bytes)?.tcpPayload.count == 100 }))
        #expect(small.offload == nil)
        #expect(SentFrame(small.bytes)?.checksumsValid == true)
    }

    @Test("10 MB each way over a lossy link with offloads done in software, byte-exact")
    func lossyTransferWithOffloads() throws {
        let faults = try FaultProfile(drop: 0.02, duplicate: 0.01, reorder: 0.01, corrupt: 0.005)
        let network = try StackNetwork.twoStacks(faults: faults, seed: 11) { $0.linkOffloads = true }
        let size = 10_000_000
        let server = BulkEndpoint(total: size, sendSeed: 0xB0, receiveSeed: 0xA0)
        let client = BulkEndpoint(total: size, sendSeed: 0xA0, receiveSeed: 0xB0)
        try network.b.listenTCP(port: 9000).delegate = server
        client.attach(try network.a.connectTCP(to: StackNetwork.addressB, port: 9000))
        let finished = network.run(for: .seconds(600)) { client.isDone && server.isDone }
        #expect(finished)
        #expect(client.mismatches == 0 && server.mismatches == 0)
        #expect(client.received == size && server.received == size)
    }
}
