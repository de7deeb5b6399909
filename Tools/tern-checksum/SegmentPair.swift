import TernToolSupport
import TernWire

/// One `tcp_addrs_N.txt` / `tcp_data_N.dat` pair: the addresses a TCP segment travelled
/// between, and the segment itself (header and payload).
struct SegmentPair: Equatable, Sendable {
    /// The file holding `SOURCE DESTINATION` on one line.
    var addressesPath: String
    /// The file holding the raw TCP header and payload.
    var dataPath: String

    /// The largest TCP segment an IPv4 datagram can carry.
    static let maximumSegmentLength = 65_515

    /// The pair's contents, read and validated.
    struct Contents: Sendable {
        var source: IPv4Address
        var destination: IPv4Address
        var segment: [UInt8]
    }

    /// Reads both files. Throws a `ToolFailure` naming the file at fault.
    func load() throws(ToolFailure) -> Contents {
        let text = try FileInput.text(atPath: addressesPath, sizeLimit: 4096)
        let (source, destination) = try SegmentPair.parseAddresses(text, path: addressesPath)
        let segment = try FileInput.bytes(atPath: dataPath, sizeLimit: SegmentPair.maximumSegmentLength + 1)
        guard segment.count >= TCPHeader.minimumSize else {
            throw ToolFailure("\(dataPath): \(segment.count) bytes, too short for a TCP header (at least \(TCPHeader.minimumSize))")
        }
        guard segment.count <= SegmentPair.maximumSegmentLength else {
            throw ToolFailure("\(dataPath): longer than \(SegmentPair.maximumSegmentLength) bytes, the most an IPv4 datagram can carry")
        }
        return Contents(source: source, destination: destination, segment: segment)
    }

    /// Parses `SOURCE DESTINATION`: two dotted quads separated by spaces or tabs, with
    /// nothing else on the line but an optional final newline.
    static func parseAddresses(_ text: String, path: String) throws(ToolFailure) -> (IPv4Address, IPv4Address) {
        var body = Substring(text)
        while let last = body.last, last.isNewline { body = body.dropLast() }
        let fields = body.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard !body.contains(where: \.isNewline), fields.count == 2,
              let source = IPv4Address(fields[0]), let destination = IPv4Address(fields[1]) else {
            let shown = body.count > 60 ? String(body.prefix(60)) + "..." : String(body)
            throw ToolFailure("\(path): expected 'SOURCE DESTINATION' (two IPv4 addresses separated by a space), found '\(shown)'")
        }
        return (source, destination)
    }
}
