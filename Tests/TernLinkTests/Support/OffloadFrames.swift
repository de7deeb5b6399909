import TernLink
import TernWire

/// A device that takes offloads and records what it is handed.
final class OffloadRecorder: LinkDevice {
    let name = "recorder"
    let mtu = 1500
    let maximumFrameSize = 65535 + 14
    var fileDescriptor: Int32? { nil }
    var supportsOffload: Bool { true }
    var sent: [(frame: [UInt8], offload: VirtioNetHeader?)] = []
    /// Frames to deliver on the next receive, with the segment size a TAP reports for a
    /// super-segment from the kernel (0 for an ordinary frame).
    var incoming: [(frame: [UInt8], segmentSize: Int)] = []

    func receive(into batch: inout FrameBatch) throws(SystemError) -> Int {
        batch.removeAll()
        for item in incoming {
            guard let buffer = batch.nextBuffer, item.frame.count <= buffer.count else { break }
            item.frame.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[0..<$0.count]).copyMemory(from: $0) }
            batch.commitNext(length: item.frame.count, segmentSize: item.segmentSize)
        }
        incoming.removeAll()
        return batch.count
    }
    func transmit(_ frame: UnsafeRawBufferPointer) throws(SystemError) { sent.append((Array(frame), nil)) }
    func transmit(_ frame: UnsafeMutableRawBufferPointer, offload: VirtioNetHeader) throws(SystemError) {
        sent.append((Array(UnsafeRawBufferPointer(frame)), offload))
    }
    func close() {}

    /// Every wire frame the kernel would make of what was sent.
    func wireFrames() -> [[UInt8]] {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { scratch.deallocate() }
        var frames: [[UInt8]] = []
        for var item in sent {
            guard let offload = item.offload else {
                frames.append(item.frame)
                continue
            }
            item.frame.withUnsafeMutableBytes { buffer in
                SoftwareOffload.wireFrames(of: UnsafeRawBufferPointer(buffer), offload, scratch: scratch) { frames.append(Array($0)) }
            }
        }
        return frames
    }
}

/// A TCP/IPv4 super-segment of `pieces` × 1000 payload bytes, checksum left to the link.
func superSegment(pieces: Int) -> (frame: [UInt8], offload: VirtioNetHeader) {
    let payload = (0..<pieces * 1000).map { UInt8(truncatingIfNeeded: $0 / 1000 + 1) }
    let headers = 14 + 20 + 20
    var frame = [UInt8](repeating: 0, count: headers + payload.count)
    frame.withUnsafeMutableBytes { buffer in
        _ = try? EthernetHeader(destination: MACAddress(2, 0, 0, 0, 0, 1), source: MACAddress(2, 0, 0, 0, 0, 2),
                                etherType: .ipv4).write(to: buffer)
        let ip = UnsafeMutableRawBufferPointer(rebasing: buffer[14...])
        payload.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: ip[40...]).copyMemory(from: $0) }
        let source = IPv4Address(10, 0, 0, 2), destination = IPv4Address(10, 0, 0, 1)
        _ = try? TCPHeader(sourcePort: 19, destinationPort: 40000, sequenceNumber: SequenceNumber(5000),
                           acknowledgmentNumber: SequenceNumber(1), flags: [.ack, .psh], window: 100)
            .write(to: UnsafeMutableRawBufferPointer(rebasing: ip[20...]), payloadLength: payload.count,
                   source: source, destination: destination, checksumLeftToLink: true)
        _ = try? IPv4Header(totalLength: UInt16(20 + 20 + payload.count), identification: 7, flags: .dontFragment,
                            timeToLive: 64, protocol: .tcp, source: source, destination: destination).write(to: ip)
    }
    return (frame, VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: VirtioNetHeader.gsoTCPv4,
                                   headerLength: 54, segmentSize: 1000, checksumStart: 34, checksumOffset: 16))
}

/// The same over IPv6: a TCP/IPv6 super-segment of `pieces` × 1000 payload bytes (piece k
/// filled with the byte k+1), checksum left to the link, with the TCPv6 request.
func superSegmentIPv6(pieces: Int) -> (frame: [UInt8], offload: VirtioNetHeader) {
    let payload = (0..<pieces * 1000).map { UInt8(truncatingIfNeeded: $0 / 1000 + 1) }
    let headers = 14 + 40 + 20
    var frame = [UInt8](repeating: 0, count: headers + payload.count)
    frame.withUnsafeMutableBytes { buffer in
        _ = try? EthernetHeader(destination: MACAddress(2, 0, 0, 0, 0, 1), source: MACAddress(2, 0, 0, 0, 0, 2),
                                etherType: .ipv6).write(to: buffer)
        let ip = UnsafeMutableRawBufferPointer(rebasing: buffer[14...])
        payload.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: ip[60...]).copyMemory(from: $0) }
        let source = IPv6Address("fd00::2")!, destination = IPv6Address("fd00::1")!
        _ = try? TCPHeader(sourcePort: 19, destinationPort: 40000, sequenceNumber: SequenceNumber(5000),
                           acknowledgmentNumber: SequenceNumber(1), flags: [.ack, .psh], window: 100)
            .write(to: UnsafeMutableRawBufferPointer(rebasing: ip[40...]), payloadLength: payload.count,
                   source: source, destination: destination, checksumLeftToLink: true)
        _ = try? IPv6Header(payloadLength: UInt16(20 + payload.count), nextHeader: .tcp, hopLimit: 64,
                            source: source, destination: destination).write(to: ip)
    }
    return (frame, VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: VirtioNetHeader.gsoTCPv6,
                                   headerLength: 74, segmentSize: 1000, checksumStart: 54, checksumOffset: 16))
}
