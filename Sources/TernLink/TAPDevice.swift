import CShims
import Glibc
import TernWire

/// A Linux TAP device: the kernel sees a network interface, and Tern reads and writes the
/// Ethernet frames that cross it.
///
/// Opening attaches to the TAP device of that name, creating it when absent (which needs
/// CAP_NET_ADMIN; opening /dev/net/tun needs root by default). The kernel side of the
/// interface is configured separately, with `KernelInterface`.
public final class TAPDevice: LinkDevice {
    /// The interface name the kernel gave the device.
    public let name: String
    public let mtu: Int
    public let maximumFrameSize: Int
    public var fileDescriptor: Int32? { descriptor >= 0 ? descriptor : nil }

    /// Opened for offloads: every frame crosses with a virtio-net header, the kernel sends
    /// TCP super-segments of up to 64 KiB and accepts ours, and checksums may be left to
    /// the other side.
    public let offloads: Bool
    public var supportsOffload: Bool { offloads }
    /// Checksums the kernel left for us to finish on received frames.
    public private(set) var completedChecksums = 0

    private var descriptor: Int32
    /// The virtio-net header of the frame being read or written, and the two-part vector
    /// (header, frame) for readv/writev: allocated once, reused for every frame.
    private let header = UnsafeMutableRawBufferPointer.allocate(byteCount: VirtioNetHeader.size, alignment: 8)
    private let vectors = UnsafeMutablePointer<iovec>.allocate(capacity: 2)

    /// Opens (or creates) the TAP device `name`.
    ///
    /// - Parameters:
    ///   - name: the interface name, 1–15 bytes.
    ///   - mtu: the link MTU Tern uses (68–65535); it sizes receive buffers. Set the kernel
    ///     side's MTU to match with `KernelInterface.setMTU`.
    ///   - offloads: exchange TCP super-segments (over IPv4 and IPv6) and unfinished
    ///     checksums with the kernel (IFF_VNET_HDR with TUN_F_CSUM, TUN_F_TSO4 and
    ///     TUN_F_TSO6): far fewer frames, and so syscalls, for bulk transfers. Frames may
    ///     then be up to 64 KiB whatever the MTU.
    public init(name: String, mtu: Int = 1500, offloads: Bool = false) throws(SystemError) {
        try validateInterfaceName(name, for: "TAP device \(name)")
        guard acceptedMTUs.contains(mtu) else {
            throw SystemError(code: EINVAL, operation: "TAP device \(name): MTU \(mtu)",
                              hint: "the MTU must be between \(acceptedMTUs.lowerBound) and \(acceptedMTUs.upperBound)")
        }
        var actualName = [CChar](repeating: 0, count: Int(TERN_IFNAMSIZ))
        var step: UnsafePointer<CChar>? = nil
        let result = tern_tap_open(name, offloads ? 1 : 0, &actualName, &step)
        guard result >= 0 else {
            let code = -result
            switch stepName(step) {
            case "open /dev/net/tun":
                throw SystemError(code: code, operation: "cannot open /dev/net/tun", subject: .tunDriver)
            default:
                throw SystemError(code: code, operation: "TAP device \(name)", subject: .tapDevice(name))
            }
        }
        descriptor = result
        self.name = String(decoding: actualName.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.mtu = mtu
        self.offloads = offloads
        maximumFrameSize = offloads ? max(frameSize(forMTU: mtu), TAPDevice.superFrameSize) : frameSize(forMTU: mtu)
        if offloads {
            let status = tern_tap_set_offload(result, 1)
            if status < 0 {
                _ = Glibc.close(result)
                throw SystemError(code: -status, operation: "TAP device \(name): cannot turn on offloads (TUNSETOFFLOAD)",
                                  subject: .tapDevice(name))
            }
        }
    }

    /// The largest frame with offloads: an IPv4 datagram of 65535 bytes in Ethernet.
    public static let superFrameSize = 65535 + EthernetHeader.size

    deinit {
        close()
        header.deallocate()
        vectors.deallocate()
    }

    /// Reads frames with read(2), one per call, until the kernel has no more or the batch is
    /// full. An error after some frames were read is reported by the next call.
    public func receive(into batch: inout FrameBatch) throws(SystemError) -> Int {
        batch.removeAll()
        guard descriptor >= 0 else { throw closedError() }
        while let buffer = batch.nextBuffer {
            var segmentSize = 0
            let n = offloads ? readWithHeader(into: buffer, segmentSize: &segmentSize)
                             : read(descriptor, buffer.baseAddress, buffer.count)
            if n > 0 {
                batch.commitNext(length: n, segmentSize: segmentSize)
                continue
            }
            if n == 0 { break }
            let code = currentErrno()
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK || batch.count > 0 { break }
            throw SystemError(code: code, operation: "TAP device \(name): cannot read a frame",
                              subject: .tapDevice(name))
        }
        return batch.count
    }

    /// Reads one frame after its virtio-net header (readv), finishing a checksum the kernel
    /// left open; `segmentSize` gets the segment size of a TCP super-segment. Returns the
    /// frame's length, or what read(2) returned.
    private func readWithHeader(into buffer: UnsafeMutableRawBufferPointer, segmentSize: inout Int) -> Int {
        vectors[0] = iovec(iov_base: header.baseAddress, iov_len: header.count)
        vectors[1] = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
        let n = readv(descriptor, vectors, 2)
        guard n >= VirtioNetHeader.size else { return n < 0 ? n : 0 }
        let length = n - VirtioNetHeader.size
        let parsed = try? VirtioNetHeader.parse(UnsafeRawBufferPointer(header))
        if let parsed, parsed.flags & VirtioNetHeader.needsChecksum != 0,
           SoftwareOffload.completeChecksum(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length]),
                                            start: Int(parsed.checksumStart), offset: Int(parsed.checksumOffset)) {
            completedChecksums += 1
        }
        if let parsed, parsed.isSegmentation { segmentSize = Int(parsed.segmentSize) }
        return length
    }

    /// Writes one frame with write(2) (after an empty virtio-net header with offloads on).
    public func transmit(_ frame: UnsafeRawBufferPointer) throws(SystemError) {
        try send(frame, header: offloads ? VirtioNetHeader.none : nil)
    }

    /// Hands the frame to the kernel with the offload work left to it.
    public func transmit(_ frame: UnsafeMutableRawBufferPointer, offload: VirtioNetHeader) throws(SystemError) {
        guard offloads else {
            // A TAP without the header cannot carry the request: do the work here.
            let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: maximumFrameSize, alignment: 16)
            defer { scratch.deallocate() }
            var failure: SystemError?
            SoftwareOffload.wireFrames(of: UnsafeRawBufferPointer(frame), offload, scratch: scratch) { piece in
                guard failure == nil else { return }
                do throws(SystemError) { try send(piece, header: nil) } catch { failure = error }
            }
            if let failure { throw failure }
            return
        }
        try send(UnsafeRawBufferPointer(frame), header: offload)
    }

    private func send(_ frame: UnsafeRawBufferPointer, header virtio: VirtioNetHeader?) throws(SystemError) {
        guard descriptor >= 0 else { throw closedError() }
        while true {
            let n: Int
            if let virtio {
                _ = try? virtio.write(to: header)
                vectors[0] = iovec(iov_base: header.baseAddress, iov_len: header.count)
                vectors[1] = iovec(iov_base: UnsafeMutableRawPointer(mutating: frame.baseAddress), iov_len: frame.count)
                let written = writev(descriptor, vectors, 2)
                n = written < 0 ? written : written - VirtioNetHeader.size
            } else {
                n = write(descriptor, frame.baseAddress, frame.count)
            }
            if n == frame.count { return }
            if n >= 0 {
                throw SystemError(code: EIO, operation: "TAP device \(name): only \(n) of \(frame.count) bytes of a frame were sent")
            }
            let code = currentErrno()
            if code == EINTR { continue }
            throw SystemError(code: code, operation: "TAP device \(name): cannot send a frame of \(frame.count) bytes",
                              subject: .tapDevice(name))
        }
    }

    /// Closes the file descriptor. A TAP device Tern created disappears with it, unless it
    /// was made persistent.
    public func close() {
        guard descriptor >= 0 else { return }
        _ = Glibc.close(descriptor)
        descriptor = -1
    }

    private func closedError() -> SystemError {
        SystemError(code: EBADF, operation: "TAP device \(name) is closed")
    }
}
