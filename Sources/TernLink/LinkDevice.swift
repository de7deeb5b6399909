import TernWire

/// A source and sink of Ethernet frames: a TAP device, a packet socket, one end of an
/// in-memory link, or middleware (capture, fault injection) wrapped around any of them.
///
/// Devices never block. The caller owns the receive buffers (a `FrameBatch`) and reuses
/// them, so the hot path allocates nothing.
///
/// Receive until `receive(into:)` returns 0 before waiting for the device to become readable
/// again: middleware may hold frames that its file descriptor does not announce.
public protocol LinkDevice: AnyObject {
    /// A name for logs and errors: the interface name for kernel devices.
    var name: String { get }

    /// The link MTU: the largest Ethernet payload in bytes.
    var mtu: Int { get }

    /// The largest frame, Ethernet header included, the device delivers or accepts. Size
    /// receive buffers with it (`makeBatch` does).
    var maximumFrameSize: Int { get }

    /// A descriptor that polls readable when frames are waiting, or nil for devices that
    /// have none (the in-memory link).
    var fileDescriptor: Int32? { get }

    /// Empties `batch`, then fills it with the frames waiting, up to its capacity.
    ///
    /// Returns how many frames it holds now: 0 when nothing is waiting. A frame longer than
    /// `batch.bufferSize` is dropped (or, on a TAP device, cut short by the kernel).
    func receive(into batch: inout FrameBatch) throws(SystemError) -> Int

    /// Hands the frames waiting, up to `batch.capacity` of them, to `body` one at a time,
    /// and returns how many it handed over: 0 when nothing is waiting. Each frame is valid
    /// only until `body` returns for it.
    ///
    /// A device that receives into memory it shares with the kernel (a packet socket's
    /// ring) hands the frames over where they lie; the others receive into `batch` first.
    func receive(using batch: inout FrameBatch, _ body: (UnsafeRawBufferPointer) -> Void) throws(SystemError) -> Int

    /// Sends one frame (Ethernet header included, no FCS).
    ///
    /// A `SystemError` whose `isTransient` is true means the frame was not sent but the
    /// device still works, like a loss on the wire.
    func transmit(_ frame: UnsafeRawBufferPointer) throws(SystemError)

    /// Whether `transmit(_:offload:)` hands checksum and TCP segmentation work to the
    /// kernel (a TAP opened for offloads). Other devices do that work in software.
    var supportsOffload: Bool { get }

    /// Sends a frame that still needs the work `offload` describes: a checksum to finish,
    /// a TCP super-segment to cut up. The frame's bytes are left as they are (work done in
    /// software happens in a buffer of the device's own), so middleware such as a capture
    /// can still read them after the send.
    func transmit(_ frame: UnsafeMutableRawBufferPointer, offload: VirtioNetHeader) throws(SystemError)

    /// Sends the frames `transmit` queued instead of sending at once (a packet socket that
    /// batches its transmissions). Call it once the frames of a round of work are handed
    /// over, before waiting for input. Frames the device refuses are lost, like frames
    /// whose `transmit` fails; the first refusal is thrown.
    func sendPending() throws(SystemError)

    /// Releases the device (and, for middleware, the device it wraps). Further calls fail
    /// with EBADF. Closing twice is harmless.
    func close()
}

extension LinkDevice {
    public var supportsOffload: Bool { false }

    /// Receives into `batch`, then hands each frame over.
    public func receive(using batch: inout FrameBatch,
                        _ body: (UnsafeRawBufferPointer) -> Void) throws(SystemError) -> Int {
        let count = try receive(into: &batch)
        for index in 0..<count { body(batch[index]) }
        return count
    }

    /// Nothing is ever queued: `transmit` sends at once.
    public func sendPending() throws(SystemError) {}

    /// Does the offload work in software, then sends the resulting frames one by one.
    public func transmit(_ frame: UnsafeMutableRawBufferPointer, offload: VirtioNetHeader) throws(SystemError) {
        if offload == .none {
            try transmit(UnsafeRawBufferPointer(frame))
            return
        }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(maximumFrameSize, 1514), alignment: 16)
        defer { scratch.deallocate() }
        var failure: SystemError?
        SoftwareOffload.wireFrames(of: UnsafeRawBufferPointer(frame), offload, scratch: scratch) { piece in
            guard failure == nil else { return }
            do throws(SystemError) { try transmit(piece) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// A batch of `capacity` buffers, each large enough for this device's largest frame.
    public func makeBatch(capacity: Int = 64) -> FrameBatch {
        FrameBatch(capacity: capacity, bufferSize: maximumFrameSize)
    }

    /// Sends one frame held in an array (convenient in tests and tools; the hot path passes
    /// buffer views instead).
    public func transmit(bytes: [UInt8]) throws(SystemError) {
        try withBytes(of: bytes) { (frame) throws(SystemError) in try transmit(frame) }
    }
}

/// The largest frame for `mtu`: the payload plus the Ethernet header.
@inline(__always)
func frameSize(forMTU mtu: Int) -> Int {
    mtu + EthernetHeader.size
}

/// MTUs Tern accepts: IPv4's minimum (RFC 791) up to the largest IPv4 datagram.
let acceptedMTUs = 68...65535
