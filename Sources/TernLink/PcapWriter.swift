import Glibc
import TernWire

/// Middleware that records every frame received and transmitted through a device into a
/// classic pcap file (the format of tcpdump, tshark and Wireshark) while passing the
/// frames through unchanged.
///
/// Frames are recorded as a wire would carry them: a TCP super-segment that the device
/// exchanges with the kernel (offloads) is recorded as the MTU-sized frames it stands for,
/// each with its complete checksum, never as one giant frame with a half-done checksum.
///
/// The file has magic 0xa1b2c3d4 written little-endian, version 2.4, LINKTYPE_ETHERNET and
/// microsecond timestamps taken from the clock it is given, one reading per frame. Records
/// are buffered; `flush()` writes them out, and so do `close()` and deinit.
///
/// A failure to write the capture never disturbs the link: recording stops, the frames keep
/// flowing, and the error is kept in `failure` and thrown by the next `flush()`.
public final class PcapWriter: LinkDevice {
    /// The pcap magic number for microsecond timestamps.
    public static let magic: UInt32 = 0xA1B2_C3D4
    /// LINKTYPE_ETHERNET.
    public static let linkTypeEthernet: UInt32 = 1
    /// Size of the file header.
    public static let fileHeaderSize = 24
    /// Size of each record's header.
    public static let recordHeaderSize = 16

    /// The device whose traffic is recorded.
    public let device: any LinkDevice
    /// The file's path.
    public let path: String
    /// The snapshot length in the file header: frames longer than this are recorded cut
    /// short (with their real length noted). At least the device's largest frame.
    public let snapshotLength: Int
    /// How many frames have been recorded (buffered or written).
    public private(set) var recordedFrames = 0
    /// The write error that stopped recording, if any.
    public private(set) var failure: SystemError?

    public var name: String { device.name }
    public var mtu: Int { device.mtu }
    public var maximumFrameSize: Int { device.maximumFrameSize }
    public var fileDescriptor: Int32? { device.fileDescriptor }

    private let clock: () -> Int64
    private var file: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    /// Where the wire frames of a super-segment are built, one at a time, for recording.
    private let wireFrame: UnsafeMutableRawBufferPointer

    /// Creates (or truncates) the capture file at `path` and starts recording `device`.
    ///
    /// - Parameters:
    ///   - device: the device to wrap.
    ///   - path: where to write; the file is created with mode 0644.
    ///   - clock: nanoseconds since the Unix epoch, read once per recorded frame.
    ///   - bufferSize: bytes of records kept before they are written out.
    public init(wrapping device: any LinkDevice, path: String,
                clock: @escaping () -> Int64 = WallClock.nanosecondsSinceEpoch,
                bufferSize: Int = 1 << 16) throws(SystemError)
    {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SystemError(code: currentErrno(), operation: "cannot create the capture file \(path)", subject: .file(path))
        }
        let snapshotLength = max(65535, device.maximumFrameSize)
        // The header goes out at once, so even a capture cut short by a crash opens.
        var header = [UInt8](repeating: 0, count: PcapWriter.fileHeaderSize)
        header.withUnsafeMutableBytes { header in
            header.storeLittleEndian(PcapWriter.magic, at: 0)
            header.storeLittleEndian(UInt16(2), at: 4)
            header.storeLittleEndian(UInt16(4), at: 6)
            header.storeLittleEndian(UInt32(0), at: 8)  // thiszone: timestamps are UTC
            header.storeLittleEndian(UInt32(0), at: 12)  // sigfigs
            header.storeLittleEndian(UInt32(truncatingIfNeeded: snapshotLength), at: 16)
            header.storeLittleEndian(PcapWriter.linkTypeEthernet, at: 20)
        }
        do throws(SystemError) {
            try withBytes(of: header) { (bytes) throws(SystemError) in
                try PcapWriter.writeAll(bytes, to: descriptor, path: path)
            }
        } catch {
            _ = Glibc.close(descriptor)
            throw error
        }
        self.device = device
        self.path = path
        self.clock = clock
        self.snapshotLength = snapshotLength
        file = descriptor
        buffer = .allocate(byteCount: max(bufferSize, PcapWriter.recordHeaderSize), alignment: 8)
        wireFrame = .allocate(byteCount: max(65536, device.maximumFrameSize), alignment: 16)
    }

    deinit {
        try? flush()
        closeFile()
        buffer.deallocate()
        wireFrame.deallocate()
    }

    public func receive(into batch: inout FrameBatch) throws(SystemError) -> Int {
        let count = try device.receive(into: &batch)
        for i in 0..<count {
            let segmentSize = batch.segmentSize(at: i)
            if segmentSize > 0 {
                let frame = batch[i]
                var offload = VirtioNetHeader.none
                // The TAP's header said which family; the frame's EtherType says it again.
                let ipv6 = frame.count >= EthernetHeader.size && frame[12] == 0x86 && frame[13] == 0xDD
                offload.gsoType = ipv6 ? VirtioNetHeader.gsoTCPv6 : VirtioNetHeader.gsoTCPv4
                offload.segmentSize = UInt16(clamping: segmentSize)
                recordWireFrames(of: frame, offload)
            } else {
                record(batch[i])
            }
        }
        return count
    }

    /// Transmits through the device and records the frame once it was sent.
    public func transmit(_ frame: UnsafeRawBufferPointer) throws(SystemError) {
        try device.transmit(frame)
        record(frame)
    }

    public var supportsOffload: Bool { device.supportsOffload }

    /// Transmits with offloads through the device and, once sent, records the wire frames
    /// the offload work makes of `frame` (devices leave the frame as it was handed over).
    public func transmit(_ frame: UnsafeMutableRawBufferPointer, offload: VirtioNetHeader) throws(SystemError) {
        try device.transmit(frame, offload: offload)
        recordWireFrames(of: UnsafeRawBufferPointer(frame), offload)
    }

    private func recordWireFrames(of frame: UnsafeRawBufferPointer, _ offload: VirtioNetHeader) {
        guard failure == nil, file >= 0 else { return }
        SoftwareOffload.wireFrames(of: frame, offload, scratch: wireFrame) { record($0) }
    }

    /// The wrapped device sends what it queued.
    public func sendPending() throws(SystemError) {
        try device.sendPending()
    }

    /// Writes the buffered records to the file. Throws the error that stopped recording, if
    /// one did.
    public func flush() throws(SystemError) {
        if let failure { throw failure }
        guard buffered > 0, file >= 0 else { return }
        do {
            try writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<buffered]))
            buffered = 0
        } catch {
            stop(error)
            throw error
        }
    }

    /// Flushes and closes the capture file, then closes the wrapped device.
    public func close() {
        try? flush()
        closeFile()
        device.close()
    }

    // MARK: - Recording

    private func record(_ frame: UnsafeRawBufferPointer) {
        guard failure == nil, file >= 0 else { return }
        let captured = min(frame.count, snapshotLength)
        let recordSize = PcapWriter.recordHeaderSize + captured
        if buffered + recordSize > buffer.count {
            do throws(SystemError) { try flush() } catch { return }
        }
        let now = max(0, clock())
        let seconds = UInt32(truncatingIfNeeded: now / 1_000_000_000)
        let microseconds = UInt32(truncatingIfNeeded: now % 1_000_000_000 / 1_000)
        let header = buffer.baseAddress.map { UnsafeMutableRawBufferPointer(start: $0 + buffered, count: PcapWriter.recordHeaderSize) }
        guard let header else { return }
        header.storeLittleEndian(seconds, at: 0)
        header.storeLittleEndian(microseconds, at: 4)
        header.storeLittleEndian(UInt32(truncatingIfNeeded: captured), at: 8)
        header.storeLittleEndian(UInt32(truncatingIfNeeded: frame.count), at: 12)
        buffered += PcapWriter.recordHeaderSize

        let data = UnsafeRawBufferPointer(rebasing: frame[0..<captured])
        if captured <= buffer.count - buffered {
            UnsafeMutableRawBufferPointer(rebasing: buffer[buffered..<buffered + captured]).copyMemory(from: data)
            buffered += captured
        } else {
            // Larger than the buffer itself: write the header and the frame straight out.
            do throws(SystemError) {
                try flush()
                try writeAll(data)
            } catch {
                stop(error)
                return
            }
        }
        recordedFrames += 1
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        try PcapWriter.writeAll(bytes, to: file, path: path)
    }

    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to file: Int32, path: String) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let n = write(file, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if n > 0 {
                offset += n
                continue
            }
            let code = n < 0 ? currentErrno() : EIO
            if code == EINTR { continue }
            throw SystemError(code: code, operation: "cannot write the capture file \(path)", subject: .file(path))
        }
    }

    private func stop(_ error: SystemError) {
        if failure == nil { failure = error }
        buffered = 0
    }

    private func closeFile() {
        guard file >= 0 else { return }
        _ = Glibc.close(file)
        file = -1
    }
}

extension UnsafeMutableRawBufferPointer {
    /// Stores `value` little-endian at `offset`; the caller has checked the bounds.
    @inline(__always)
    fileprivate func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }
}
