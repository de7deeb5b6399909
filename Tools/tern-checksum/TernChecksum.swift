import ArgumentParser
import TernToolSupport
import TernWire

/// `tern-checksum`: validates TCP and UDP checksums offline.
struct TernChecksum: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern-checksum",
        abstract: "Validate TCP and UDP checksums: segment files, or every frame of a capture.",
        discussion: """
            tern-checksum DIR
                Check every tcp_addrs_N.txt / tcp_data_N.dat pair in DIR, in numeric order of
                N. tcp_addrs_N.txt holds one line, the source and destination IPv4 addresses
                separated by a space; tcp_data_N.dat the raw TCP header and payload.
            tern-checksum ADDRS DATA
                Check one such pair.
            tern-checksum --pcap FILE
                Check every TCP and UDP checksum of the IPv4 frames in a classic pcap file
                (Ethernet, raw IP or Linux cooked), and of the IPv6 frames in an Ethernet
                capture (with the IPv6 pseudo-header). Fragmented IPv4 datagrams are
                reassembled first; non-first fragments are not checked on their own; IPv6
                fragments are reported as not checked.

            For each segment it builds the pseudo-header (source, destination, zero,
            protocol, length), recomputes the checksum with the field zeroed, and prints
            PASS or FAIL with the stored and computed values in hex.

            Checksum offload: a host whose network card computes checksums (or a program
            that hands a TAP device its frames with the checksum left to the kernel) puts
            only the folded pseudo-header sum in the field; the card adds the bytes after
            the point where tcpdump captures. Such a checksum looks wrong in a capture
            taken on the sender but is complete on the wire. With --pcap these are
            reported apart as "offloaded" (PART with --verbose), not as invalid, and do not
            change the exit status.

            Exit status: 0 when every checksum is valid, 1 when some are not, 2 on bad
            usage or input (unreadable files, malformed address lines, a broken capture).
            """,
        version: TernVersion.number)

    @Option(name: .long, help: ArgumentHelp("Check every TCP and UDP checksum in this pcap file.", valueName: "file"))
    var pcap: String?

    @Flag(name: [.short, .long], help: "Show every checksum, with the segment and its pseudo-header.")
    var verbose = false

    @Argument(help: ArgumentHelp("DIR, or ADDRS DATA.", valueName: "path"))
    var paths: [String] = []

    func validate() throws {
        if pcap != nil {
            guard paths.isEmpty else { throw ValidationError("--pcap takes no other paths.") }
        } else if !(1...2).contains(paths.count) {
            throw ValidationError("Give a directory of segment pairs, or ADDRS DATA, or --pcap FILE.")
        }
    }

    func run() throws {
        if let pcap {
            try checkCapture(at: pcap)
        } else if paths.count == 2 {
            try checkOnePair(SegmentPair(addressesPath: paths[0], dataPath: paths[1]))
        } else {
            guard FileInput.isDirectory(paths[0]) else {
                throw ToolFailure("\(paths[0]): not a directory (give a directory of tcp_addrs_N.txt and tcp_data_N.dat, or ADDRS DATA)")
            }
            try checkDirectory(paths[0])
        }
    }

    private func checkOnePair(_ pair: SegmentPair) throws {
        let contents = try pair.load()
        guard let check = ChecksumCheck.tcp(contents.segment, source: contents.source, destination: contents.destination)
        else { throw ToolFailure("\(pair.dataPath): cannot hold a TCP checksum") }
        print(PairReport.line(label: pair.dataPath, check: check, width: 0))
        if verbose { PairReport.details(contents).forEach { print($0) } }
        if !check.isValid { throw ExitCode.failure }
    }

    private func checkDirectory(_ directory: String) throws {
        let entries = try SegmentPairDirectory.entries(in: directory)
        guard !entries.isEmpty else { throw ToolFailure("\(directory): no tcp_addrs_N.txt / tcp_data_N.dat files") }
        let width = entries.map { "tcp_data_\($0.number).dat".count }.max() ?? 0
        var passed = 0, failed = 0, errors = 0
        for entry in entries {
            let label = "tcp_data_\(entry.number).dat"
            do throws(ToolFailure) {
                if let problem = entry.problem { throw ToolFailure("\(directory): \(problem)") }
                let contents = try entry.pair.load()
                guard let check = ChecksumCheck.tcp(contents.segment, source: contents.source,
                                                    destination: contents.destination)
                else { throw ToolFailure("\(entry.pair.dataPath): cannot hold a TCP checksum") }
                print(PairReport.line(label: label, check: check, width: width))
                if verbose { PairReport.details(contents).forEach { print($0) } }
                if check.isValid { passed += 1 } else { failed += 1 }
            } catch {
                errors += 1
                writeStandardError("\(toolName): \(error.message)\n")
            }
        }
        print(PairReport.summary(passed: passed, failed: failed, errors: errors))
        if errors > 0 { throw ExitCode(2) }
        if failed > 0 { throw ExitCode.failure }
    }

    private func checkCapture(at path: String) throws {
        let file = try PcapFile(bytes: FileInput.bytes(atPath: path), name: path)
        guard LinkFrames.supports(file.linkType) else {
            throw ToolFailure("\(path): \(file.linkTypeName) captures are not supported (Ethernet, raw IP and Linux cooked are)")
        }
        let report = PcapReport(findings: PcapChecksumScan.run(file), frameCount: file.records.count, verbose: verbose)
        report.lines.forEach { print($0) }
        if let truncation = file.truncation {
            throw ToolFailure("\(path): \(truncation); the frames before it are reported above")
        }
        if report.foundInvalid { throw ExitCode.failure }
    }
}
