/// Buffers of one size that connections have given back, kept for the next connections.
///
/// A busy server opens and closes connections by the thousand each second, and each
/// wants a send and a receive buffer. Allocating and freeing them every time costs a
/// mapping, an unmapping and fresh page faults per buffer (the daemon has malloc map large
/// blocks on their own so that freed memory leaves the process). Reusing the buffers of
/// connections that just ended skips all three. To keep an idle host small, blocks that
/// sat unused through a whole trim interval are freed (`trim`).
final class BufferPool {
    /// Bytes per block; only rings of exactly this capacity use the pool.
    let blockSize: Int
    /// Most blocks kept at once; more are freed at once.
    let limit: Int
    private var blocks: [UnsafeMutableRawPointer] = []
    /// The fewest blocks the pool held since the last trim: that many sat unused throughout.
    private var lowWater = 0

    init(blockSize: Int, limit: Int) {
        self.blockSize = blockSize
        self.limit = max(0, limit)
        blocks.reserveCapacity(self.limit)
    }

    deinit {
        for block in blocks { block.deallocate() }
    }

    /// Blocks waiting for reuse.
    var count: Int { blocks.count }

    /// A block of `blockSize` bytes, reused when one is free. Its contents are whatever the
    /// previous owner left: a ring only ever reads bytes it wrote.
    func take() -> UnsafeMutableRawPointer {
        if let block = blocks.popLast() {
            lowWater = min(lowWater, blocks.count)
            return block
        }
        return UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 16)
    }

    /// Takes back a block that `take` handed out.
    func give(_ block: UnsafeMutableRawPointer) {
        if blocks.count < limit {
            blocks.append(block)
        } else {
            block.deallocate()
        }
    }

    /// Frees the blocks nobody took since the previous trim. Called once per interval, it
    /// keeps what steady traffic reuses and lets an idle host shrink within two intervals.
    func trim() {
        let unused = min(lowWater, blocks.count)
        for _ in 0..<unused { blocks.removeLast().deallocate() }
        lowWater = blocks.count
    }
}
