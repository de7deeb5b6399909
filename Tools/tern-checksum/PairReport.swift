import TernToolSupport
import TernWire

/// The text `tern-checksum` prints for segment pairs.
enum PairReport {
    /// `tcp_data_0.dat  PASS  stored 0x31AD  computed 0x31AD`, the label padded to `width`.
    static func line(label: String, check: ChecksumCheck, width: Int) -> String {
        let padding = String(repeating: " ", count: max(0, width - label.count))
        return "\(label)\(padding)  \(check.isValid ? "PASS" : "FAIL")  stored \(hex(check.stored))  computed \(hex(check.computed))"
    }

    /// The segment and its pseudo-header, for `--verbose`.
    static func details(_ contents: SegmentPair.Contents) -> [String] {
        let length = contents.segment.count
        var summary = "\(contents.source) > \(contents.destination), \(length) bytes"
        let header: Result<TCPHeader, WireError> = contents.segment.withUnsafeBytes { bytes in
            do throws(WireError) { return .success(try TCPHeader.parse(bytes).header) } catch { return .failure(error) }
        }
        switch header {
        case .success(let tcp):
            summary += ": TCP \(tcp.sourcePort) > \(tcp.destinationPort), Flags [\(tcp.flags)], seq \(tcp.sequenceNumber.rawValue)"
            summary += ", header \(tcp.headerLength) + payload \(length - tcp.headerLength)"
        case .failure(let error):
            summary += ": not a well-formed TCP header (\(error))"
        }
        let pseudo = InternetChecksum.pseudoHeaderBytes(source: contents.source, destination: contents.destination,
                                                        protocol: .tcp, length: length)
        var lines = ["    " + summary,
                     "    pseudo-header: " + pseudo.map { paddedHex(UInt64($0), digits: 2).lowercased() }.joined(separator: " ")]
        if length % 2 == 1 {
            lines.append("    odd length: the last byte is summed as the high half of a word padded with zero")
        }
        return lines
    }

    /// `18 pairs: 9 PASS, 9 FAIL` (and the errors, if any).
    static func summary(passed: Int, failed: Int, errors: Int) -> String {
        let total = passed + failed + errors
        var text = "\(total) pair\(total == 1 ? "" : "s"): \(passed) PASS, \(failed) FAIL"
        if errors > 0 { text += ", \(errors) not checked (errors above)" }
        return text
    }
}
