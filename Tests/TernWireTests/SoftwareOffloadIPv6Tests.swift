import Testing
import TernWire

/// The software cutter and checksum completion on TCP over IPv6, as a link without
/// offloads (or a capture of one with them) needs them.
@Suite("Software offload over IPv6")
struct SoftwareOffloadIPv6Tests {
    static let source = IPv6Address("fd00::2")!
    static let destination = IPv6Address("fd00::1")!

    /// A TCP/IPv6 super-segment of `payload` with timestamps (12 option bytes), its
    /// checksum left to the link (the pseudo-header sum in the field), and the header a
    /// sender hands the link: cut into pieces of `segmentSize`.
    static func superSegment(payload: [UInt8], segmentSize: Int, flags: TCPFlags = [.ack, .psh, .fin])
        -> (frame: [UInt8], header: VirtioNetHeader) {
        let options = TCPOptions(timestamps: TCPTimestamps(value: 7, echoReply: 9))
        let tcpLength = TCPHeader.minimumSize + options.encodedLength
        let headers = EthernetHeader.size + IPv6Header.size + tcpLength
        var frame = [UInt8](repeating: 0, count: headers + payload.count)
        frame.withUnsafeMutableBytes { buffer in
            _ = try? EthernetHeader(destination: MACAddress(2, 0, 0, 0, 0, 1), source: MACAddress(2, 0, 0, 0, 0, 2),
                                    etherType: .ipv6).write(to: buffer)
            let ip = UnsafeMutableRawBufferPointer(rebasing: buffer[EthernetHeader.size...])
            _ = try? IPv6Header(payloadLength: UInt16(tcpLength + payload.count), nextHeader: .tcp, hopLimit: 64,
                                source: source, destination: destination).write(to: ip)
            let tcp = UnsafeMutableRawBufferPointer(rebasing: ip[IPv6Header.size...])
            _ = try? options.write(to: UnsafeMutableRawBufferPointer(rebasing: tcp[TCPHeader.minimumSize..<tcpLength]))
            payload.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: tcp[tcpLength...]).copyMemory(from: $0) }
            _ = try? TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: SequenceNumber(0xFFFF_F000),
                               acknowledgmentNumber: SequenceNumber(1), headerLength: tcpLength, flags: flags,
                               window: 500)
                .write(to: tcp, payloadLength: payload.count, source: source, destination: destination,
                       checksumLeftToLink: true)
        }
        let header = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: VirtioNetHeader.gsoTCPv6,
                                     headerLength: UInt16(headers), segmentSize: UInt16(segmentSize),
                                     checksumStart: UInt16(EthernetHeader.size + IPv6Header.size), checksumOffset: 16)
        return (frame, header)
    }

    /// The TCP header, payload length and checksum verdict of an IPv6 frame.
    static func tcp(_ frame: [UInt8]) throws -> (header: IPv6Header, tcp: TCPHeader, payload: Int, valid: Bool)? {
        guard case .ipv6(let ip, _, .tcp(let tcp, _, let valid, let payload)) = try ParsedFrame.parse(frame).network else {
            return nil
        }
        return (ip, tcp, payload, valid)
    }

    static func pieces(of frame: [UInt8], _ header: VirtioNetHeader) -> [[UInt8]] {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { scratch.deallocate() }
        var pieces: [[UInt8]] = []
        frame.withUnsafeBytes { SoftwareOffload.wireFrames(of: $0, header, scratch: scratch) { pieces.append(Array($0)) } }
        return pieces
    }

    @Test("a super-segment is cut into frames of the segment size: lengths, sequence numbers, flags, checksums")
    func cut() throws {
        let payload = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        let (frame, header) = Self.superSegment(payload: payload, segmentSize: 1428)
        let layout = try #require(frame.withUnsafeBytes { SoftwareOffload.superSegment($0, header) })
        #expect(layout.isIPv6 && layout.pieceCount == 8 && layout.headerLength == 14 + 40 + 32)
        let pieces = Self.pieces(of: frame, header)
        #expect(pieces.count == 8)
        var sequence = SequenceNumber(0xFFFF_F000)
        var carried: [UInt8] = []
        for (index, piece) in pieces.enumerated() {
            let parsed = try #require(try Self.tcp(piece))
            let last = index == pieces.count - 1
            #expect(parsed.valid, "piece \(index): the TCP checksum over the IPv6 pseudo-header verifies")
            #expect(parsed.payload == (last ? 10_000 - 7 * 1428 : 1428))
            #expect(Int(parsed.header.payloadLength) == 32 + parsed.payload, "the IPv6 payload length is the piece's")
            #expect(parsed.header.source == Self.source && parsed.header.destination == Self.destination)
            #expect(parsed.tcp.sequenceNumber == sequence, "sequence numbers run on, across the wrap")
            #expect(parsed.tcp.flags.contains(.fin) == last && parsed.tcp.flags.contains(.psh) == last)
            #expect(parsed.tcp.flags.contains(.ack))
            sequence = sequence + parsed.payload
            carried += piece[(14 + 40 + 32)...]
        }
        #expect(carried == payload, "the pieces carry the payload in order (10,000 bytes, not shown)")
    }

    @Test("a run of pieces left as a smaller super-segment asks the link for TCPv6 segmentation")
    func smallerSuperSegment() throws {
        let payload = [UInt8](repeating: 0x5A, count: 6000)
        let (frame, header) = Self.superSegment(payload: payload, segmentSize: 1000)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { scratch.deallocate() }
        var run: ([UInt8], VirtioNetHeader)?
        var single: VirtioNetHeader?
        frame.withUnsafeBytes { bytes in
            guard let layout = SoftwareOffload.superSegment(bytes, header) else { return }
            if let out = SoftwareOffload.write(pieces: 2..<5, of: bytes, layout: layout, into: scratch, finish: false) {
                run = (Array(UnsafeRawBufferPointer(out.frame)), out.header)
            }
            single = SoftwareOffload.write(pieces: 5..<6, of: bytes, layout: layout, into: scratch, finish: false)?.header
        }
        let (runFrame, runHeader) = try #require(run)
        #expect(runHeader.gsoType == VirtioNetHeader.gsoTCPv6)
        #expect(runHeader.segmentSize == 1000 && runHeader.headerLength == 86)
        #expect(runHeader.checksumStart == 54 && runHeader.checksumOffset == 16)
        #expect(single?.gsoType == VirtioNetHeader.gsoNone, "a single piece needs no segmentation")
        let pieces = Self.pieces(of: runFrame, runHeader)
        #expect(pieces.count == 3)
        for piece in pieces {
            let parsed = try #require(try Self.tcp(piece))
            #expect(parsed.valid && parsed.payload == 1000)
        }
        let first = try #require(try Self.tcp(pieces[0]))
        #expect(first.tcp.sequenceNumber == SequenceNumber(0xFFFF_F000) + 2000)
    }

    @Test("a checksum left open on an ordinary IPv6 segment is finished")
    func completeChecksum() throws {
        var (frame, header) = Self.superSegment(payload: Array(repeating: 1, count: 900), segmentSize: 1428)
        #expect(try Self.tcp(frame)?.valid == false, "only the pseudo-header sum is in the field")
        frame.withUnsafeMutableBytes { _ = SoftwareOffload.completeChecksum($0, start: 54, offset: 16) }
        #expect(try Self.tcp(frame)?.valid == true)
        header.gsoType = VirtioNetHeader.gsoNone
        let (open, _) = Self.superSegment(payload: Array(repeating: 1, count: 900), segmentSize: 1428)
        #expect(Self.pieces(of: open, header) == [frame])
    }

    @Test("the family of the request must match the frame's; anything else passes unchanged")
    func mismatch() throws {
        let (frame, header) = Self.superSegment(payload: Array(repeating: 3, count: 3000), segmentSize: 1000)
        var v4 = header
        v4.gsoType = VirtioNetHeader.gsoTCPv4
        #expect(frame.withUnsafeBytes { SoftwareOffload.superSegment($0, v4) } == nil,
                "a TCPv4 request on an IPv6 frame is not cut")
        #expect(Self.pieces(of: frame, v4) == [frame])
        // An IPv6 frame whose fixed header is followed by something other than TCP.
        var other = frame
        other[14 + 6] = IPProtocol.udp.rawValue
        #expect(other.withUnsafeBytes { SoftwareOffload.superSegment($0, header) } == nil)
        // Cut short: the IPv6 payload length runs past the frame.
        let short = Array(frame.prefix(100))
        #expect(short.withUnsafeBytes { SoftwareOffload.superSegment($0, header) } == nil)
        #expect(Self.pieces(of: short, header) == [short])
    }

    @Test("damaged super-segments never trap: 2,000 random mutations of frame and request")
    func mutations() throws {
        let (original, request) = Self.superSegment(payload: (0..<4000).map { UInt8(truncatingIfNeeded: $0) },
                                                    segmentSize: 1000)
        var random = SeededRandom(seed: 16)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { scratch.deallocate() }
        var cut = 0
        for _ in 0..<2000 {
            var frame = original
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                // The headers mostly: lengths, next header, data offset.
                let index = Int.random(in: 0..<min(frame.count, 120), using: &random)
                frame[index] = UInt8.random(in: 0...255, using: &random)
            }
            if random.chance(0.2) { frame.removeLast(Int.random(in: 1...3000, using: &random)) }
            var header = request
            header.segmentSize = UInt16.random(in: 0...1500, using: &random)
            if random.chance(0.1) { header.gsoType = UInt8.random(in: 0...255, using: &random) }
            let layout = frame.withUnsafeBytes { SoftwareOffload.superSegment($0, header) }
            var pieces = 0
            frame.withUnsafeBytes { bytes in
                SoftwareOffload.wireFrames(of: bytes, header, scratch: scratch) { piece in
                    pieces += 1
                    if let layout {
                        #expect(piece.count <= layout.headerLength + layout.segmentSize, "a piece is one segment at most")
                    } else {
                        #expect(piece.count == bytes.count, "what is not a super-segment passes as it is")
                    }
                }
            }
            if let layout {
                #expect(pieces == layout.pieceCount)
                cut += 1
            }
        }
        #expect(cut > 100, "enough of the mutants still parse to exercise the cutter (\(cut))")
    }

    @Test("the offload the engine describes becomes a TCPv6 request for IPv6, TCPv4 otherwise")
    func virtioFromOffload() {
        let v6 = VirtioNetHeader(FrameOffload(checksumStart: 54, checksumOffset: 16, segmentSize: 1428,
                                              headerLength: 86, isIPv6: true))
        #expect(v6.gsoType == VirtioNetHeader.gsoTCPv6 && v6.checksumStart == 54 && v6.headerLength == 86)
        let v4 = VirtioNetHeader(FrameOffload(checksumStart: 34, checksumOffset: 16, segmentSize: 1448,
                                              headerLength: 66))
        #expect(v4.gsoType == VirtioNetHeader.gsoTCPv4)
        let checksumOnly = VirtioNetHeader(FrameOffload(checksumStart: 54, checksumOffset: 16, isIPv6: true))
        #expect(checksumOnly.gsoType == VirtioNetHeader.gsoNone && checksumOnly.flags == VirtioNetHeader.needsChecksum)
    }
}
