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
/// Frames arrive in a ring shared with the kernel (PACKET_MMAP), read in place without a
/// system call. Frames sent are either sent at once, one system call each, or, with
/// `batchesTransmissions`, queued and sent together by `sendPending()` (one sendmmsg(2)
/// per batch).
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

    /// Frames dropped because they were longer than the receive ring's slots, such as the
    /// segmentation-offload super-frames a kernel peer with TSO/GSO hands over (turn those
    /// off on the peer: `ethtool -K PEER tso off gso off`).
    public private(set) var oversizedFrames = 0
    /// Frames whose checksum the sending host left unfinished (checksum offload) and this
    /// device completed.
    public private(set) var completedChecksums = 0
    /// Ring slots whose header described no frame inside the slot (skipped).
    public private(set) var malformedSlots = 0
    /// Frames queued by `transmit` that the kernel refused when they were sent.
    public private(set) var refusedFrames = 0

    /// Frames the kernel dropped because the receive ring was full, as of the last
    /// `countKernelDrops()`.
    public private(set) var kernelDrops = 0

    /// About how many bytes the receive ring takes: 2,048 slots for a 1500-byte MTU,
    /// room for a burst of several milliseconds while the daemon waits for a core.
    public static let receiveRingBytes = 4 << 20

    /// The most frames a batch sent by `sendPending()` itself, not by the transmit thread,
    /// may have.
    static let smallBatch = 4

    private var descriptor: Int32
    private let ring: PacketReceiveRing
    /// Frames waiting for `sendPending()`; nil when each frame is sent at once.
    private var queue: PacketTransmitQueue?
    /// The thread that sends the batches, when there is one.
    private let sender: PacketTransmitThread?

    /// Opens a packet socket bound to `interface`.
    ///
    /// - Parameters:
    ///   - interface: an existing interface in this network namespace.
    ///   - mtu: the link MTU Tern uses; nil takes the interface's own.
    ///   - batchesTransmissions: queue frames in `transmit` until `sendPending()` (or
    ///     until the queue is full) instead of sending each at once.
    ///   - transmitThread: with `batchesTransmissions`, send the batches from a thread of
    ///     the device's own, so that `sendPending()` returns at once (see
    ///     `PacketTransmitThread`).
    public init(interface: String, mtu: Int? = nil, batchesTransmissions: Bool = false,
                transmitThread: Bool = false) throws(SystemError) {
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
        let frameLimit = frameSize(forMTU: linkMTU)
        do {
            ring = try PacketReceiveRing(descriptor: result, maximumFrameSize: frameLimit,
                                         bytes: PacketSocketDevice.receiveRingBytes, interface: interface)
        } catch {
            _ = Glibc.close(result)
            throw error
        }
        sender = batchesTransmissions && transmitThread
            ? PacketTransmitThread(descriptor: result, interfaceIndex: index, maximumFrameSize: frameLimit,
                                   interface: interface)
            : nil
        descriptor = result
        name = interface
        interfaceIndex = index
        self.mtu = linkMTU
        maximumFrameSize = frameLimit
        queue = batchesTransmissions ? PacketTransmitQueue(maximumFrameSize: frameLimit) : nil
    }

    deinit {
        close()
    }

    /// Copies the frames waiting in the ring into `batch`.
    public func receive(into batch: inout FrameBatch) throws(SystemError) -> Int {
        batch.removeAll()
        _ = try receive(upTo: batch.capacity) { [bufferSize = batch.bufferSize] frame in
            guard frame.count <= bufferSize else {
                oversizedFrames += 1
                return
            }
            batch.append(copying: frame)
        }
        return batch.count
    }

    /// Hands the frames over where they lie in the ring, without copying them.
    public func receive(using batch: inout FrameBatch,
                        _ body: (UnsafeRawBufferPointer) -> Void) throws(SystemError) -> Int {
        try receive(upTo: batch.capacity, body)
    }

    /// Walks the ring for up to `limit` frames, skipping frames this host sent and frames
    /// cut short, finishing unfinished checksums, then gives the slots back to the kernel.
    /// With nothing waiting, takes the socket's pending error (ENETDOWN when the interface
    /// went down) and throws it.
    private func receive(upTo limit: Int, _ body: (UnsafeRawBufferPointer) -> Void) throws(SystemError) -> Int {
        guard descriptor >= 0 else { throw closedError() }
        var delivered = 0
        var examined = 0
        defer { ring.releaseTaken() }
        while delivered < limit, let slot = ring.take() {
            examined += 1
            switch slot {
            case .frame(let frame, let checksum):
                // A slot has room for more than the link's largest frame; a longer frame
                // is dropped, as a receive buffer of that size would have.
                guard frame.count <= maximumFrameSize else {
                    oversizedFrames += 1
                    continue
                }
                if let checksum { completeChecksum(frame, start: checksum.start, offset: checksum.offset) }
                body(UnsafeRawBufferPointer(frame))
                delivered += 1
            case .outgoing:
                break
            case .truncated:
                oversizedFrames += 1
            case .malformed:
                malformedSlots += 1
            }
        }
        if examined == 0 {
            let pending = tern_socket_take_error(descriptor)
            if pending != 0 {
                throw SystemError(code: pending, operation: "interface \(name): cannot receive frames",
                                  subject: .interface(name))
            }
        }
        return delivered
    }

    /// Adds the frames the kernel dropped for want of a free ring slot since the last call
    /// to `kernelDrops`, and returns the total.
    @discardableResult
    public func countKernelDrops() -> Int {
        guard descriptor >= 0 else { return kernelDrops }
        let drops = tern_packet_socket_drops(descriptor)
        if drops > 0 { kernelDrops += drops }
        return kernelDrops
    }

    /// Queues the frame when transmissions are batched (sending the queue first if it is
    /// full), else sends it at once (after an all-zero virtio-net header: the frame is
    /// complete as it is).
    public func transmit(_ frame: UnsafeRawBufferPointer) throws(SystemError) {
        guard descriptor >= 0 else { throw closedError() }
        if let queue {
            if queue.append(frame) { return }
            // Full, or a frame larger than a slot: what waits goes first, to keep the order.
            try sendPending()
            if queue.append(frame) { return }
        }
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

    /// Sends the queued frames with as few sendmmsg(2) calls as the kernel allows.
    public func sendPending() throws(SystemError) {
        guard let queue, queue.count > 0 else { return }
        guard descriptor >= 0 else {
            queue.removeAll()
            throw closedError()
        }
        let waiting = queue.count
        var refused = 0, error: Int32 = 0
        // A batch of a few frames (an exchange of requests and replies) leaves at once,
        // without waking the thread, when that keeps the order: the thread has nothing.
        if let sender, waiting > PacketSocketDevice.smallBatch || !sender.isIdle {
            do {
                // The thread reports on batches it sent earlier.
                let handOver = try sender.submit(queue)
                self.queue = handOver.empty
                (refused, error) = (handOver.refused, handOver.error)
            } catch {
                // No thread could start: this batch leaves from here, and the failure is told.
                _ = queue.send(descriptor: descriptor, interfaceIndex: interfaceIndex)
                throw error
            }
        } else {
            (refused, error) = queue.send(descriptor: descriptor, interfaceIndex: interfaceIndex)
        }
        guard refused > 0 else { return }
        refusedFrames += refused
        throw SystemError(code: error, operation: "interface \(name): \(refused) queued frames were not sent",
                          subject: .interface(name))
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
        queue?.removeAll()
        guard descriptor >= 0 else { return }
        sender?.stop()
        _ = Glibc.close(descriptor)
        descriptor = -1
    }

    private func closedError() -> SystemError {
        SystemError(code: EBADF, operation: "packet socket on \(name) is closed")
    }
}
