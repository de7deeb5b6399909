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

    public var flags: UInt8
    public var gsoType: UInt8
    /// Bytes of headers (Ethernet, IPv4, TCP) before the payload to be segmented.
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

    /// Applies `header` to `frame` and hands the resulting wire frames to `emit`: a TCP/IPv4
    /// super-segment is cut into frames of `segmentSize` payload bytes (sequence numbers,
    /// IPv4 lengths and identifications, FIN and PSH on the last only, checksums complete);
    /// any other frame just gets its checksum finished. `scratch` must hold one output
    /// frame. Frames that do not parse as described are passed on unchanged.
    public static func apply(_ header: VirtioNetHeader, to frame: UnsafeMutableRawBufferPointer,
                             scratch: UnsafeMutableRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        guard header.isSegmentation else {
            if header.flags & VirtioNetHeader.needsChecksum != 0 {
                completeChecksum(frame, start: Int(header.checksumStart), offset: Int(header.checksumOffset))
            }
            emit(UnsafeRawBufferPointer(frame))
            return
        }
        let whole = UnsafeRawBufferPointer(frame)
        guard header.gsoType & 0x7F == VirtioNetHeader.gsoTCPv4, header.segmentSize > 0,
              let ip = try? IPv4Header.parse(whole.view(EthernetHeader.size..<whole.count)),
              ip.header.protocol == .tcp, let tcp = try? TCPHeader.parse(ip.payload) else {
            emit(whole)
            return
        }
        let headers = EthernetHeader.size + ip.header.headerLength + tcp.header.headerLength
        let mss = Int(header.segmentSize)
        let payload = tcp.payload
        guard scratch.count >= headers + mss else {
            emit(whole)
            return
        }
        var offset = 0
        var index = 0
        repeat {
            let length = min(mss, payload.count - offset)
            let last = offset + length >= payload.count
            let out = scratch.view(0..<headers + length)
            out.view(0..<headers).copyMemory(from: whole.view(0..<headers))
            out.view(headers..<headers + length).copyMemory(from: payload.view(offset..<offset + length))
            var ipHeader = ip.header
            ipHeader.totalLength = UInt16(headers - EthernetHeader.size + length)
            ipHeader.identification = ip.header.identification &+ UInt16(truncatingIfNeeded: index)
            let ipArea = out.view(EthernetHeader.size..<out.count)
            _ = try? ipHeader.write(to: ipArea, options: ip.options)
            var tcpHeader = tcp.header
            tcpHeader.sequenceNumber = tcp.header.sequenceNumber + offset
            if !last { tcpHeader.flags.subtract([.fin, .psh]) }
            _ = try? tcpHeader.write(to: ipArea.view(ip.header.headerLength..<ipArea.count), payloadLength: length,
                                     source: ip.header.source, destination: ip.header.destination)
            emit(UnsafeRawBufferPointer(out))
            offset += length
            index += 1
        } while offset < payload.count
    }
}
