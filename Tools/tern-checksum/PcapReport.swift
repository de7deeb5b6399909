import TernToolSupport
import TernWire

/// The text `tern-checksum --pcap` prints: a line per bad checksum (per checksum with
/// `--verbose`), a line per datagram it could not check, then a summary. Checksums left
/// to the link (offloaded, see `ChecksumCheck.isPartial`) are counted apart: they are not
/// wrong, only unfinished where the capture was taken.
struct PcapReport {
    var lines: [String] = []
    /// Whether any TCP, UDP or IP header checksum is invalid (offloaded ones are not).
    var foundInvalid = false

    init(findings: [PcapFinding], frameCount: Int, verbose: Bool) {
        var tcp = Tally(), udp = Tally()
        var invalidFrames: [Int] = [], badHeaderFrames: [Int] = [], partialFrames: [Int] = []
        var laterFragments = 0, notIPv4 = 0, otherProtocols = 0, notChecked = 0

        for finding in findings {
            switch finding {
            case .checked(let frames, let proto, let check, let description):
                if proto == .tcp { tcp.add(check) } else { udp.add(check) }
                if check.isPartial {
                    partialFrames.append(frames[0])
                } else if !check.isValid {
                    invalidFrames.append(frames[0])
                }
                if verbose || (!check.isValid && !check.isPartial) {
                    lines.append("\(PcapReport.label(frames)): \(PcapReport.verdict(check))  \(description)")
                }
            case .badIPHeader(let frame, let stored, let computed, let description):
                badHeaderFrames.append(frame)
                lines.append("frame \(frame): FAIL (IP header)  stored \(hex(stored))  computed \(hex(computed))  \(description)")
            case .notChecked(let frames, let reason):
                notChecked += 1
                lines.append("\(PcapReport.label(frames)): not checked: \(reason)")
            case .fragment(_, let offset):
                if offset > 0 { laterFragments += 1 }
            case .notIPv4:
                notIPv4 += 1
            case .otherProtocol:
                otherProtocols += 1
            }
        }
        foundInvalid = !invalidFrames.isEmpty || !badHeaderFrames.isEmpty

        let checked = tcp.checked + udp.checked
        lines.append("\(frameCount) frame\(frameCount == 1 ? "" : "s"), \(checked) checksum\(checked == 1 ? "" : "s") checked: "
            + "\(tcp.valid + udp.valid) valid, \(tcp.invalid + udp.invalid) invalid"
            + (tcp.partial + udp.partial > 0 ? ", \(tcp.partial + udp.partial) offloaded" : ""))
        lines.append("  TCP: \(tcp.checked) checked, \(tcp.valid) valid, \(tcp.invalid) invalid"
            + (tcp.partial > 0 ? ", \(tcp.partial) offloaded" : ""))
        lines.append("  UDP: \(udp.checked) checked, \(udp.valid) valid, \(udp.invalid) invalid"
            + (udp.partial > 0 ? ", \(udp.partial) offloaded" : "")
            + (udp.absent > 0 ? "; \(udp.absent) sent without a checksum (field 0)" : ""))
        lines.append("  invalid TCP/UDP checksums: " + PcapReport.frameList(invalidFrames))
        if !partialFrames.isEmpty {
            lines.append("  offloaded (the field holds the pseudo-header sum; the sender's network card or kernel "
                + "finishes it after the capture point, so the wire carries a complete one): "
                + PcapReport.frameList(partialFrames))
        }
        if !badHeaderFrames.isEmpty {
            lines.append("  invalid IP header checksums: " + PcapReport.frameList(badHeaderFrames))
        }
        if laterFragments > 0 {
            lines.append("  \(laterFragments) non-first fragment\(laterFragments == 1 ? "" : "s") not checked on their own: "
                + "the checksum covers the whole datagram, checked once reassembled")
        }
        if notChecked > 0 { lines.append("  \(notChecked) not checked (see above)") }
        if notIPv4 + otherProtocols > 0 {
            lines.append("  ignored: \(notIPv4) neither IPv4 nor IPv6 (ARP...), \(otherProtocols) IP neither TCP nor UDP")
        }
    }

    /// Counts of one protocol's checksums.
    private struct Tally {
        var valid = 0, invalid = 0, partial = 0, absent = 0
        /// Checksums actually verified (absent ones are not).
        var checked: Int { valid + invalid + partial }
        mutating func add(_ check: ChecksumCheck) {
            if check.isAbsent {
                absent += 1
            } else if check.isPartial {
                partial += 1
            } else if check.isValid {
                valid += 1
            } else {
                invalid += 1
            }
        }
    }

    /// `frame 12`, or `frames 27+28+29` for a reassembled datagram.
    static func label(_ frames: [Int]) -> String {
        frames.count == 1 ? "frame \(frames[0])" : "frames " + frames.map(String.init).joined(separator: "+")
    }

    /// `PASS  stored 0x1234  computed 0x1234`, `FAIL ...`, `PART ...` for an offloaded one,
    /// or `NONE` for a UDP datagram sent without one.
    static func verdict(_ check: ChecksumCheck) -> String {
        if check.isAbsent { return "NONE  stored 0x0000 (no checksum sent)" }
        if check.isPartial {
            return "PART  stored \(hex(check.stored)) = the pseudo-header sum (offloaded: finished by the link)"
                + "  computed \(hex(check.computed))"
        }
        return "\(check.isValid ? "PASS" : "FAIL")  stored \(hex(check.stored))  computed \(hex(check.computed))"
    }

    /// `none`, `12`, or `12, 15, 19`.
    static func frameList(_ frames: [Int]) -> String {
        frames.isEmpty ? "none" : frames.map(String.init).joined(separator: ", ")
    }
}
