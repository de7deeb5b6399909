import Testing

/// One frame of a golden capture with the field values tshark read from it.
struct GoldenFrame: Sendable, CustomTestStringConvertible {
    /// The capture's base name, e.g. `kernel-veth`.
    let capture: String
    /// tshark's frame number, from 1.
    let number: Int
    let bytes: [UInt8]
    /// tshark field name → its occurrences in this frame (outer header first). Fields that
    /// do not occur are absent.
    let fields: [String: [String]]

    var testDescription: String { "\(capture) #\(number)" }

    /// The scapy peer on the TAP; every other frame was sent by a Linux kernel.
    static let scapyPeerMAC = "02:54:45:52:4e:10"

    var sentByLinux: Bool { fields["eth.src"]?.first != GoldenFrame.scapyPeerMAC }

    /// The value of `name` at `occurrence`, nil when tshark did not read it.
    func value(_ name: String, _ occurrence: Int = 0) -> String? {
        guard let values = fields[name], occurrence < values.count else { return nil }
        return values[occurrence]
    }

    /// A numeric field, written by tshark in decimal or as `0x…`.
    func integer(_ name: String, _ occurrence: Int = 0) -> UInt64? {
        guard let text = value(name, occurrence) else { return nil }
        return GoldenFrame.parseInteger(text)
    }

    /// Every occurrence of a numeric field.
    func integers(_ name: String) -> [UInt64] {
        (fields[name] ?? []).compactMap(GoldenFrame.parseInteger)
    }

    static func parseInteger(_ text: String) -> UInt64? {
        if text.hasPrefix("0x") { return UInt64(text.dropFirst(2), radix: 16) }
        return UInt64(text)
    }
}

/// The committed captures and tshark's reading of them (see Golden/README.md).
enum GoldenCaptures {
    /// The IPv4 captures (ARP, IPv4, ICMP, UDP, TCP) and the IPv6 ones (IPv6, its extension
    /// headers, ICMPv6 and Neighbor Discovery, UDP, TCP).
    static let ipv4Names = ["kernel-veth", "scapy-tap"]
    static let ipv6Names = ["kernel-veth6", "scapy-tap6"]
    static let names = ipv4Names + ipv6Names

    struct Mismatch: Error, CustomStringConvertible {
        var description: String
    }

    /// Every frame of every capture, in order. Empty if the files cannot be read; the test
    /// `goldenCapturesAreComplete` then fails and says why.
    static let all: [GoldenFrame] = (try? load()) ?? []
    static let ipv4: [GoldenFrame] = all.filter { ipv4Names.contains($0.capture) }
    static let ipv6: [GoldenFrame] = all.filter { ipv6Names.contains($0.capture) }

    static func load() throws -> [GoldenFrame] {
        var frames: [GoldenFrame] = []
        for name in names {
            let base = TestFiles.goldenDirectory + "/" + name
            let pcap = try PcapFile(try TestFiles.read(base + ".pcap"))
            guard pcap.linkType == PcapFile.ethernetLinkType else {
                throw Mismatch(description: "\(name).pcap: link type \(pcap.linkType), expected Ethernet")
            }
            let table = try fieldTable(TestFiles.readText(base + ".fields.tsv"))
            guard table.count == pcap.records.count else {
                throw Mismatch(description: "\(name): \(pcap.records.count) frames but \(table.count) lines of fields")
            }
            for (index, record) in pcap.records.enumerated() {
                guard record.originalLength == record.bytes.count else {
                    throw Mismatch(description: "\(name) #\(index + 1) was cut short by the capture")
                }
                frames.append(GoldenFrame(capture: name, number: index + 1, bytes: record.bytes,
                                          fields: table[index]))
            }
        }
        return frames
    }

    /// Parses `tshark -T fields -E header=y -E separator=/t -E aggregator=,` output.
    static func fieldTable(_ text: String) throws -> [[String: [String]]] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let header = lines.first else { throw Mismatch(description: "empty field table") }
        let names = header.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        return try lines.dropFirst().map { line in
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard cells.count == names.count else {
                throw Mismatch(description: "a line has \(cells.count) cells, the header \(names.count)")
            }
            var row: [String: [String]] = [:]
            for (name, cell) in zip(names, cells) where !cell.isEmpty {
                row[name] = cell.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            return row
        }
    }
}
