import CShims
import Glibc
import TernWire

/// An AF_PACKET socket on an existing interface (one end of a veth pair, say): Tern sends
/// and receives raw Ethernet frames on it beside the kernel's own stack.
///
/// The interface is put in promiscuous mode, since Tern's MAC is not the interface's. Give
/// the interface no IPv4 address, or the kernel will answer for it too. Opening needs
/// CAP_NET_RAW.
///
/// A kernel peer on the same host (a veth pair) offloads checksums: its UDP and TCP frames
/// cross with the checksum field unfinished. The socket asks for a virtio-net header with
/// each frame, and the device completes such checksums, so the frames it delivers are
/// the frames a real wire would carry.
public final class PacketSocketDevice: LinkDevice {
    /// The interface name.
    public let name: String
    /// The interface's index in its network namespace.
    public let interfaceIndex: Int32
    public let mtu: Int
    public let maximumFrameSize: Int
    public var fileDescriptor: Int32? { descriptor >= 0 ? descriptor : nil }

    /// Frames dropped because they were longer than the receive buffer, such as the
    /// segmentation-offload super-frames a kernel peer with TSO/GSO hands over (turn those
    /// off on the peer: `ethtool -K PEER tso off gso off`).
    public private(set) var oversizedFrames = 0
    /// Frames whose checksum the sending host left unfinished (checksum offload) and this
    /// device completed.
    public private(set) var completedChecksums = 0

    private var descriptor: Int32
    private var info = [tern_frame_info](repeating: tern_frame_info(), count: Int(TERN_RECEIVE_BATCH_MAX))

    /// Opens a packet socket bound to `interface`.
    ///
    /// - Parameters:
    ///   - interface: an existing interface in this network namespace.
    ///   - mtu: the link MTU Tern uses; nil takes the interface's own.
    public init(interface: String, mtu: Int? = nil) throws(SystemError) {
        try validateInterfaceName(interface, for: "interface \(interface)")
        var index: Int32 = 0
        var step: UnsafePointer<CChar>? = nil
        let result = tern_packet_socket_open(interface, &index, &step)
        guard result >= 0 else {
            let code = -result
            let stepText = stepName(step)
            if stepText == "socket(AF_PACKET)" {
                throw SystemError(code: code, operation: "cannot open a packet socket", subject: .packetSocket)
            }
            let subject: SystemError.Subject = code == EPERM || code == EACCES ? .packetSocket : .interface(interface)
            throw SystemError(code: code, operation: "interface \(interface): packet socket \(stepText)", subject: subject)
        }
        descriptor = result
        name = interface
        interfaceIndex = index
        let linkMTU: Int
        if let mtu {
            linkMTU = mtu
        } else {
            let kernelMTU = tern_interface_get_mtu(interface)
            linkMTU = kernelMTU > 0 ? Int(kernelMTU) : EthernetHeader.maximumPayload
        }
        guard acceptedMTUs.contains(linkMTU) else {
            _ = Glibc.close(result)
            throw SystemError(code: EINVAL, operation: "interface \(interface): MTU \(linkMTU)",
                              hint: "the MTU must be between \(acceptedMTUs.lowerBound) and \(acceptedMTUs.upperBound)")
        }
        self.mtu = linkMTU
        maximumFrameSize = frameSize(forMTU: linkMTU)
    }

    deinit {
        close()
    }

    /// Receives with recvmmsg(2), as many frames as the batch takes in one call. Frames the
    /// host itself sent and frames too long for the batch's buffers are skipped.
    public func receive(into batch: inout FrameBatch) throws(SystemError) -> Int {
        batch.removeAll()
        guard descriptor >= 0 else { throw closedError() }
        while !batch.isFull {
            // Receive into the buffers from `batch.count` on; skipped frames leave gaps
            // that `commit(slot:)` closes.
            let first = batch.count
            let wanted = min(batch.capacity - first, Int(TERN_RECEIVE_BATCH_MAX))
            let start = batch.base + first * batch.stride
            let stride = batch.stride
            let bufferSize = batch.bufferSize
            let fd = descriptor
            let received = info.withUnsafeMutableBufferPointer { info in
                tern_packet_socket_receive(fd, start, stride, bufferSize, Int32(wanted), info.baseAddress)
            }
            if received < 0 {
                if batch.count > 0 { break }
                throw SystemError(code: -received, operation: "interface \(name): cannot receive frames",
                                  subject: .interface(name))
            }
            if received == 0 { break }
            for i in 0..<Int(received) {
                let frame = info[i]
                if frame.outgoing != 0 { continue }
                if frame.length > bufferSize {
                    oversizedFrames += 1
                    continue
                }
                if frame.needs_checksum != 0 {
                    completeChecksum(UnsafeMutableRawBufferPointer(start: start + i * stride, count: frame.length),
                                     start: Int(frame.checksum_start), offset: Int(frame.checksum_offset))
                }
                batch.commit(slot: first + i, length: frame.length)
            }
            if Int(received) < wanted { break }
        }
        return batch.count
    }

    /// Sends one frame on the bound interface (after an all-zero virtio-net header: the
    /// frame is complete as it is).
    public func transmit(_ frame: UnsafeRawBufferPointer) throws(SystemError) {
        guard descriptor >= 0 else { throw closedError() }
        while true {
            let n = tern_packet_socket_send(descriptor, interfaceIndex, frame.baseAddress, frame.count)
            if n == frame.count { return }
            if n >= 0 {
                throw SystemError(code: EIO, operation: "interface \(name): only \(n) of \(frame.count) bytes of a frame were sent")
            }
            if -n == Int(EINTR) { continue }
            throw SystemError(code: Int32(-n), operation: "interface \(name): cannot send a frame of \(frame.count) bytes",
                              subject: .interface(name))
        }
    }

    /// Finishes a checksum the sender left to hardware: the field at `start + offset`
    /// holds the pseudo-header sum, and the checksum is the one's complement of the sum of
    /// everything from `start` to the end. A result of 0 is sent as 0xFFFF, as the kernel
    /// does, since 0 means "no checksum" to UDP. Frames with impossible offsets are left alone.
    private func completeChecksum(_ frame: UnsafeMutableRawBufferPointer, start: Int, offset: Int) {
        let field = start + offset
        guard start < frame.count, field >= start, field + 2 <= frame.count else { return }
        let sum = InternetChecksum.compute(UnsafeRawBufferPointer(rebasing: frame[start...]))
        let checksum = sum == 0 ? 0xFFFF : sum
        frame.storeBytes(of: checksum.bigEndian, toByteOffset: field, as: UInt16.self)
        completedChecksums += 1
    }

    public func close() {
        guard descriptor >= 0 else { return }
        _ = Glibc.close(descriptor)
        descriptor = -1
    }

    private func closedError() -> SystemError {
        SystemError(code: EBADF, operation: "packet socket on \(name) is closed")
    }
}
