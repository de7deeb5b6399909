/// The virtio-net header a TAP device (opened with IFF_VNET_HDR) or a packet socket (with
/// PACKET_VNET_HDR) puts before each frame: what offload work the frame still needs.
///
/// Through it a sender hands the link a TCP "super-segment" of up to 64 KiB plus the size
/// to cut it into (segmentation offload), and leaves checksums for the link to finish
/// (checksum offload). The 10-byte legacy layout; fields little-endian, as on x86 and ARM.
public struct VirtioNetHeader: Equatable, Sendable {
    public static let size = 10

    /// `flags`: the checksum from `checksumStart` to the end is still to be computed and
    /// stored at `checksumStart + checksumOffset` (the field holds the pseudo-header sum).
    public static let needsChecksum: UInt8 = 1
    /// `flags`: the checksum has been verified already.
    public static let dataValid: UInt8 = 2

    /// `gsoType` values.
    public static let gsoNone: UInt8 = 0
    public static let gsoTCPv4: UInt8 = 1
    public static let gsoTCPv6: UInt8 = 4

    public var flags: UInt8
    public var gsoType: UInt8
    /// Bytes of headers (Ethernet, IPv4 or IPv6, TCP) before the payload to be segmented.
    public var headerLength: UInt16
    /// Payload bytes per segment (the TCP MSS as used, options excluded).
    public var segmentSize: UInt16
    public var checksumStart: UInt16
    public var checksumOffset: UInt16

    public init(flags: UInt8 = 0, gsoType: UInt8 = 0, headerLength: UInt16 = 0, segmentSize: UInt16 = 0,
                checksumStart: UInt16 = 0, checksumOffset: UInt16 = 0) {
        self.flags = flags
        self.gsoType = gsoType
        self.headerLength = headerLength
        self.segmentSize = segmentSize
        self.checksumStart = checksumStart
        self.checksumOffset = checksumOffset
    }

    /// A frame that needs nothing.
    public static let none = VirtioNetHeader()

    /// Whether the frame is a super-segment to be cut up.
    public var isSegmentation: Bool { gsoType & 0x7F != VirtioNetHeader.gsoNone }

    /// Parses the 10 bytes at the start of `bytes`.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> VirtioNetHeader {
        guard bytes.count >= size else { throw .truncated }
        func le16(_ offset: Int) -> UInt16 {
            UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        }
        return VirtioNetHeader(flags: bytes.u8(0), gsoType: bytes.u8(1), headerLength: le16(2), segmentSize: le16(4),
                               checksumStart: le16(6), checksumOffset: le16(8))
    }

    /// Writes the 10 bytes at the start of `buffer`.
    public func write(to buffer: UnsafeMutableRawBufferPointer) throws(WireError) {
        guard buffer.count >= VirtioNetHeader.size else { throw .bufferTooSmall }
        buffer.setU8(0, flags)
        buffer.setU8(1, gsoType)
        buffer.storeBytes(of: headerLength.littleEndian, toByteOffset: 2, as: UInt16.self)
        buffer.storeBytes(of: segmentSize.littleEndian, toByteOffset: 4, as: UInt16.self)
        buffer.storeBytes(of: checksumStart.littleEndian, toByteOffset: 6, as: UInt16.self)
        buffer.storeBytes(of: checksumOffset.littleEndian, toByteOffset: 8, as: UInt16.self)
    }
}

/// What a link without offloads does instead: finishes checksums and cuts TCP
/// super-segments into frames of one MSS, exactly as the kernel's GSO would.
public enum SoftwareOffload {
    /// Completes a checksum left to the link: the one's complement of the sum from
    /// `checksumStart` to the end, stored at `checksumStart + checksumOffset` (whose field
    /// holds the pseudo-header sum). A result of 0 is stored as 0xFFFF, as Linux does.
    /// Returns false (changing nothing) when the offsets do not fit the frame.
    @discardableResult
    public static func completeChecksum(_ frame: UnsafeMutableRawBufferPointer, start: Int, offset: Int) -> Bool {
        let field = start + offset
        guard start >= 0, offset >= 0, start < frame.count, field + 2 <= frame.count else { return false }
        let sum = InternetChecksum.compute(UnsafeRawBufferPointer(frame.view(start..<frame.count)))
        frame.setU16(field, sum == 0 ? 0xFFFF : sum)
        return true
    }

    /// A TCP super-segment's layout (over IPv4 or IPv6): what is needed to cut it into pieces.
    public struct SuperSegment {
        /// Ethernet, IP and TCP headers.
        public let headerLength: Int
        /// Payload bytes per piece.
        public let segmentSize: Int
        public let payloadLength: Int
        let network: Network
        let tcp: TCPHeader

        /// The IP header of the super-segment, rewritten for each piece.
        enum Network {
            case v4(IPv4Header, options: UnsafeRawBufferPointer)
            /// The fixed header with TCP straight after it (no extension headers).
            case v6(IPv6Header)
        }

        /// Whether the segment travels over IPv6.
        public var isIPv6: Bool {
            if case .v6 = network { return true }
            return false
        }

        /// How many wire frames the link makes of it.
        public var pieceCount: Int { max(1, (payloadLength + segmentSize - 1) / segmentSize) }
    }

    /// The layout of a super-segment `header` describes, or nil when the frame is not one
    /// (or does not parse as the header says: a TCPv4 request on an IPv4 frame, a TCPv6
    /// one on an IPv6 frame whose fixed header is followed by TCP). The layout's views
    /// point into `frame`.
    public static func superSegment(_ frame: UnsafeRawBufferPointer, _ header: VirtioNetHeader) -> SuperSegment? {
        guard header.segmentSize > 0, frame.count > EthernetHeader.size else { return nil }
        let etherType = frame.u16(12)
        let body = frame.view(EthernetHeader.size..<frame.count)
        switch header.gsoType & 0x7F {
        case VirtioNetHeader.gsoTCPv4:
            guard etherType == EtherType.ipv4.rawValue, let ip = try? IPv4Header.parse(body),
                  ip.header.protocol == .tcp, let tcp = try? TCPHeader.parse(ip.payload) else { return nil }
            return SuperSegment(headerLength: EthernetHeader.size + ip.header.headerLength + tcp.header.headerLength,
                                segmentSize: Int(header.segmentSize), payloadLength: tcp.payload.count,
                                network: .v4(ip.header, options: ip.options), tcp: tcp.header)
        case VirtioNetHeader.gsoTCPv6:
            guard etherType == EtherType.ipv6.rawValue, let ip = try? IPv6Header.parse(body),
                  ip.header.nextHeader == .tcp, let tcp = try? TCPHeader.parse(ip.payload) else { return nil }
            return SuperSegment(headerLength: EthernetHeader.size + IPv6Header.size + tcp.header.headerLength,
                                segmentSize: Int(header.segmentSize), payloadLength: tcp.payload.count,
                                network: .v6(ip.header), tcp: tcp.header)
        default:
            return nil
        }
    }

    /// Writes the pieces `pieces` of the super-segment in `frame` (laid out as `layout`) into
    /// `scratch` as one frame: a finished frame with its checksum when `finish` is true (or
    /// a single piece would need none), else a smaller super-segment with its checksum left
    /// open and the header the link needs for it. Returns nil when `scratch` is too small.
    public static func write(pieces: Range<Int>, of frame: UnsafeRawBufferPointer, layout: SuperSegment,
                             into scratch: UnsafeMutableRawBufferPointer, finish: Bool)
        -> (frame: UnsafeMutableRawBufferPointer, header: VirtioNetHeader)? {
        let start = pieces.lowerBound * layout.segmentSize
        let end = min(layout.payloadLength, pieces.upperBound * layout.segmentSize)
        guard start <= end, pieces.lowerBound >= 0 else { return nil }
        let length = end - start
        let headers = layout.headerLength
        guard scratch.count >= headers + length else { return nil }
        let out = scratch.view(0..<headers + length)
        out.view(0..<headers).copyMemory(from: frame.view(0..<headers))
        out.view(headers..<headers + length).copyMemory(from: frame.view(headers + start..<headers + end))
        var tcpHeader = layout.tcp
        tcpHeader.sequenceNumber = layout.tcp.sequenceNumber + start
        if end < layout.payloadLength { tcpHeader.flags.subtract([.fin, .psh]) }
        let ipArea = out.view(EthernetHeader.size..<out.count)
        let ipHeaderLength: Int
        switch layout.network {
        case .v4(let ip, let options):
            var ipHeader = ip
            ipHeader.totalLength = UInt16(headers - EthernetHeader.size + length)
            ipHeader.identification = ip.identification &+ UInt16(truncatingIfNeeded: pieces.lowerBound)
            _ = try? ipHeader.write(to: ipArea, options: options)
            ipHeaderLength = ip.headerLength
            _ = try? tcpHeader.write(to: ipArea.view(ipHeaderLength..<ipArea.count), payloadLength: length,
                                     source: ip.source, destination: ip.destination, checksumLeftToLink: !finish)
        case .v6(let ip):
            var ipHeader = ip
            ipHeader.payloadLength = UInt16(headers - EthernetHeader.size - IPv6Header.size + length)
            _ = try? ipHeader.write(to: ipArea)
            ipHeaderLength = IPv6Header.size
            _ = try? tcpHeader.write(to: ipArea.view(ipHeaderLength..<ipArea.count), payloadLength: length,
                                     source: ip.source, destination: ip.destination, checksumLeftToLink: !finish)
        }
        guard !finish else { return (out, .none) }
        var header = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum,
                                     checksumStart: UInt16(EthernetHeader.size + ipHeaderLength),
                                     checksumOffset: 16)
        if length > layout.segmentSize {
            header.gsoType = layout.isIPv6 ? VirtioNetHeader.gsoTCPv6 : VirtioNetHeader.gsoTCPv4
            header.headerLength = UInt16(headers)
            header.segmentSize = UInt16(layout.segmentSize)
        }
        return (out, header)
    }

    /// The wire frames `header` makes of `frame`, handed to `emit` one at a time: a TCP
    /// super-segment cut into frames of `segmentSize` payload bytes (sequence numbers, IP
    /// lengths, IPv4 identifications, FIN and PSH on the last only, checksums complete); any
    /// other frame with its checksum finished. `frame` itself is left as it is: each output
    /// frame is built in `scratch`, which must hold one (a frame that does not fit, or does
    /// not parse as described, is passed on unchanged). So a capture can record what a link
    /// sends while the original still goes to a link that does the work itself.
    public static func wireFrames(of frame: UnsafeRawBufferPointer, _ header: VirtioNetHeader,
                                  scratch: UnsafeMutableRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        guard header.isSegmentation else {
            guard header.flags & VirtioNetHeader.needsChecksum != 0, frame.count <= scratch.count else {
                emit(frame)
                return
            }
            let copy = scratch.view(0..<frame.count)
            copy.copyMemory(from: frame)
            completeChecksum(copy, start: Int(header.checksumStart), offset: Int(header.checksumOffset))
            emit(UnsafeRawBufferPointer(copy))
            return
        }
        guard let layout = superSegment(frame, header) else {
            emit(frame)
            return
        }
        for piece in 0..<layout.pieceCount {
            guard let out = write(pieces: piece..<piece + 1, of: frame, layout: layout, into: scratch, finish: true) else {
                emit(frame)
                return
            }
            emit(UnsafeRawBufferPointer(out.frame))
        }
    }
}
