import Foundation
import Testing
import TernToolSupport
import TernWire
@testable import tern_checksum

/// Builds classic pcap files in memory.
enum PcapBytes {
    static func make(linkType: UInt32, records: [(bytes: [UInt8], originalLength: Int)],
                     bigEndian: Bool = false) -> [UInt8] {
        func u32(_ v: UInt32) -> [UInt8] {
            let be = [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
            return bigEndian ? be : be.reversed()
        }
        func u16(_ v: UInt16) -> [UInt8] {
            bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)]
        }
        var out = u32(0xA1B2_C3D4) + u16(2) + u16(4) + u32(0) + u32(0) + u32(262_144) + u32(linkType)
        for (i, record) in records.enumerated() {
            out += u32(UInt32(i)) + u32(0) + u32(UInt32(record.bytes.count)) + u32(UInt32(record.originalLength))
            out += record.bytes
        }
        return out
    }
}

@Suite("tern-checksum: pcap files")
struct ChecksumPcapTests {
    static func load(_ name: String) throws -> PcapFile {
        let path = Fixtures.checksumData + "/" + name
        return try PcapFile(bytes: FileInput.bytes(atPath: path), name: path)
    }

    /// The frames of the committed capture, as plain arrays.
    static func frames(_ name: String) throws -> [[UInt8]] {
        try load(name).records.map { Array($0.bytes) }
    }

    static func checked(_ findings: [PcapFinding]) -> [(frames: [Int], proto: IPProtocol, check: ChecksumCheck)] {
        findings.compactMap {
            if case .checked(let frames, let proto, let check, _) = $0 { return (frames, proto, check) }
            return nil
        }
    }

    @Test("the capture as the kernel sent it: every checksum valid, fragments reassembled")
    func intactCapture() throws {
        let file = try Self.load("capture.pcap")
        #expect(file.linkType == PcapFile.linkTypeEthernet)
        #expect(file.records.count == 32)
        #expect(file.truncation == nil)
        let findings = PcapChecksumScan.run(file)
        let checked = Self.checked(findings)
        #expect(checked.filter { $0.proto == .tcp }.count == 18)
        #expect(checked.filter { $0.proto == .udp }.count == 8)
        #expect(checked.allSatisfy { $0.check.isValid })
        #expect(checked.filter { $0.check.isAbsent }.map(\.frames) == [[25]])
        #expect(checked.filter { $0.frames.count > 1 }.map(\.frames) == [[27, 28, 29], [30, 31, 32]])
        let report = PcapReport(findings: findings, frameCount: 32, verbose: false)
        #expect(!report.foundInvalid)
        #expect(report.lines == [
            "32 frames, 25 checksums checked: 25 valid, 0 invalid",
            "  TCP: 18 checked, 18 valid, 0 invalid",
            "  UDP: 7 checked, 7 valid, 0 invalid; 1 sent without a checksum (field 0)",
            "  invalid TCP/UDP checksums: none",
            "  4 non-first fragments not checked on their own: the checksum covers the whole datagram, checked once reassembled",
            "  ignored: 2 neither IPv4 nor IPv6 (ARP...), 0 IP neither TCP nor UDP",
        ])
    }

    @Test("the damaged capture: exactly the frames pcap-expected.txt lists are reported")
    func corruptedCapture() throws {
        var invalid: [Int] = [], badHeaders: [Int] = []
        for line in try Fixtures.dataLines(Fixtures.checksumData + "/pcap-expected.txt") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let frame = try #require(Int(fields[0]))
            if fields[1] == "ip-header-invalid" { badHeaders.append(frame) } else { invalid.append(frame) }
        }
        #expect(invalid == [12, 15, 19, 27])
        let findings = PcapChecksumScan.run(try Self.load("capture-corrupted.pcap"))
        #expect(Self.checked(findings).filter { !$0.check.isValid }.map { $0.frames[0] } == invalid)
        let reportedHeaders = findings.compactMap { if case .badIPHeader(let frame, _, _, _) = $0 { frame } else { nil } }
        #expect(reportedHeaders == badHeaders)
        let report = PcapReport(findings: findings, frameCount: 32, verbose: false)
        #expect(report.foundInvalid)
        #expect(report.lines.contains("  invalid TCP/UDP checksums: 12, 15, 19, 27"))
        #expect(report.lines.contains("  invalid IP header checksums: 20"))
        #expect(report.lines.contains { $0.hasPrefix("frames 27+28+29: FAIL  stored 0x") && $0.hasSuffix("UDP, length 3000 [bad UDP checksum]") })
    }

    @Test("verdicts agree with TernWire's ParsedFrame for every unfragmented frame")
    func agreesWithParsedFrame() throws {
        for name in ["capture.pcap", "capture-corrupted.pcap"] {
            let file = try Self.load(name)
            let ours = Dictionary(uniqueKeysWithValues: Self.checked(PcapChecksumScan.run(file)).map { ($0.frames[0], $0.check.isValid) })
            var compared = 0
            for record in file.records {
                let parsed = try ParsedFrame.parse(Array(record.bytes))
                guard case .ipv4(_, _, let transport) = parsed.network else { continue }
                switch transport {
                case .tcp(_, _, let valid, _), .udp(_, let valid, _):
                    #expect(ours[record.number] == valid, "\(name) frame \(record.number)")
                    compared += 1
                default:
                    break
                }
            }
            #expect(compared == 24)
        }
    }

    @Test("big-endian files, raw IP and Linux cooked captures give the same verdicts")
    func otherFormats() throws {
        let frames = try Self.frames("capture-corrupted.pcap")
        let reference = Self.checked(PcapChecksumScan.run(try Self.load("capture-corrupted.pcap"))).map { ($0.frames, $0.check) }
        let ipOnly = frames.filter { $0[12] == 0x08 && $0[13] == 0x00 }
        let variants: [(String, [UInt8], Int)] = [
            ("big-endian", PcapBytes.make(linkType: 1, records: frames.map { ($0, $0.count) }, bigEndian: true), 0),
            ("raw IP", PcapBytes.make(linkType: 101, records: ipOnly.map { let ip = Array($0.dropFirst(14)); return (ip, ip.count) }), 2),
            ("Linux cooked", PcapBytes.make(linkType: 113, records: ipOnly.map {
                let sll = [0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 8, 0] + $0.dropFirst(14)
                return (sll, sll.count)
            }), 2),
            ("Linux cooked v2", PcapBytes.make(linkType: 276, records: ipOnly.map {
                let sll2 = [8, 0, 0, 0, 0, 0, 0, 3, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1, 0, 0] + $0.dropFirst(14)
                return (sll2, sll2.count)
            }), 2),
        ]
        for (name, bytes, missingFrames) in variants {
            let file = try PcapFile(bytes: bytes, name: name)
            let results = Self.checked(PcapChecksumScan.run(file))
            #expect(results.count == reference.count, "\(name)")
            for (got, want) in zip(results, reference) {
                #expect(got.check == want.1, "\(name)")
                #expect(got.frames == want.0.map { $0 - missingFrames }, "\(name)")
            }
        }
    }

    @Test("an offloaded checksum (the field holds the pseudo-header sum) is told apart from a wrong one")
    func offloadedChecksums() throws {
        let frames = try Self.frames("capture.pcap")
        var offloaded = frames[15]   // frame 16: a TCP segment with 1000 bytes of payload
        var wrong = frames[15]
        let ipStart = EthernetHeader.size
        let ipHeaderLength = Int(offloaded[ipStart] & 0x0F) * 4
        let field = ipStart + ipHeaderLength + 16
        let ip = try offloaded.withUnsafeBytes { try IPv4Header.parse(UnsafeRawBufferPointer(rebasing: $0[ipStart...])).header }
        let segmentLength = Int(ip.totalLength) - ipHeaderLength
        let pseudo = InternetChecksum.pseudoHeader(source: ip.source, destination: ip.destination, protocol: .tcp,
                                                   length: segmentLength).sum16
        offloaded[field] = UInt8(pseudo >> 8)
        offloaded[field + 1] = UInt8(pseudo & 0xFF)
        wrong[field] = UInt8((pseudo &+ 1) >> 8)
        wrong[field + 1] = UInt8((pseudo &+ 1) & 0xFF)

        let both = PcapBytes.make(linkType: 1, records: [(offloaded, offloaded.count), (wrong, wrong.count)])
        let findings = PcapChecksumScan.run(try PcapFile(bytes: both, name: "offloaded"))
        let checks = Self.checked(findings).map(\.check)
        #expect(checks.map(\.isPartial) == [true, false])
        #expect(checks.map(\.isValid) == [false, false])
        let report = PcapReport(findings: findings, frameCount: 2, verbose: false)
        #expect(report.foundInvalid, "the wrong one still counts")
        #expect(report.lines.contains("  TCP: 2 checked, 0 valid, 1 invalid, 1 offloaded"))
        #expect(report.lines.contains("  invalid TCP/UDP checksums: 2"))

        let onlyOffloaded = PcapBytes.make(linkType: 1, records: [(offloaded, offloaded.count), (frames[2], frames[2].count)])
        let clean = PcapReport(findings: PcapChecksumScan.run(try PcapFile(bytes: onlyOffloaded, name: "o")),
                               frameCount: 2, verbose: true)
        #expect(!clean.foundInvalid, "an offloaded checksum is not an invalid one")
        #expect(clean.lines.contains { $0.hasPrefix("frame 1: PART  stored ") && $0.contains("offloaded") })
    }

    @Test("a frame cut short by the snap length is reported, not judged")
    func snapLength() throws {
        let frames = try Self.frames("capture.pcap")
        let long = frames[15]   // frame 16: 1000 bytes of TCP payload
        #expect(long.count > 1000)
        let bytes = PcapBytes.make(linkType: 1, records: [(Array(long.prefix(96)), long.count), (frames[2], frames[2].count)])
        let findings = PcapChecksumScan.run(try PcapFile(bytes: bytes, name: "cut"))
        guard case .notChecked(let cutFrames, let reason) = findings.first else {
            Issue.record("expected the cut frame to be reported, got \(findings)")
            return
        }
        #expect(cutFrames == [1])
        #expect(reason == "cut short by the capture's snap length (96 of \(long.count) bytes kept)")
        #expect(Self.checked(findings).map(\.frames) == [[2]])
    }

    @Test("fragments whose partners are missing are reported as not checked")
    func incompleteFragments() throws {
        var frames = try Self.frames("capture.pcap")
        frames.remove(at: 27)   // frame 28, the middle fragment of the first 3000-byte datagram
        let file = try PcapFile(bytes: PcapBytes.make(linkType: 1, records: frames.map { ($0, $0.count) }), name: "gap")
        let findings = PcapChecksumScan.run(file)
        let notChecked = findings.compactMap { if case .notChecked(let f, let r) = $0 { (f, r) } else { nil } }
        #expect(notChecked.count == 1)
        #expect(notChecked.first?.0 == [27, 28])
        #expect(notChecked.first?.1 == "fragments of a datagram whose other fragments are not in the capture")
        #expect(Self.checked(findings).filter { $0.frames.count > 1 }.map(\.frames) == [[29, 30, 31]])
    }

    /// An Ethernet frame carrying one IPv4 fragment of a UDP datagram.
    static func fragmentFrame(offset: Int, more: Bool, headerLength: Int, payload: [UInt8]) throws -> [UInt8] {
        let header = IPv4Header(headerLength: headerLength, totalLength: UInt16(headerLength + payload.count),
                                identification: 77, flags: more ? .moreFragments : [], fragmentOffset: UInt16(offset / 8),
                                timeToLive: 64, protocol: .udp, source: IPv4Address(192, 0, 2, 1),
                                destination: IPv4Address(192, 0, 2, 2))
        var frame = [UInt8](repeating: 0, count: 14 + headerLength + payload.count)
        frame[12] = 0x08
        let options = [UInt8](repeating: 1, count: headerLength - 20)   // NOPs
        _ = try frame.withUnsafeMutableBytes { buffer in
            try options.withUnsafeBytes { try header.write(to: UnsafeMutableRawBufferPointer(rebasing: buffer[14...]), options: $0) }
        }
        frame.replaceSubrange((14 + headerLength)..., with: payload)
        return frame
    }

    @Test("fragments that add up to more than an IPv4 datagram holds are reported, not trusted")
    func oversizedReassembly() throws {
        var first = [UInt8](repeating: 0xAB, count: 32_768)
        first[4] = 0xFF   // UDP length field: 0xFFEB = 65,515
        first[5] = 0xEB
        let frames = [
            try Self.fragmentFrame(offset: 0, more: true, headerLength: 60, payload: first),
            try Self.fragmentFrame(offset: 32_768, more: false, headerLength: 20, payload: [UInt8](repeating: 0xCD, count: 32_747)),
        ]
        let file = try PcapFile(bytes: PcapBytes.make(linkType: 1, records: frames.map { ($0, $0.count) }), name: "big")
        let findings = PcapChecksumScan.run(file)
        let notChecked = findings.compactMap { if case .notChecked(let f, let r) = $0 { (f, r) } else { nil } }
        #expect(notChecked.map(\.0) == [[1, 2]])
        #expect(notChecked.first?.1 == "fragments add up to more than the 65,535 bytes an IPv4 datagram can hold")
        #expect(Self.checked(findings).isEmpty)
    }

    @Test("a fragment reaching past the largest datagram is reported on its own")
    func fragmentPastEnd() throws {
        let frame = try Self.fragmentFrame(offset: 65_000, more: false, headerLength: 20, payload: [UInt8](repeating: 0, count: 600))
        let findings = PcapChecksumScan.run(try PcapFile(bytes: PcapBytes.make(linkType: 1, records: [(frame, frame.count)]), name: "f"))
        let reasons = findings.compactMap { if case .notChecked(_, let r) = $0 { r } else { nil } }
        #expect(reasons == ["reassembled datagram over 65535 bytes"])
    }

    @Test("a file that ends inside a record keeps the records before it")
    func truncatedFile() throws {
        let bytes = try FileInput.bytes(atPath: Fixtures.checksumData + "/capture.pcap")
        let file = try PcapFile(bytes: Array(bytes.prefix(1000)), name: "t")
        #expect(file.records.count == 11)
        #expect(file.truncation == "frame 12 claims 82 bytes but the file has only 74 left")
        let headerOnly = try PcapFile(bytes: Array(bytes.prefix(30)), name: "t")
        #expect(headerOnly.records.isEmpty)
        #expect(headerOnly.truncation == "the file ends inside the record header of frame 1")
    }

    @Test("files that are not classic pcap are refused with a reason")
    func notPcap() {
        #expect(throws: ToolFailure("x: 3 bytes, too short for a pcap file header (24)")) {
            _ = try PcapFile(bytes: [1, 2, 3], name: "x")
        }
        #expect(throws: ToolFailure("x: a pcapng file; convert it first: editcap -F pcap x capture.pcap")) {
            _ = try PcapFile(bytes: [0x0A, 0x0D, 0x0D, 0x0A] + [UInt8](repeating: 0, count: 28), name: "x")
        }
        #expect(throws: ToolFailure("x: not a pcap file (magic 0x7B0A2020)")) {
            _ = try PcapFile(bytes: Array("{\n  \"10.0.0.1\": {}, \"padding\": 1 }".utf8), name: "x")
        }
        #expect(!LinkFrames.supports(105))
    }

    @Test("damaged captures never trap: 2,000 random mutations of the capture")
    func randomMutations() throws {
        let original = try FileInput.bytes(atPath: Fixtures.checksumData + "/capture.pcap")
        var rng = SplitMix64(seed: 0x7E57)
        var scanned = 0
        for round in 0..<2_000 {
            var bytes = original
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                let at = Int(rng.next() % UInt64(bytes.count))
                bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            if round % 10 == 0 { bytes.removeLast(Int(rng.next() % 200)) }
            guard let file = try? PcapFile(bytes: bytes, name: "m") else { continue }
            let findings = PcapChecksumScan.run(file)
            _ = PcapReport(findings: findings, frameCount: file.records.count, verbose: true)
            scanned += 1
        }
        #expect(scanned > 1_900)
    }
}

/// A small deterministic generator for test inputs (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
