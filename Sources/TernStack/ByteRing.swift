/// A fixed-capacity circular byte buffer whose storage is allocated on first use and can be
/// returned when empty, so an idle connection costs no buffer memory.
///
/// Bytes are addressed by their offset from the oldest unread byte. Besides appending at
/// the end, bytes may be written further ahead (`write(_:at:)`) and made readable later
/// with `commit`: TCP puts out-of-order segments straight into their final place this way.
///
/// Regions handed out by `readableRegion`/`writableRegion` are raw views valid until the
/// next mutating call; no access to the ring is held while the caller uses them.
struct ByteRing: ~Copyable {
    private(set) var capacity: Int
    /// Where storage comes from and goes back to, when the ring has the pool's block size.
    private var pool: BufferPool?
    private var storage: UnsafeMutableRawPointer?
    /// Index in `storage` of the oldest unread byte.
    private var head = 0
    /// Readable bytes.
    private(set) var count = 0

    init(capacity: Int, pool: BufferPool? = nil) {
        self.capacity = max(1, capacity)
        self.pool = pool?.blockSize == self.capacity ? pool : nil
    }

    deinit {
        if let s = storage { Self.free(s, to: pool) }
    }

    private static func free(_ block: UnsafeMutableRawPointer, to pool: BufferPool?) {
        if let pool { pool.give(block) } else { block.deallocate() }
    }

    var isEmpty: Bool { count == 0 }
    /// Bytes that can still be appended.
    var freeSpace: Int { capacity - count }
    /// Whether storage is currently allocated.
    var isAllocated: Bool { storage != nil }

    /// Moves the start back to the beginning of the storage when nothing is buffered. A ring
    /// that keeps emptying (a connection sending a little at a time) then writes the same
    /// first pages over and over instead of sweeping through all of its storage, so only
    /// what it buffers at once becomes resident memory. Only for a ring with nothing parked
    /// beyond its readable bytes (see `write(_:at:)`): their offsets would move.
    mutating func rewindIfEmpty() {
        if count == 0 { head = 0 }
    }

    /// Returns the storage when nothing is buffered.
    mutating func releaseIfEmpty() {
        guard count == 0, let s = storage else { return }
        Self.free(s, to: pool)
        storage = nil
        head = 0
    }

    /// Drops every byte and returns the storage.
    mutating func discardAll() {
        count = 0
        head = 0
        if let s = storage { Self.free(s, to: pool) }
        storage = nil
    }

    private mutating func ensureStorage() -> UnsafeMutableRawPointer {
        if let s = storage { return s }
        let s = pool?.take() ?? UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        storage = s
        head = 0
        return s
    }

    /// Enlarges the ring to `newCapacity` bytes. Every byte keeps its offset, readable ones
    /// and those parked beyond them alike: the old storage is copied whole, starting at its
    /// oldest byte, into the new. Rare (a receive window doubling), so one copy is cheap.
    mutating func grow(to newCapacity: Int) {
        guard newCapacity > capacity else { return }
        if let old = storage {
            let new = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
            let first = capacity - head
            new.copyMemory(from: old + head, byteCount: first)
            if head > 0 { (new + first).copyMemory(from: old, byteCount: head) }
            Self.free(old, to: pool)
            storage = new
            head = 0
        }
        capacity = newCapacity
        pool = nil
    }

    // MARK: Writing

    /// The contiguous free region at the end (may be shorter than `freeSpace` when the
    /// free space wraps). Fill it, then `commit` what was written.
    mutating func writableRegion() -> UnsafeMutableRawBufferPointer {
        let base = ensureStorage()
        let tail = (head + count) % capacity
        let length = min(freeSpace, capacity - tail)
        return UnsafeMutableRawBufferPointer(start: base + tail, count: length)
    }

    /// Makes `n` more bytes readable: bytes written into `writableRegion` or with
    /// `write(_:at:)` just past the readable ones.
    mutating func commit(_ n: Int) {
        precondition(n >= 0 && n <= freeSpace, "ByteRing commit beyond free space")
        count += n
    }

    /// Appends as much of `bytes` as fits; returns how much that was.
    @discardableResult
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        let n = min(bytes.count, freeSpace)
        guard n > 0 else { return 0 }
        write(UnsafeRawBufferPointer(rebasing: bytes[0..<n]), at: 0)
        count += n
        return n
    }

    /// Copies `bytes` to `offset` bytes past the readable end, without making them
    /// readable. The bytes must fit in the free space.
    mutating func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset + bytes.count <= freeSpace, "ByteRing write beyond free space")
        guard bytes.count > 0, let source = bytes.baseAddress else { return }
        let base = ensureStorage()
        let start = (head + count + offset) % capacity
        let first = min(bytes.count, capacity - start)
        (base + start).copyMemory(from: source, byteCount: first)
        if first < bytes.count {
            base.copyMemory(from: source + first, byteCount: bytes.count - first)
        }
    }

    // MARK: Reading

    /// The contiguous readable region at the start (may be shorter than `count` when the
    /// data wraps). `consume` what was used.
    func readableRegion() -> UnsafeRawBufferPointer {
        guard let base = storage, count > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let length = min(count, capacity - head)
        return UnsafeRawBufferPointer(start: base + head, count: length)
    }

    /// Drops `n` bytes from the start.
    mutating func consume(_ n: Int) {
        precondition(n >= 0 && n <= count, "ByteRing consume beyond count")
        count -= n
        head = (head + n) % capacity
    }

    /// Copies `length` readable bytes starting `offset` bytes in to `destination`.
    func copy(from offset: Int, length: Int, to destination: UnsafeMutableRawPointer) {
        precondition(offset >= 0 && length >= 0 && offset + length <= count, "ByteRing copy beyond count")
        guard length > 0, let base = storage else { return }
        let start = (head + offset) % capacity
        let first = min(length, capacity - start)
        destination.copyMemory(from: base + start, byteCount: first)
        if first < length {
            (destination + first).copyMemory(from: base, byteCount: length - first)
        }
    }

    /// Copies up to `destination.count` bytes from the start and consumes them.
    mutating func read(into destination: UnsafeMutableRawBufferPointer) -> Int {
        let n = min(count, destination.count)
        guard n > 0, let target = destination.baseAddress else { return 0 }
        copy(from: 0, length: n, to: target)
        consume(n)
        return n
    }
}
