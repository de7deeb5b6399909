/// A first-in first-out queue of frames, copied into buffers it owns and reuses.
///
/// Buffers are allocated the first time the queue grows to need them and kept afterwards,
/// so a queue in steady use allocates nothing. `limit` bounds how many frames it holds.
final class FrameQueue {
    /// The most frames the queue holds; `append` refuses more.
    let limit: Int
    /// Size of a new buffer when frames are smaller: the largest frame usually expected.
    let bufferSizeHint: Int

    private var buffers: [UnsafeMutableRawBufferPointer] = []
    private var lengths: [Int] = []
    private var head = 0
    private(set) var count = 0

    init(limit: Int, bufferSizeHint: Int) {
        self.limit = max(1, limit)
        self.bufferSizeHint = max(0, bufferSizeHint)
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }

    var isEmpty: Bool { count == 0 }

    /// Copies `frame` in at the back. Returns false, adding nothing, when the queue is full.
    @discardableResult
    func append(_ frame: UnsafeRawBufferPointer) -> Bool {
        if count == buffers.count {
            guard count < limit else { return false }
            grow()
        }
        let index = (head + count) % buffers.count
        if buffers[index].count < frame.count {
            buffers[index].deallocate()
            buffers[index] = .allocate(byteCount: max(frame.count, bufferSizeHint), alignment: 16)
        }
        if let source = frame.baseAddress, frame.count > 0 {
            buffers[index].baseAddress?.copyMemory(from: source, byteCount: frame.count)
        }
        lengths[index] = frame.count
        count += 1
        return true
    }

    /// The frame at position `offset` from the front (0 ..< count). The view is valid until
    /// the queue next changes.
    func frame(at offset: Int) -> UnsafeRawBufferPointer {
        precondition(offset >= 0 && offset < count, "queue position out of range")
        let index = (head + offset) % buffers.count
        return UnsafeRawBufferPointer(rebasing: buffers[index][0..<lengths[index]])
    }

    /// The frame at the front, or nil when empty.
    var first: UnsafeRawBufferPointer? {
        isEmpty ? nil : frame(at: 0)
    }

    /// Drops the frame at the front, if any.
    func removeFirst() {
        guard count > 0 else { return }
        head = (head + 1) % buffers.count
        count -= 1
    }

    /// Drops every frame; the buffers stay for reuse.
    func removeAll() {
        head = 0
        count = 0
    }

    /// Doubles the ring (up to `limit`), laying the frames out from position 0 again.
    private func grow() {
        let newCapacity = min(limit, max(4, buffers.count * 2))
        var newBuffers: [UnsafeMutableRawBufferPointer] = []
        var newLengths: [Int] = []
        newBuffers.reserveCapacity(newCapacity)
        newLengths.reserveCapacity(newCapacity)
        for offset in 0..<buffers.count {
            let index = (head + offset) % buffers.count
            newBuffers.append(buffers[index])
            newLengths.append(lengths[index])
        }
        while newBuffers.count < newCapacity {
            newBuffers.append(.allocate(byteCount: 0, alignment: 16))
            newLengths.append(0)
        }
        buffers = newBuffers
        lengths = newLengths
        head = 0
    }
}
