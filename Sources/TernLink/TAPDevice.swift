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

    private var descriptor: Int32

    /// Opens (or creates) the TAP device `name`.
    ///
    /// - Parameters:
    ///   - name: the interface name, 1–15 bytes.
    ///   - mtu: the link MTU Tern uses (68–65535); it sizes receive buffers. Set the kernel
    ///     side's MTU to match with `KernelInterface.setMTU`.
    public init(name: String, mtu: Int = 1500) throws(SystemError) {
        try validateInterfaceName(name, for: "TAP device \(name)")
        guard acceptedMTUs.contains(mtu) else {
            throw SystemError(code: EINVAL, operation: "TAP device \(name): MTU \(mtu)",
                              hint: "the MTU must be between \(acceptedMTUs.lowerBound) and \(acceptedMTUs.upperBound)")
        }
        var actualName = [CChar](repeating: 0, count: Int(TERN_IFNAMSIZ))
        var step: UnsafePointer<CChar>? = nil
        let result = tern_tap_open(name, 0, &actualName, &step)
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
        maximumFrameSize = frameSize(forMTU: mtu)
    }

    deinit {
        close()
    }

    /// Reads frames with read(2), one per call, until the kernel has no more or the batch is
    /// full. An error after some frames were read is reported by the next call.
    public func receive(into batch: inout FrameBatch) throws(SystemError) -> Int {
        batch.removeAll()
        guard descriptor >= 0 else { throw closedError() }
        while let buffer = batch.nextBuffer {
            let n = read(descriptor, buffer.baseAddress, buffer.count)
            if n > 0 {
                batch.commitNext(length: n)
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

    /// Writes one frame with write(2).
    public func transmit(_ frame: UnsafeRawBufferPointer) throws(SystemError) {
        guard descriptor >= 0 else { throw closedError() }
        while true {
            let n = write(descriptor, frame.baseAddress, frame.count)
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
