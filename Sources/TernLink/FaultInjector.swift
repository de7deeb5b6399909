import TernWire

/// Middleware that makes a link lossy, for testing: it wraps any `LinkDevice` and drops,
/// duplicates, reorders and corrupts frames with the probabilities of a `FaultProfile`, in
/// each direction separately.
///
/// Every decision comes from a xoshiro256** generator seeded from `seed` (one stream per
/// direction), so the same seed and the same traffic give the same faults on every run.
///
/// Per frame, in order: drop (nothing else happens); corrupt (one random bit after the
/// Ethernet header flips); reorder (when no frame is held back already, this one is, and it
/// follows the next frame that passes); duplicate (the frame passes twice). A held frame
/// stays held until another frame passes in its direction.
public final class FaultInjector: LinkDevice {
    /// The device being made lossy.
    public let device: any LinkDevice
    /// Faults applied to frames received from `device`.
    public let inboundProfile: FaultProfile
    /// Faults applied to frames transmitted to `device`.
    public let outboundProfile: FaultProfile

    public var name: String { device.name }
    public var mtu: Int { device.mtu }
    public var maximumFrameSize: Int { device.maximumFrameSize }
    public var fileDescriptor: Int32? { device.fileDescriptor }

    /// What was done to received frames.
    public var inboundCounters: FaultCounters { inbound.counters }
    /// What was done to transmitted frames.
    public var outboundCounters: FaultCounters { outbound.counters }

    private let inbound: FaultDirection
    private let outbound: FaultDirection
    /// Frames from the device as received; rebuilt if the caller's batch changes shape.
    private var scratch: FrameBatch
    /// Received frames that did not fit in the caller's batch (duplicates, released frames).
    private let pending: FrameQueue

    /// Wraps `device` with separate faults for each direction.
    public init(wrapping device: any LinkDevice, inbound: FaultProfile, outbound: FaultProfile, seed: UInt64) {
        self.device = device
        inboundProfile = inbound
        outboundProfile = outbound
        // Distinct, fixed derivations keep the two streams independent of each other's traffic.
        self.inbound = FaultDirection(profile: inbound, seed: seed, frameSize: device.maximumFrameSize)
        self.outbound = FaultDirection(profile: outbound, seed: seed ^ 0x6F75_7462_6F75_6E64,
                                       frameSize: device.maximumFrameSize)
        scratch = FrameBatch(capacity: 64, bufferSize: device.maximumFrameSize)
        pending = FrameQueue(limit: 1 << 14, bufferSizeHint: device.maximumFrameSize)
    }

    /// Wraps `device` with the same faults in both directions.
    public convenience init(wrapping device: any LinkDevice, profile: FaultProfile, seed: UInt64) {
        self.init(wrapping: device, inbound: profile, outbound: profile, seed: seed)
    }

    public func receive(into batch: inout FrameBatch) throws(SystemError) -> Int {
        batch.removeAll()
        while !batch.isFull, let frame = pending.first {
            if !batch.append(copying: frame) { inbound.counters.dropped += 1 }
            pending.removeFirst()
        }
        guard !batch.isFull else { return batch.count }

        if scratch.capacity != batch.capacity || scratch.bufferSize != batch.bufferSize {
            scratch = FrameBatch(capacity: batch.capacity, bufferSize: batch.bufferSize)
        }
        // Returning 0 must mean the device has nothing more, so when every frame of a
        // round was dropped or held back, take another round.
        repeat {
            let received = try device.receive(into: &scratch)
            if received == 0 { break }
            for i in 0..<received {
                inbound.process(scratch[i]) { frame in
                    // Once anything waits in `pending`, later frames queue behind it to keep order.
                    if pending.isEmpty && batch.append(copying: frame) { return }
                    if !pending.append(frame) { inbound.counters.dropped += 1 }
                }
            }
        } while batch.isEmpty
        return batch.count
    }

    public func transmit(_ frame: UnsafeRawBufferPointer) throws(SystemError) {
        let device = self.device
        try outbound.process(frame) { frame throws(SystemError) in
            try device.transmit(frame)
        }
    }

    /// Offloads pass through when the device has them: see `transmit(_:offload:)`.
    public var supportsOffload: Bool { device.supportsOffload }

    /// Each wire frame the link will cut from a super-segment meets its own fate, as if the
    /// link had sent it: the pieces that pass untouched go on together, still as a
    /// super-segment, and the others are finished in software and then dropped, corrupted,
    /// held back or duplicated. So a lossy link keeps the speed of offloads.
    public func transmit(_ frame: UnsafeMutableRawBufferPointer, offload: VirtioNetHeader) throws(SystemError) {
        let device = self.device
        guard !outboundProfile.isNone else {
            try device.transmit(frame, offload: offload)
            return
        }
        let whole = UnsafeRawBufferPointer(frame)
        let scratch = offloadScratch
        guard let layout = SoftwareOffload.superSegment(whole, offload) else {
            let fate = outbound.drawFate(length: frame.count)
            if case .pass = fate {
                try device.transmit(frame, offload: offload)
                try outbound.releaseHeld { (late) throws(SystemError) in try device.transmit(late) }
                return
            }
            // Finished in the scratch buffer: the caller's frame stays as it was handed over.
            var finished: UnsafeRawBufferPointer?
            SoftwareOffload.wireFrames(of: whole, offload, scratch: scratch) { finished = $0 }
            try outbound.deliver(finished ?? whole, fate: fate) { (piece) throws(SystemError) in try device.transmit(piece) }
            return
        }
        var runStart: Int?
        func flush(upTo end: Int) throws(SystemError) {
            guard let start = runStart else { return }
            runStart = nil
            guard let run = SoftwareOffload.write(pieces: start..<end, of: whole, layout: layout, into: scratch,
                                                  finish: false) else { return }
            try device.transmit(run.frame, offload: run.header)
            try outbound.releaseHeld { (late) throws(SystemError) in try device.transmit(late) }
        }
        for piece in 0..<layout.pieceCount {
            let fate = outbound.drawFate(length: layout.headerLength + layout.segmentSize)
            if case .pass = fate {
                if runStart == nil { runStart = piece }
                continue
            }
            try flush(upTo: piece)
            guard let finished = SoftwareOffload.write(pieces: piece..<piece + 1, of: whole, layout: layout,
                                                       into: scratch, finish: true) else { continue }
            try outbound.deliver(UnsafeRawBufferPointer(finished.frame), fate: fate) { (out) throws(SystemError) in
                try device.transmit(out)
            }
        }
        try flush(upTo: layout.pieceCount)
    }

    /// Where pieces of super-segments are cut.
    private let offloadScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536 + 64, alignment: 16)

    deinit {
        offloadScratch.deallocate()
    }

    /// The wrapped device sends what it queued.
    public func sendPending() throws(SystemError) {
        try device.sendPending()
    }

    /// Closes the wrapped device and forgets held and pending frames.
    public func close() {
        pending.removeAll()
        inbound.held.removeAll()
        outbound.held.removeAll()
        device.close()
    }
}

/// The fault state of one direction: its generator, its counters and the frame it holds back.
private final class FaultDirection {
    let profile: FaultProfile
    var generator: SeededRandom
    var counters = FaultCounters()
    let held: FrameQueue
    /// Where a corrupted copy is made, so the sender's frame is never changed.
    private var work: [UInt8]

    init(profile: FaultProfile, seed: UInt64, frameSize: Int) {
        self.profile = profile
        generator = SeededRandom(seed: seed)
        held = FrameQueue(limit: 1, bufferSizeHint: frameSize)
        work = [UInt8](repeating: 0, count: frameSize)
    }

    /// Decides the fate of `frame` and passes what comes out, in order, to `emit`.
    func process<E: Error>(_ frame: UnsafeRawBufferPointer,
                           emit: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
        try deliver(frame, fate: drawFate(length: frame.count), emit: emit)
    }

    /// What happens to one frame.
    enum Fate {
        case pass, drop, corrupt, hold, duplicate
    }

    /// Decides one frame's fate (and counts the frame, and a drop).
    func drawFate(length: Int) -> Fate {
        counters.frames += 1
        if generator.chance(profile.drop) {
            counters.dropped += 1
            return .drop
        }
        if generator.chance(profile.corrupt), length > EthernetHeader.size { return .corrupt }
        if held.isEmpty && generator.chance(profile.reorder) { return .hold }
        if generator.chance(profile.duplicate) { return .duplicate }
        return .pass
    }

    /// Carries out a fate: the frame (and a frame held back before it) goes to `emit`, or not.
    func deliver<E: Error>(_ frame: UnsafeRawBufferPointer, fate: Fate,
                           emit: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
        switch fate {
        case .drop:
            return
        case .corrupt:
            try corrupted(frame) { (frame) throws(E) in try emit(frame) }
        case .hold:
            held.append(frame)
            counters.reordered += 1
            return
        case .duplicate:
            counters.duplicated += 1
            try emit(frame)
            try emit(frame)
        case .pass:
            try emit(frame)
        }
        try releaseHeld(emit: emit)
    }

    /// A frame held back goes out after the one that just passed.
    func releaseHeld<E: Error>(emit: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
        if let late = held.first {
            try emit(late)
            held.removeFirst()
        }
    }

    /// Copies `frame`, flips one bit after the Ethernet header and hands over the copy.
    private func corrupted<E: Error>(_ frame: UnsafeRawBufferPointer,
                                     _ body: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
        if work.count < frame.count {
            work = [UInt8](repeating: 0, count: frame.count)
        }
        let bits = UInt64(frame.count - EthernetHeader.size) * 8
        let bit = Int(generator.nextValue(below: bits)) + EthernetHeader.size * 8
        counters.corrupted += 1
        let result: Result<Void, E> = work.withUnsafeMutableBytes { buffer in
            let copy = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<frame.count])
            copy.copyMemory(from: frame)
            copy[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
            do throws(E) {
                try body(UnsafeRawBufferPointer(copy))
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }
}
