import CShims
import Glibc

/// The receive ring of a packet socket (PACKET_MMAP, TPACKET_V2): memory shared with the
/// kernel, which writes each frame it receives into the next free slot, so reading frames
/// takes neither a system call nor a copy.
///
/// The slots are walked in order. A slot is ours while its status says so; `take()` hands
/// out the frame in it and `releaseTaken()` gives every slot taken so far back to the
/// kernel. Whatever the kernel wrote is checked before it is read: a slot whose offsets or
/// lengths would reach outside the slot is counted and skipped.
final class PacketReceiveRing {
    /// What the next slot held.
    enum Slot {
        /// A frame received from the wire: its bytes (writable, to finish a checksum) and
        /// the virtio-net header the kernel put before it.
        case frame(UnsafeMutableRawBufferPointer, checksum: ChecksumWork?)
        /// A frame this host sent (seen only if the kernel ignores PACKET_IGNORE_OUTGOING).
        case outgoing
        /// A frame longer than a slot: the kernel kept only its start.
        case truncated
        /// A slot whose header does not describe a frame inside the slot.
        case malformed
    }

    /// A checksum the sending host left unfinished: the field at `start + offset` holds
    /// the pseudo-header sum, and the sum from `start` to the end of the frame belongs there.
    struct ChecksumWork {
        let start: Int
        let offset: Int
    }

    /// Size of each slot in bytes.
    let slotSize: Int
    /// How many slots the ring has.
    let slotCount: Int
    private let base: UnsafeMutableRawPointer
    private let length: Int
    /// The slot `take()` looks at next.
    private var next = 0
    /// How many slots before `next` are taken and not yet released.
    private var taken = 0

    /// The virtio-net header: flags (1 = checksum needed) at 0, csum_start at 6,
    /// csum_offset at 8, 10 bytes in all.
    private static let virtioHeaderSize = 10
    private static let virtioNeedsChecksum: UInt8 = 1

    /// The slot size for frames of up to `maximumFrameSize` bytes: room for the frame,
    /// the headers the kernel puts before it, and alignment, rounded up to a power of two.
    static func slotSize(forFrameSize maximumFrameSize: Int) -> Int {
        var size = 2048
        while size < maximumFrameSize + 128 { size *= 2 }
        return size
    }

    /// Maps a ring of about `bytes` bytes (at least 16 slots) on the packet socket
    /// `descriptor`, which must not have one yet.
    init(descriptor: Int32, maximumFrameSize: Int, bytes: Int, interface: String) throws(SystemError) {
        let slot = PacketReceiveRing.slotSize(forFrameSize: maximumFrameSize)
        let block = max(slot, Int(getpagesize()))
        let slotsPerBlock = block / slot
        let blocks = max((16 + slotsPerBlock - 1) / slotsPerBlock, bytes / block)
        var mapped: UnsafeMutableRawPointer?
        var mappedLength = 0
        var step: UnsafePointer<CChar>?
        let result = tern_packet_socket_map_ring(descriptor, UInt32(block), UInt32(slot),
                                                 UInt32(blocks * slotsPerBlock), &mapped, &mappedLength, &step)
        guard result == 0, let mapped else {
            throw SystemError(code: -result, operation: "interface \(interface): packet socket \(stepName(step))",
                              subject: .packetSocket)
        }
        base = mapped
        length = mappedLength
        slotSize = slot
        slotCount = blocks * slotsPerBlock
    }

    deinit {
        tern_packet_socket_unmap_ring(base, length)
    }

    /// The next slot, if the kernel has handed it over; it stays ours (and its frame
    /// valid) until `releaseTaken()`. Nil when the kernel is still to fill it, or when
    /// every slot is taken.
    func take() -> Slot? {
        guard taken < slotCount else { return nil }
        let slot = base + next * slotSize
        let status = tern_ring_slot_status(slot)
        guard status & TERN_RING_STATUS_USER != 0 else { return nil }
        next = next + 1 == slotCount ? 0 : next + 1
        taken += 1
        return PacketReceiveRing.read(slot, size: slotSize)
    }

    /// Gives every taken slot back to the kernel, oldest first.
    func releaseTaken() {
        var index = next
        while taken > 0 {
            index = index == 0 ? slotCount - 1 : index - 1
            tern_ring_slot_release(base + index * slotSize)
            taken -= 1
        }
    }

    /// Reads the slot at `slot` after checking that what its header says lies inside it.
    private static func read(_ slot: UnsafeMutableRawPointer, size: Int) -> Slot {
        let frameLength = Int(slot.loadUnaligned(fromByteOffset: Int(TERN_RING_LENGTH_OFFSET), as: UInt32.self))
        let captured = Int(slot.loadUnaligned(fromByteOffset: Int(TERN_RING_SNAPLEN_OFFSET), as: UInt32.self))
        let start = Int(slot.loadUnaligned(fromByteOffset: Int(TERN_RING_MAC_OFFSET), as: UInt16.self))
        guard start >= Int(TERN_RING_HEADER_SIZE) + virtioHeaderSize, captured <= size - start else {
            return .malformed
        }
        if slot.load(fromByteOffset: Int(TERN_RING_PACKET_TYPE_OFFSET), as: UInt8.self)
            == UInt8(TERN_RING_PACKET_OUTGOING) {
            return .outgoing
        }
        guard captured >= frameLength else { return .truncated }
        let virtio = slot + start - virtioHeaderSize
        var checksum: ChecksumWork?
        if virtio.load(as: UInt8.self) & virtioNeedsChecksum != 0 {
            checksum = ChecksumWork(start: Int(virtio.loadUnaligned(fromByteOffset: 6, as: UInt16.self)),
                                    offset: Int(virtio.loadUnaligned(fromByteOffset: 8, as: UInt16.self)))
        }
        return .frame(UnsafeMutableRawBufferPointer(start: slot + start, count: frameLength), checksum: checksum)
    }
}
