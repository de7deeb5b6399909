import TernWire

/// What checking one frame of a capture (or one datagram rebuilt from fragments) found.
enum PcapFinding: Sendable {
    /// A TCP or UDP checksum was checked. `frames` has several numbers when the datagram
    /// was reassembled from fragments.
    case checked(frames: [Int], protocol: IPProtocol, check: ChecksumCheck, description: String)
    /// The IPv4 header checksum does not verify.
    case badIPHeader(frame: Int, stored: UInt16, computed: UInt16, description: String)
    /// A TCP or UDP datagram that could not be checked, and why.
    case notChecked(frames: [Int], reason: String)
    /// A fragment of a TCP or UDP datagram, kept for reassembly rather than checked alone.
    case fragment(frame: Int, offset: Int)
    /// A frame that is neither IPv4 nor IPv6 (ARP, ...).
    case notIPv4(frame: Int)
    /// An IP datagram of another protocol (ICMP, ICMPv6, ...).
    case otherProtocol(frame: Int, IPProtocol)
}

/// Checks every TCP and UDP checksum in a capture, with TernWire's parsers doing the
/// parsing: Ethernet, IPv4 (fragments reassembled), IPv6 (through its extension headers;
/// fragments are reported, not reassembled), TCP and UDP.
struct PcapChecksumScan {
    private(set) var findings: [PcapFinding] = []
    private var reassembly = FragmentReassembly()

    /// Checks every record of `file`, in order.
    static func run(_ file: PcapFile) -> [PcapFinding] {
        var scan = PcapChecksumScan()
        for record in file.records { scan.add(record, linkType: file.linkType) }
        scan.finish()
        return scan.findings
    }

    /// Checks one record.
    mutating func add(_ record: PcapFile.Record, linkType: UInt32) {
        guard let frame = LinkFrames.ethernetFrame(record.bytes, linkType: linkType) else {
            findings.append(.notIPv4(frame: record.number))
            return
        }
        frame.withUnsafeBytes { bytes in
            check(bytes, frames: [record.number], cutShort: record.isCutShort ? record : nil)
        }
    }

    /// Reports the datagrams whose fragments never all arrived.
    mutating func finish() {
        for frames in reassembly.incomplete {
            findings.append(.notChecked(frames: frames, reason: "fragments of a datagram whose other fragments are not in the capture"))
        }
    }

    private mutating func check(_ frame: UnsafeRawBufferPointer, frames: [Int], cutShort: PcapFile.Record?) {
        let number = frames[0]
        guard let ethernet = try? EthernetHeader.parse(frame),
              ethernet.header.etherType == .ipv4 || ethernet.header.etherType == .ipv6 else {
            findings.append(.notIPv4(frame: number))
            return
        }
        guard ethernet.header.etherType == .ipv4 else {
            checkIPv6(ethernet.payload, frames: frames, frame: frame, cutShort: cutShort)
            return
        }
        let ip: IPv4Packet
        do {
            ip = try IPv4Header.parse(ethernet.payload)
        } catch {
            if let record = cutShort, error == .truncated {
                findings.append(.notChecked(frames: frames, reason: "cut short by the capture's snap length (\(record.bytes.count) of \(record.originalLength) bytes kept)"))
            } else {
                findings.append(.notChecked(frames: frames, reason: "malformed IPv4 header (\(error))"))
            }
            return
        }
        let header = ip.header
        if !ip.isChecksumValid {
            findings.append(.badIPHeader(frame: number, stored: header.checksum,
                                         computed: PcapChecksumScan.headerChecksum(ip.headerBytes),
                                         description: PcapChecksumScan.describe(frame, header)))
        }
        guard header.protocol == .tcp || header.protocol == .udp else {
            findings.append(.otherProtocol(frame: number, header.protocol))
            return
        }
        if header.isFragment {
            findings.append(.fragment(frame: number, offset: header.fragmentByteOffset))
            switch reassembly.add(header, headerBytes: ip.headerBytes, payload: ip.payload, frame: number) {
            case .incomplete:
                break
            case .invalid(let reason):
                findings.append(.notChecked(frames: frames, reason: reason))
            case .complete(let datagram):
                checkReassembled(datagram)
            }
            return
        }
        checkTransport(header, ip.payload, frames: frames, frame: frame)
    }

    /// Rebuilds the datagram as one unfragmented frame and checks that.
    private mutating func checkReassembled(_ datagram: FragmentReassembly.Datagram) {
        var header = datagram.header
        guard let totalLength = UInt16(exactly: header.headerLength + datagram.payload.count) else {
            findings.append(.notChecked(frames: datagram.frames, reason: "fragments add up to more than the 65,535 bytes an IPv4 datagram can hold"))
            return
        }
        header.flags.remove(.moreFragments)
        header.fragmentOffset = 0
        header.totalLength = totalLength
        var frame = [UInt8](repeating: 0, count: EthernetHeader.size + header.headerLength + datagram.payload.count)
        let written: Bool = frame.withUnsafeMutableBytes { buffer in
            let ethernet = EthernetHeader(destination: MACAddress(rawValue: 0), source: MACAddress(rawValue: 0), etherType: .ipv4)
            let ipArea = UnsafeMutableRawBufferPointer(rebasing: buffer[EthernetHeader.size...])
            return datagram.options.withUnsafeBytes { options in
                (try? ethernet.write(to: buffer)) != nil && (try? header.write(to: ipArea, options: options)) != nil
            }
        }
        guard written else {
            findings.append(.notChecked(frames: datagram.frames, reason: "reassembled datagram could not be rebuilt"))
            return
        }
        frame.replaceSubrange((EthernetHeader.size + header.headerLength)..., with: datagram.payload)
        frame.withUnsafeBytes { bytes in
            let payload = UnsafeRawBufferPointer(rebasing: bytes[(EthernetHeader.size + header.headerLength)...])
            checkTransport(header, payload, frames: datagram.frames, frame: bytes)
        }
    }

    private mutating func checkTransport(_ ip: IPv4Header, _ payload: UnsafeRawBufferPointer, frames: [Int],
                                         frame: UnsafeRawBufferPointer) {
        let check: ChecksumCheck?
        switch ip.protocol {
        case .tcp:
            do {
                _ = try TCPHeader.parse(payload)
            } catch {
                findings.append(.notChecked(frames: frames, reason: "malformed TCP header (\(error))"))
                return
            }
            check = ChecksumCheck.tcp(payload, source: ip.source, destination: ip.destination)
        default:
            let datagram: UDPDatagram
            do {
                datagram = try UDPHeader.parse(payload)
            } catch {
                findings.append(.notChecked(frames: frames, reason: "malformed UDP header (\(error))"))
                return
            }
            check = ChecksumCheck.udp(datagram.bytes, source: ip.source, destination: ip.destination)
        }
        guard let check else {
            findings.append(.notChecked(frames: frames, reason: "too short to hold a checksum"))
            return
        }
        findings.append(.checked(frames: frames, protocol: ip.protocol, check: check,
                                 description: PcapChecksumScan.describe(frame, ip)))
    }

    /// An IPv6 packet: through its extension headers to TCP or UDP, checked with the IPv6
    /// pseudo-header (for the final destination, behind a routing header).
    private mutating func checkIPv6(_ bytes: UnsafeRawBufferPointer, frames: [Int], frame: UnsafeRawBufferPointer,
                                    cutShort: PcapFile.Record?) {
        let number = frames[0]
        let packet: IPv6Packet
        do {
            packet = try IPv6Header.parse(bytes)
        } catch {
            if let record = cutShort, error == .truncated {
                findings.append(.notChecked(frames: frames, reason: "cut short by the capture's snap length (\(record.bytes.count) of \(record.originalLength) bytes kept)"))
            } else {
                findings.append(.notChecked(frames: frames, reason: "malformed IPv6 header (\(error))"))
            }
            return
        }
        guard let chain = try? packet.headerStructure() else {
            findings.append(.notChecked(frames: frames, reason: "malformed IPv6 extension headers"))
            return
        }
        guard chain.upperLayer == .tcp || chain.upperLayer == .udp else {
            findings.append(.otherProtocol(frame: number, chain.upperLayer))
            return
        }
        if let fragment = chain.fragment, fragment.isFragment {
            findings.append(.notChecked(frames: frames, reason: "an IPv6 fragment (only IPv4 fragments are reassembled)"))
            return
        }
        let payload = UnsafeRawBufferPointer(rebasing: packet.payload[chain.upperLayerOffset...])
        let source = packet.header.source
        let destination = chain.pseudoHeaderDestination(packet.header)
        let check: ChecksumCheck?
        if chain.upperLayer == .tcp {
            do {
                _ = try TCPHeader.parse(payload)
            } catch {
                findings.append(.notChecked(frames: frames, reason: "malformed TCP header (\(error))"))
                return
            }
            check = ChecksumCheck.tcp(payload, source: source, destination: destination)
        } else {
            let datagram: UDPDatagram
            do {
                datagram = try UDPHeader.parse(payload)
            } catch {
                findings.append(.notChecked(frames: frames, reason: "malformed UDP header (\(error))"))
                return
            }
            check = ChecksumCheck.udp(datagram.bytes, source: source, destination: destination)
        }
        guard let check else {
            findings.append(.notChecked(frames: frames, reason: "too short to hold a checksum"))
            return
        }
        let description = (try? ParsedFrame.parse(frame).description)
            ?? "IP6 \(source) > \(packet.header.destination): \(chain.upperLayer) (does not parse)"
        findings.append(.checked(frames: frames, protocol: chain.upperLayer, check: check, description: description))
    }

    /// The tcpdump-style summary TernWire's `ParsedFrame` gives, or, when some layer does
    /// not parse, the addresses and what went wrong.
    static func describe(_ frame: UnsafeRawBufferPointer, _ ip: IPv4Header) -> String {
        do {
            return try ParsedFrame.parse(frame).description
        } catch {
            return "IP \(ip.source) > \(ip.destination): \(ip.protocol) (does not parse: \(error))"
        }
    }

    /// The checksum an IPv4 header should carry: its bytes summed with the field zeroed.
    static func headerChecksum(_ header: UnsafeRawBufferPointer) -> UInt16 {
        guard header.count >= IPv4Header.minimumSize else { return 0 }
        var sum = InternetChecksum()
        sum.add(UnsafeRawBufferPointer(rebasing: header[0..<10]))
        sum.add(UInt16(0))
        sum.add(UnsafeRawBufferPointer(rebasing: header[12...]))
        return sum.value
    }
}
