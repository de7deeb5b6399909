import TernWire

/// What the fuzzer checks for every input: the whole-frame parser and each layer's parser
/// never trap, and whatever they accept is internally consistent. A broken invariant stops
/// the process (`fatalError`), which libFuzzer reports as a crash with the input saved.
enum WireFuzzTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        let whole = try? ParsedFrame.parse(input)
        if let whole { sink(whole.description.utf8.count) }
        checkChecksum(input)
        guard let frame = try? EthernetHeader.parse(input) else {
            require(whole == nil, "ParsedFrame accepted what EthernetHeader.parse refused")
            return
        }
        requireRoundTrip(input.prefix(EthernetHeader.size)) { try frame.header.write(to: $0) }
        switch frame.header.etherType {
        case .arp:
            guard let arp = try? ARPPacket.parse(frame.payload) else { return }
            requireRoundTrip(frame.payload.prefix(ARPPacket.size)) { try arp.write(to: $0) }
        case .ipv4:
            guard let packet = try? IPv4Header.parse(frame.payload) else { return }
            checkIPv4(packet)
        case .ipv6:
            guard let packet = try? IPv6Header.parse(frame.payload) else { return }
            IPv6Checks.run(packet)
        default:
            break
        }
    }

    /// Walks any options area; a valid one is stamped and copied as an echo reply and a
    /// fragment would be, and must stay valid with the options where they were.
    private static func checkIPv4Options(_ area: UnsafeRawBufferPointer) {
        guard let index = try? IPv4Options.index(area) else { return }
        var copy = Array(area)
        copy.withUnsafeMutableBytes { bytes in
            if let route = index.recordRoute {
                IPv4Options.recordRoute(in: bytes, at: route, address: IPv4Address(10, 0, 0, 2))
            }
            if let stamp = index.timestamp {
                IPv4Options.timestamp(in: bytes, at: stamp, address: IPv4Address(10, 0, 0, 2), milliseconds: 12_345)
            }
        }
        // Stamped options may become invalid for the next hop (an overflow count at 15, a
        // pointer a misaligned route leaves short of a slot: Linux refuses both too); when
        // they parse, they are where they were.
        if let stamped = copy.withUnsafeBytes({ try? IPv4Options.index($0) }) {
            require(stamped == index, "stamping keeps the options in place")
        }
        var out = [UInt8](repeating: 0, count: IPv4Header.maximumSize - IPv4Header.minimumSize)
        let echoed = out.withUnsafeMutableBytes { IPv4Options.copyEchoed(from: area, index: index, into: $0) }
        require(echoed % 4 == 0 && echoed <= (area.count + 3) & ~3, "echoed options fit")
        let reindexed = out.withUnsafeBytes { try? IPv4Options.index(UnsafeRawBufferPointer(rebasing: $0[0..<echoed])) }
        require(reindexed != nil, "echoed options parse")
        let copied = copy.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { IPv4Options.copyCopied(from: source, into: $0) }
        }
        require(copied % 4 == 0 && copied <= (area.count + 3) & ~3, "copied options fit")
    }

    private static func checkIPv4(_ packet: IPv4Packet) {
        let header = packet.header
        // Every field comes back but the checksum, which the builder computes.
        requireRoundTrip(packet.headerBytes, ignoring: 10..<12) { try header.write(to: $0, options: packet.options) }
        require(packet.isChecksumValid == (reference(packet.headerBytes) == 0), "IPv4 header checksum")
        checkIPv4Options(packet.options)
        guard !header.isFragment else { return }
        switch header.protocol {
        case .tcp:
            guard let segment = try? TCPHeader.parse(packet.payload) else { return }
            checkTCPOptions(segment.options)
            sink(segment.isChecksumValid(source: header.source, destination: header.destination) ? 1 : 0)
            var copy = Array(segment.bytes)
            let written: Int? = copy.withUnsafeMutableBytes {
                try? segment.header.write(to: $0, payloadLength: segment.payload.count,
                                          source: header.source, destination: header.destination)
            }
            require(written == segment.bytes.count, "TCP header rebuild")
            require(copy.withUnsafeBytes { bytesEqual($0, segment.bytes, ignoring: 16..<18) }, "TCP header round trip")
        case .udp:
            guard let datagram = try? UDPHeader.parse(packet.payload) else { return }
            sink(datagram.isChecksumValid(source: header.source, destination: header.destination) ? 1 : 0)
        case .icmp:
            guard let message = try? ICMPHeader.parse(packet.payload) else { return }
            require(message.isChecksumValid == (reference(message.bytes) == 0), "ICMP checksum")
            if let quoted = message.quotedDatagram {
                require(quoted.header.headerLength <= message.payload.count, "quoted header within the message")
                require(quoted.leadingPayload.count <= message.payload.count - quoted.header.headerLength,
                        "quoted payload within the message")
                if quoted.header.protocol == .tcp, let s = try? TCPHeader.parse(quoted.leadingPayload) {
                    checkTCPOptions(s.options)
                }
            }
        default:
            break
        }
    }

    /// The two option readers accept the same areas and agree on what they read.
    static func checkTCPOptions(_ options: UnsafeRawBufferPointer) {
        let list = try? TCPOptionIterator.all(options)
        let summary = try? TCPOptions.parse(options)
        require((list == nil) == (summary == nil), "TCPOptionIterator and TCPOptions.parse disagree on validity")
        guard let list, let summary else { return }
        var fromList = TCPOptions()
        for option in list {
            switch option {
            case .maximumSegmentSize(let v): fromList.maximumSegmentSize = v
            case .windowScale(let v): fromList.windowScale = v
            case .sackPermitted: fromList.sackPermitted = true
            case .timestamps(let v): fromList.timestamps = v
            case .sack(let blocks): for b in blocks { fromList.sackBlocks.append(b) }
            case .endOfOptionList, .noOperation, .unknown: break
            }
        }
        require(fromList == summary, "TCPOptionIterator and TCPOptions.parse read different options")
        // What was read writes back to bytes that read the same.
        var buffer = [UInt8](repeating: 0, count: 64 + options.count)
        let written: Int? = buffer.withUnsafeMutableBytes { try? TCPOption.write(list, to: $0) }
        guard let written else { fatalError("TCP options that were read cannot be written") }
        let again = buffer.withUnsafeBytes { try? TCPOptionIterator.all(UnsafeRawBufferPointer(rebasing: $0[0..<written])) }
        let expected = list.last == .endOfOptionList || written == list.reduce(0) { $0 + $1.encodedLength }
            ? list : list + [.endOfOptionList]
        require(again == expected, "TCP options do not read back as written")
    }

    /// The fast checksum equals the simple one, and chunked sums equal the one-shot sum.
    private static func checkChecksum(_ input: UnsafeRawBufferPointer) {
        let fast = InternetChecksum.compute(input)
        require(fast == reference(input), "checksum differs from RFC 1071 reference")
        guard input.count > 2 else { return }
        let cut = Int(input[0]) % input.count
        var chunked = InternetChecksum()
        chunked.add(UnsafeRawBufferPointer(rebasing: input[0..<cut]))
        chunked.add(UnsafeRawBufferPointer(rebasing: input[cut...]))
        require(chunked.value == fast, "chunked checksum differs from one-shot")
    }

    /// RFC 1071 one word at a time.
    static func reference(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var sum: UInt64 = 0
        var i = 0
        while i + 1 < bytes.count {
            sum += UInt64(bytes[i]) << 8 | UInt64(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { sum += UInt64(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(truncatingIfNeeded: sum)
    }

    /// Builds into a fresh buffer the size of `original` and requires the same bytes
    /// (outside `ignoring`).
    static func requireRoundTrip(_ original: UnsafeRawBufferPointer, ignoring: Range<Int> = 0..<0,
                                         _ build: (UnsafeMutableRawBufferPointer) throws -> Int) {
        var buffer = [UInt8](repeating: 0, count: original.count)
        let written: Int? = buffer.withUnsafeMutableBytes { try? build($0) }
        require(written == original.count, "builder failed on a parsed header")
        require(buffer.withUnsafeBytes { bytesEqual($0, original, ignoring: ignoring) }, "header round trip")
    }

    private static func requireRoundTrip(_ original: Slice<UnsafeRawBufferPointer>,
                                         _ build: (UnsafeMutableRawBufferPointer) throws -> Int) {
        requireRoundTrip(UnsafeRawBufferPointer(rebasing: original), build)
    }

    static func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, ignoring: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where !ignoring.contains(i) && a[i] != b[i] { return false }
        return true
    }

    static func require(_ condition: Bool, _ message: StaticString) {
        if !condition { fatalError("\(message)") }
    }

    /// Keeps results alive so the optimiser cannot drop the work that made them.
    @inline(never)
    static func sink(_ value: Int) {
        sinkValue &+= value
    }

    nonisolated(unsafe) private static var sinkValue = 0
}
