import CShims
import Glibc

/// Frames a packet socket holds back so that a whole batch leaves with one sendmmsg(2):
/// the kernel's cost of a system call is then paid once per batch instead of once per
/// frame. The storage is allocated once; queuing copies the frame in.
final class PacketTransmitQueue {
    /// How many frames the queue holds at most.
    let capacity: Int
    /// The largest frame a slot takes.
    let slotSize: Int
    /// How many frames wait.
    private(set) var count = 0
    private let stride: Int
    private let storage: UnsafeMutableRawPointer
    private let lengths: UnsafeMutablePointer<UInt32>

    /// A queue for frames of up to `maximumFrameSize` bytes: up to 64 of them, fewer for
    /// large frames so that it stays within about 256 KiB.
    init(maximumFrameSize: Int) {
        slotSize = max(1, maximumFrameSize)
        stride = (slotSize + 63) & ~63
        capacity = max(1, min(Int(TERN_SEND_BATCH_MAX), (256 << 10) / stride))
        storage = UnsafeMutableRawPointer.allocate(byteCount: capacity * stride, alignment: 64)
        lengths = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        lengths.initialize(repeating: 0, count: capacity)
    }

    deinit {
        storage.deallocate()
        lengths.deallocate()
    }

    /// Copies `frame` in. False, queuing nothing, when the queue is full or the frame
    /// larger than a slot.
    func append(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard count < capacity, frame.count <= slotSize else { return false }
        if let source = frame.baseAddress, frame.count > 0 {
            (storage + count * stride).copyMemory(from: source, byteCount: frame.count)
        }
        lengths[count] = UInt32(frame.count)
        count += 1
        return true
    }

    /// Sends every queued frame on the socket and empties the queue. A frame the kernel
    /// refuses is dropped, as on a wire, and the rest still go. Returns how many were
    /// refused and the first refusal's errno (0 when all went).
    func send(descriptor: Int32, interfaceIndex: Int32) -> (refused: Int, error: Int32) {
        var first = 0
        var refused = 0
        var error: Int32 = 0
        while first < count {
            let result = tern_packet_socket_send_batch(descriptor, interfaceIndex, storage + first * stride, stride,
                                                       lengths + first, Int32(count - first))
            if result > 0 {
                first += Int(result)
                continue
            }
            // The frame at `first` failed: lose it and go on with the next.
            if error == 0 { error = result < 0 ? -result : EIO }
            refused += 1
            first += 1
        }
        count = 0
        return (refused, error)
    }

    /// Forgets every queued frame.
    func removeAll() {
        count = 0
    }
}
