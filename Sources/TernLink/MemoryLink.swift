import Glibc
import TernWire

/// An in-memory Ethernet cable for tests: two connected endpoints, each a `LinkDevice`.
///
/// A frame transmitted on one endpoint is received, byte for byte and in order, on the other.
/// Nothing happens behind the caller's back: no threads, no clock, no file descriptor. Each
/// direction queues a bounded number of frames; beyond that, frames are dropped and counted,
/// as a real link would.
///
/// For scripted-peer tests, hand one endpoint to the code under test and drive the other
/// directly, or use `inject`, `waitingFrames` and `receiveAll` to look at and add frames
/// without a peer.
public enum MemoryLink {
    /// Creates two connected endpoints.
    ///
    /// - Parameters:
    ///   - mtu: the link MTU; frames up to `mtu + 14` bytes are carried.
    ///   - queueLimit: how many frames may wait in each direction before more are dropped.
    ///   - names: the endpoints' names.
    public static func makePair(mtu: Int = 1500, queueLimit: Int = 1024,
                                names: (String, String) = ("mem0", "mem1"))
        -> (MemoryLinkEndpoint, MemoryLinkEndpoint)
    {
        let mtu = min(max(mtu, acceptedMTUs.lowerBound), acceptedMTUs.upperBound)
        let size = frameSize(forMTU: mtu)
        let towardFirst = FrameQueue(limit: queueLimit, bufferSizeHint: size)
        let towardSecond = FrameQueue(limit: queueLimit, bufferSizeHint: size)
        let first = MemoryLinkEndpoint(name: names.0, mtu: mtu, inbox: towardFirst, outbox: towardSecond)
        let second = MemoryLinkEndpoint(name: names.1, mtu: mtu, inbox: towardSecond, outbox: towardFirst)
        first.peer = second
        second.peer = first
        return (first, second)
    }
}

/// One end of a `MemoryLink`.
public final class MemoryLinkEndpoint: LinkDevice {
    public let name: String
    public let mtu: Int
    public var maximumFrameSize: Int { frameSize(forMTU: mtu) }
    /// Always nil: poll `waitingCount` instead.
    public var fileDescriptor: Int32? { nil }

    /// Frames that could not be delivered to this endpoint: its queue was full, it was
    /// closed, or a frame was larger than the batch it was received into.
    public private(set) var droppedFrames = 0

    private let inbox: FrameQueue
    private let outbox: FrameQueue
    fileprivate weak var peer: MemoryLinkEndpoint?
    private var isOpen = true

    fileprivate init(name: String, mtu: Int, inbox: FrameQueue, outbox: FrameQueue) {
        self.name = name
        self.mtu = mtu
        self.inbox = inbox
        self.outbox = outbox
    }

    public func receive(into batch: inout FrameBatch) throws(SystemError) -> Int {
        batch.removeAll()
        guard isOpen else { throw closedError("receive") }
        while !batch.isFull, let frame = inbox.first {
            if !batch.append(copying: frame) { droppedFrames += 1 }
            inbox.removeFirst()
        }
        return batch.count
    }

    public func transmit(_ frame: UnsafeRawBufferPointer) throws(SystemError) {
        guard isOpen else { throw closedError("transmit") }
        guard frame.count <= maximumFrameSize else {
            throw SystemError(code: EMSGSIZE,
                              operation: "\(name): cannot send a frame of \(frame.count) bytes (at most \(maximumFrameSize))",
                              subject: .other)
        }
        guard let peer, peer.isOpen else { return }
        if !outbox.append(frame) { peer.droppedFrames += 1 }
    }

    public func close() {
        isOpen = false
        inbox.removeAll()
    }

    // MARK: - Inspection and injection for scripted tests

    /// How many frames are waiting to be received on this endpoint.
    public var waitingCount: Int { inbox.count }

    /// Puts `frame` in this endpoint's queue as if the peer had sent it. Returns false (and
    /// counts a drop) when the queue is full or the endpoint closed.
    @discardableResult
    public func inject(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard isOpen, inbox.append(frame) else {
            droppedFrames += 1
            return false
        }
        return true
    }

    /// Puts `bytes` in this endpoint's queue as if the peer had sent them.
    @discardableResult
    public func inject(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { inject($0) }
    }

    /// Copies of the frames waiting on this endpoint, oldest first; they stay queued.
    public func waitingFrames() -> [[UInt8]] {
        (0..<inbox.count).map { Array(inbox.frame(at: $0)) }
    }

    /// Removes and returns every frame waiting on this endpoint, oldest first.
    public func receiveAll() -> [[UInt8]] {
        var frames: [[UInt8]] = []
        frames.reserveCapacity(inbox.count)
        while let frame = inbox.first {
            frames.append(Array(frame))
            inbox.removeFirst()
        }
        return frames
    }

    private func closedError(_ what: String) -> SystemError {
        SystemError(code: EBADF, operation: "\(name): cannot \(what), the link end is closed")
    }
}
