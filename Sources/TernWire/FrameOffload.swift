/// Work an outgoing frame still needs from its link, said without any device's format: a
/// transport checksum to finish, and for a TCP super-segment (over IPv4 or IPv6) the size
/// to cut its payload into. The engine describes frames this way; a device that takes the work
/// (a TAP with offloads) turns it into its own header, any other link does it in software.
public struct FrameOffload: Equatable, Sendable {
    /// Where the checksummed bytes start, from the start of the frame.
    public var checksumStart: Int
    /// Where the checksum field is, from `checksumStart`; it holds the pseudo-header sum.
    public var checksumOffset: Int
    /// Payload bytes per segment when the frame is a super-segment, else 0.
    public var segmentSize: Int
    /// Bytes of headers (Ethernet, IP, TCP) before the payload to be cut.
    public var headerLength: Int
    /// Whether a super-segment is TCP over IPv6 (the link's segmentation differs by family).
    public var isIPv6: Bool

    public init(checksumStart: Int, checksumOffset: Int, segmentSize: Int = 0, headerLength: Int = 0,
                isIPv6: Bool = false) {
        self.checksumStart = checksumStart
        self.checksumOffset = checksumOffset
        self.segmentSize = segmentSize
        self.headerLength = headerLength
        self.isIPv6 = isIPv6
    }

    /// Whether the frame is a super-segment to be cut up.
    @inlinable
    public var isSegmentation: Bool { segmentSize > 0 }
}

extension VirtioNetHeader {
    /// The virtio-net header that asks a device for `offload`'s work.
    public init(_ offload: FrameOffload) {
        self.init(flags: VirtioNetHeader.needsChecksum,
                  gsoType: !offload.isSegmentation ? VirtioNetHeader.gsoNone
                      : offload.isIPv6 ? VirtioNetHeader.gsoTCPv6 : VirtioNetHeader.gsoTCPv4,
                  headerLength: UInt16(clamping: offload.headerLength),
                  segmentSize: UInt16(clamping: offload.segmentSize),
                  checksumStart: UInt16(clamping: offload.checksumStart),
                  checksumOffset: UInt16(clamping: offload.checksumOffset))
    }
}

extension SoftwareOffload {
    /// The wire frames `offload` makes of `frame` (see `wireFrames(of:_:scratch:emit:)`).
    @inlinable
    public static func wireFrames(of frame: UnsafeRawBufferPointer, _ offload: FrameOffload,
                                  scratch: UnsafeMutableRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        wireFrames(of: frame, VirtioNetHeader(offload), scratch: scratch, emit: emit)
    }
}
