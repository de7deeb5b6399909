import Foundation
import Testing
import TernToolSupport
import TernWire
@testable import tern_checksum

/// One line of Tests/Data/checksum/pairs-expected.txt.
private struct ExpectedPair {
    var number: String
    var valid: Bool
    var damage: String
    var stored: String
    var computed: String

    static func all() throws -> [ExpectedPair] {
        try Fixtures.dataLines(Fixtures.checksumData + "/pairs-expected.txt").map { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            return ExpectedPair(number: f[0], valid: f[1] == "PASS", damage: f[2], stored: f[3], computed: f[4])
        }
    }
}

@Suite("tern-checksum: segment pairs")
struct ChecksumPairTests {
    static let pairs = Fixtures.checksumData + "/pairs"

    @Test("every captured pair gets the verdict and values the independent oracle computed")
    func capturedPairs() throws {
        let expected = try ExpectedPair.all()
        #expect(expected.count == 18)
        #expect(expected.filter(\.valid).count == 9)
        let entries = try SegmentPairDirectory.entries(in: Self.pairs)
        #expect(entries.map(\.number) == expected.map(\.number))
        for (entry, want) in zip(entries, expected) {
            #expect(entry.problem == nil)
            let contents = try entry.pair.load()
            let check = try #require(ChecksumCheck.tcp(contents.segment, source: contents.source, destination: contents.destination))
            #expect(check.isValid == want.valid, "pair \(want.number) (\(want.damage))")
            #expect(hex(check.stored) == want.stored, "pair \(want.number)")
            #expect(hex(check.computed) == want.computed, "pair \(want.number)")
        }
    }

    @Test("the damage kinds the issue asks for are all there")
    func damageKinds() throws {
        let kinds = Set(try ExpectedPair.all().map(\.damage))
        #expect(kinds.isSuperset(of: ["flip-payload-bit", "wrong-source", "wrong-destination", "truncated-odd", "extra-byte-odd"]))
    }

    @Test("intact pairs include odd-length segments, which pass")
    func oddLengthPasses() throws {
        var oddPassing = 0
        for want in try ExpectedPair.all() where want.valid {
            let data = try FileInput.bytes(atPath: Self.pairs + "/tcp_data_\(want.number).dat")
            if data.count % 2 == 1 { oddPassing += 1 }
        }
        #expect(oddPassing >= 2)
    }

    @Test("the verdict agrees with TernWire's own TCPSegment.isChecksumValid")
    func agreesWithTernWire() throws {
        for entry in try SegmentPairDirectory.entries(in: Self.pairs) {
            let contents = try entry.pair.load()
            let check = try #require(ChecksumCheck.tcp(contents.segment, source: contents.source, destination: contents.destination))
            let wire: Bool? = contents.segment.withUnsafeBytes { bytes in
                (try? TCPHeader.parse(bytes))?.isChecksumValid(source: contents.source, destination: contents.destination)
            }
            if let wire { #expect(wire == check.isValid, "pair \(entry.number)") }
        }
    }

    @Test("the directory is read in numeric order; strays and missing partners are reported")
    func directoryOrder() throws {
        try Fixtures.withTemporaryDirectory { dir in
            for n in ["10", "2", "1", "007"] {
                try "192.0.2.1 192.0.2.2\n".write(toFile: dir + "/tcp_addrs_\(n).txt", atomically: true, encoding: .utf8)
            }
            for n in ["10", "2", "1", "3", "007"] {
                try Data(repeating: 0, count: 20).write(to: URL(fileURLWithPath: dir + "/tcp_data_\(n).dat"))
            }
            for stray in ["tcp_data_.dat", "tcp_data_x1.dat", "notes.txt", "tcp_addrs_4.txt.bak"] {
                try Data().write(to: URL(fileURLWithPath: dir + "/" + stray))
            }
            let entries = try SegmentPairDirectory.entries(in: dir)
            #expect(entries.map(\.number) == ["1", "2", "3", "007", "10"])
            #expect(entries.map { $0.problem != nil } == [false, false, true, false, false])
            #expect(entries[2].problem == "tcp_data_3.dat has no tcp_addrs_3.txt")
        }
    }

    @Test("numbers of any length sort by value", arguments: [
        ("9", "10", true), ("10", "9", false), ("00012", "13", true), ("99999999999999999999999", "100000000000000000000000", true),
    ])
    func numericOrder(_ a: String, _ b: String, _ less: Bool) {
        #expect(SegmentPairDirectory.numericOrder(a, b) == less)
    }

    @Test("address lines: one space, several, a tab, CRLF are fine")
    func goodAddressLines() throws {
        for text in ["192.0.2.1 192.0.2.2", "192.0.2.1 192.0.2.2\n", "192.0.2.1   192.0.2.2\r\n", "192.0.2.1\t192.0.2.2\n"] {
            let (s, d) = try SegmentPair.parseAddresses(text, path: "a")
            #expect(s == IPv4Address(192, 0, 2, 1) && d == IPv4Address(192, 0, 2, 2))
        }
    }

    @Test("malformed address lines are a ToolFailure naming the file",
          arguments: ["", "192.0.2.1", "192.0.2.1 192.0.2.2 192.0.2.3", "192.0.2.1 192.0.2.256", "a b",
                      "192.0.2.1 192.0.2.2\n192.0.2.3 192.0.2.4\n", "192.0.2.1,192.0.2.2"])
    func badAddressLines(_ text: String) {
        #expect {
            _ = try SegmentPair.parseAddresses(text, path: "tcp_addrs_9.txt")
        } throws: { error in
            (error as? ToolFailure).map { $0.status == 2 && $0.message.hasPrefix("tcp_addrs_9.txt: expected 'SOURCE DESTINATION'") } ?? false
        }
    }

    @Test("a data file shorter than a TCP header, or missing, is a ToolFailure")
    func badDataFiles() throws {
        try Fixtures.withTemporaryDirectory { dir in
            try "192.0.2.1 192.0.2.2\n".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
            try Data(repeating: 1, count: 19).write(to: URL(fileURLWithPath: dir + "/short.dat"))
            #expect(throws: ToolFailure("\(dir)/short.dat: 19 bytes, too short for a TCP header (at least 20)")) {
                _ = try SegmentPair(addressesPath: dir + "/a.txt", dataPath: dir + "/short.dat").load()
            }
            #expect(throws: ToolFailure("\(dir)/none.dat: no such file")) {
                _ = try SegmentPair(addressesPath: dir + "/a.txt", dataPath: dir + "/none.dat").load()
            }
        }
    }

    @Test("0x0000 and 0xFFFF both stand for zero: either stored value passes when 0x0000 is computed")
    func negativeZero() throws {
        var segment = try FileInput.bytes(atPath: Self.pairs + "/tcp_data_0.dat")
        let source = IPv4Address(192, 0, 2, 1), destination = IPv4Address(192, 0, 2, 2)
        // Add the computed checksum into the last 16-bit word (one's complement addition):
        // the sum with the field zeroed becomes 0xFFFF, so the computed checksum becomes 0.
        let computed = try #require(ChecksumCheck.tcp(segment, source: source, destination: destination)).computed
        let end = segment.count - 2
        var word = UInt32(segment[end]) << 8 | UInt32(segment[end + 1])
        word += UInt32(computed)
        word = (word & 0xFFFF) + (word >> 16)
        segment[end] = UInt8(word >> 8)
        segment[end + 1] = UInt8(word & 0xFF)
        for stored: UInt16 in [0x0000, 0xFFFF] {
            segment[16] = UInt8(stored >> 8)
            segment[17] = UInt8(stored & 0xFF)
            let check = try #require(ChecksumCheck.tcp(segment, source: source, destination: destination))
            #expect(check.computed == 0)
            #expect(check.isValid)
        }
        segment[17] = 0x01
        #expect(try #require(ChecksumCheck.tcp(segment, source: source, destination: destination)).isValid == false)
    }

    @Test("--verbose shows the pseudo-header; the textbook example's bytes")
    func pseudoHeaderDetails() {
        var segment = [UInt8](repeating: 0, count: 3490)
        segment[12] = 0x50
        let contents = SegmentPair.Contents(source: IPv4Address(255, 0, 255, 1), destination: IPv4Address(127, 255, 0, 1), segment: segment)
        let details = PairReport.details(contents)
        #expect(details.contains("    pseudo-header: ff 00 ff 01 7f ff 00 01 00 06 0d a2"))
        #expect(details[0] == "    255.0.255.1 > 127.255.0.1, 3490 bytes: TCP 0 > 0, Flags [none], seq 0, header 20 + payload 3470")
    }

    @Test("report lines and summary")
    func reportText() {
        let check = ChecksumCheck(stored: 0x0FC5, computed: 0x0BC5, isValid: false, isAbsent: false)
        #expect(PairReport.line(label: "tcp_data_3.dat", check: check, width: 15) == "tcp_data_3.dat   FAIL  stored 0x0FC5  computed 0x0BC5")
        #expect(PairReport.summary(passed: 9, failed: 9, errors: 0) == "18 pairs: 9 PASS, 9 FAIL")
        #expect(PairReport.summary(passed: 1, failed: 0, errors: 2) == "3 pairs: 1 PASS, 0 FAIL, 2 not checked (errors above)")
    }
}
