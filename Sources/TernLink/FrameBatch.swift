/// A reusable set of preallocated frame buffers that a `LinkDevice` receives into.
///
/// Allocate one per receive loop, sized for the device (`LinkDevice.makeBatch`), and pass it
/// to `receive(into:)` again and again: receiving never allocates. Each received frame is
/// exposed as a view over its buffer, valid until the next receive into the batch (or until
/// the batch is destroyed).
///
/// ```swift
/// var batch = device.makeBatch(capacity: 64)
/// while try device.receive(into: &batch) > 0 {
///     for i in 0..<batch.count { handle(batch[i]) }
/// }
/// ```
public struct FrameBatch: ~Copyable {
    /// How many frames the batch holds at most.
    public let capacity: Int
    /// Size of each frame buffer in bytes: the largest frame the batch can hold.
    public let bufferSize: Int
    /// How many frames the batch holds now.
    public private(set) var count: Int = 0

    /// Distance between buffers: `bufferSize` rounded up so every buffer starts aligned.
    let stride: Int
    private let storage: UnsafeMutableRawPointer
    private let lengths: UnsafeMutablePointer<Int>
    /// Per frame: the payload bytes per wire segment of a TCP super-segment the device
    /// received (the kernel's GSO size), 0 for an ordinary frame.
    private let segmentSizes: UnsafeMutablePointer<UInt16>

    /// Creates a batch of `capacity` buffers of `bufferSize` bytes each (both at least 1).
    public init(capacity: Int, bufferSize: Int) {
        let capacity = max(1, capacity)
        let bufferSize = max(1, bufferSize)
        let alignment = 64
        let (rounded, overflow) = bufferSize.addingReportingOverflow(alignment - 1)
        let stride = overflow ? bufferSize : rounded & ~(alignment - 1)
        let (total, tooLarge) = stride.multipliedReportingOverflow(by: capacity)
        precondition(!tooLarge, "FrameBatch of \(capacity) × \(bufferSize) bytes is too large")
        self.capacity = capacity
        self.bufferSize = bufferSize
        self.stride = stride
        storage = UnsafeMutableRawPointer.allocate(byteCount: total, alignment: alignment)
        lengths = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
        lengths.initialize(repeating: 0, count: capacity)
        segmentSizes = UnsafeMutablePointer<UInt16>.allocate(capacity: capacity)
        segmentSizes.initialize(repeating: 0, count: capacity)
    }

    deinit {
        storage.deallocate()
        lengths.deallocate()
        segmentSizes.deallocate()
    }

    /// Whether the batch holds no frames.
    public var isEmpty: Bool { count == 0 }
    /// Whether the batch holds `capacity` frames.
    public var isFull: Bool { count >= capacity }

    /// The frame at `index` (0 ..< count), as a view over the batch's buffer.
    public subscript(index: Int) -> UnsafeRawBufferPointer {
        precondition(index >= 0 && index < count, "frame index out of range")
        return UnsafeRawBufferPointer(start: storage + index * stride, count: lengths[index])
    }

    /// The frame at `index` (0 ..< count), writable in place (to rewrite a frame before
    /// passing it on, for example).
    public func mutableFrame(at index: Int) -> UnsafeMutableRawBufferPointer {
        precondition(index >= 0 && index < count, "frame index out of range")
        return UnsafeMutableRawBufferPointer(start: storage + index * stride, count: lengths[index])
    }

    /// For a TCP super-segment (a frame the link would carry as several), the payload
    /// bytes per wire segment; 0 for an ordinary frame.
    public func segmentSize(at index: Int) -> Int {
        precondition(index >= 0 && index < count, "frame index out of range")
        return Int(segmentSizes[index])
    }

    /// Forgets every frame; the buffers stay allocated.
    public mutating func removeAll() {
        count = 0
    }

    /// The whole buffer the next frame goes into (`bufferSize` bytes), or nil when the batch
    /// is full. Write a frame into it, then call `commitNext(length:)`.
    public var nextBuffer: UnsafeMutableRawBufferPointer? {
        isFull ? nil : slot(count)
    }

    /// Adds the frame just written into `nextBuffer`, `length` bytes long (clamped to
    /// 0 ... bufferSize); `segmentSize` is nonzero for a TCP super-segment (see
    /// `segmentSize(at:)`). Does nothing when the batch is full.
    public mutating func commitNext(length: Int, segmentSize: Int = 0) {
        guard !isFull else { return }
        lengths[count] = min(max(0, length), bufferSize)
        segmentSizes[count] = UInt16(clamping: segmentSize)
        count += 1
    }

    /// Copies `frame` in as the next frame. Returns false, adding nothing, when the batch is
    /// full or the frame is larger than `bufferSize`.
    @discardableResult
    public mutating func append(copying frame: UnsafeRawBufferPointer) -> Bool {
        guard !isFull, frame.count <= bufferSize else { return false }
        if let source = frame.baseAddress, frame.count > 0 {
            (storage + count * stride).copyMemory(from: source, byteCount: frame.count)
        }
        lengths[count] = frame.count
        segmentSizes[count] = 0
        count += 1
        return true
    }

    // MARK: - Bulk filling by devices

    /// Start of the contiguous storage: buffer `i` begins at `base + i * stride`.
    var base: UnsafeMutableRawPointer { storage }

    /// Buffer `index` (0 ..< capacity) whether or not it holds a frame.
    func slot(_ index: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: storage + index * stride, count: bufferSize)
    }

    /// Makes the `length` bytes already in buffer `index` (≥ count) the next frame, moving
    /// them down when earlier buffers were skipped.
    mutating func commit(slot index: Int, length: Int) {
        guard !isFull, index >= count, index < capacity else { return }
        let length = min(max(0, length), bufferSize)
        if index != count {
            (storage + count * stride).copyMemory(from: storage + index * stride, byteCount: length)
        }
        lengths[count] = length
        segmentSizes[count] = 0
        count += 1
    }
}
