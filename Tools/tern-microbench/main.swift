// tern-microbench: how fast the TernWire hot paths run on this machine.
//
//   swift build -c release --product tern-microbench && .build/release/tern-microbench [--quick]
//
// Reports the Internet checksum's throughput over 1500-byte buffers and the cost of taking a
// TCP frame apart layer by layer (Ethernet → IPv4 → TCP + options), with checksum
// verification timed on its own. Each figure is the best of several timed rounds on a
// monotonic clock, after a warm-up; inputs are generated at run time and every result feeds
// a value printed at the end, so the optimiser can neither precompute nor drop the work.

import Glibc
import TernWire

// MARK: - Measurement

/// Seconds on the monotonic clock.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Returns its argument through a call the optimiser cannot see into.
@_optimize(none) @inline(never)
func opaque<T>(_ value: T) -> T { value }

/// Everything measured is folded in here and printed, so no work is dead code.
nonisolated(unsafe) var sink: UInt64 = 0

struct Timing {
    /// Seconds per operation in each round.
    var rounds: [Double]
    var best: Double { rounds.min() ?? .nan }
    var median: Double { rounds.sorted()[rounds.count / 2] }
}

/// Runs `body` (which performs `operations` operations) once to warm up, then `rounds` times.
func measure(rounds: Int, operations: Int, _ body: () -> UInt64) -> Timing {
    sink &+= body()
    var result: [Double] = []
    for _ in 0..<rounds {
        let start = now()
        sink &+= body()
        result.append((now() - start) / Double(operations))
    }
    return Timing(rounds: result)
}

// MARK: - Inputs

/// A small deterministic generator, seeded from the clock so inputs are unknown at compile time.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
}

/// An Ethernet frame holding a TCP segment with `options` and `payloadLength` bytes of data,
/// built with TernWire's writers (so every checksum is correct).
func tcpFrame(options: TCPOptions, payloadLength: Int, sequence: UInt32, random: inout SplitMix64) -> [UInt8] {
    let tcpHeaderLength = 20 + options.encodedLength
    let ipLength = 20 + tcpHeaderLength + payloadLength
    var frame = [UInt8](repeating: 0, count: 14 + ipLength)
    for i in (14 + 20 + tcpHeaderLength)..<frame.count { frame[i] = random.byte() }
    let source = IPv4Address(192, 0, 2, 1), destination = IPv4Address(192, 0, 2, 2)
    do {
        try frame.withUnsafeMutableBytes { raw in
            let ethernet = EthernetHeader(destination: MACAddress(0x02, 0x54, 0x45, 0x52, 0x4E, 0x02),
                                          source: MACAddress(0x02, 0x54, 0x45, 0x52, 0x4E, 0x01), etherType: .ipv4)
            _ = try ethernet.write(to: raw)
            let ip = IPv4Header(totalLength: UInt16(ipLength), identification: UInt16(truncatingIfNeeded: sequence),
                                flags: .dontFragment, timeToLive: 64, protocol: .tcp,
                                source: source, destination: destination)
            _ = try ip.write(to: UnsafeMutableRawBufferPointer(rebasing: raw[14...]))
            let segment = UnsafeMutableRawBufferPointer(rebasing: raw[34...])
            _ = try options.write(to: UnsafeMutableRawBufferPointer(rebasing: segment[20..<tcpHeaderLength]))
            let tcp = TCPHeader(sourcePort: 48618, destinationPort: 8080, sequenceNumber: SequenceNumber(sequence),
                                acknowledgmentNumber: SequenceNumber(sequence &* 7), headerLength: tcpHeaderLength,
                                flags: payloadLength == 0 ? .syn : [.psh, .ack], window: 502)
            _ = try tcp.write(to: segment, payloadLength: payloadLength, source: source, destination: destination)
        }
    } catch {
        fatalError("tern-microbench: cannot build the test frame: \(error)")
    }
    return frame
}

// MARK: - The benchmarks

/// Checksum over `count` buffers of `size` bytes starting `misalignment` bytes into each;
/// returns seconds per buffer.
func checksumTiming(size: Int, misalignment: Int, rounds: Int, passes: Int, random: inout SplitMix64) -> Timing {
    let count = 64   // 96 KiB of 1500-byte buffers: they stay in the L2 cache, as a frame being processed would
    var storage = [UInt8](repeating: 0, count: count * (size + 64))
    for i in storage.indices { storage[i] = random.byte() }
    let stride = size + 64
    return storage.withUnsafeBytes { raw in
        return measure(rounds: rounds, operations: passes * count) {
            var acc: UInt64 = 0
            for _ in 0..<passes {
                // An opaque call per pass: the optimiser must assume the bytes changed.
                let base = opaque(raw)
                for b in 0..<count {
                    let start = b * stride + misalignment
                    acc &+= UInt64(InternetChecksum.compute(UnsafeRawBufferPointer(rebasing: base[start..<start + size])))
                }
            }
            return acc
        }
    }
}

/// What a receive path reads from a TCP frame, layer by layer, without checksums.
@inline(__always)
func parseTCPFrame(_ frame: UnsafeRawBufferPointer) -> UInt64 {
    do {
        let ethernet = try EthernetHeader.parse(frame)
        guard ethernet.header.etherType == .ipv4 else { return 1 }
        let ip = try IPv4Header.parse(ethernet.payload)
        guard ip.header.protocol == .tcp, !ip.header.isFragment else { return 2 }
        let segment = try TCPHeader.parse(ip.payload)
        let options = try segment.parseOptions()
        return UInt64(segment.header.sequenceNumber.rawValue) &+ UInt64(segment.header.acknowledgmentNumber.rawValue)
            &+ UInt64(options.timestamps?.value ?? 0) &+ UInt64(options.maximumSegmentSize ?? 0)
            &+ UInt64(options.windowScale ?? 0) &+ UInt64(segment.payload.count) &+ UInt64(ip.header.source.rawValue)
            &+ UInt64(ethernet.header.source.rawValue) &+ UInt64(segment.header.window)
    } catch {
        return 3
    }
}

/// Verifying both checksums of a TCP frame (IPv4 header, TCP with pseudo-header).
@inline(__always)
func verifyTCPFrame(_ frame: UnsafeRawBufferPointer) -> UInt64 {
    guard let ethernet = try? EthernetHeader.parse(frame), let ip = try? IPv4Header.parse(ethernet.payload),
          let segment = try? TCPHeader.parse(ip.payload) else { return 3 }
    let header = ip.isChecksumValid ? 1 : 0
    let tcp = segment.isChecksumValid(source: ip.header.source, destination: ip.header.destination) ? 2 : 0
    return UInt64(header | tcp)
}

/// Seconds per frame for `body` over `frames`, visited in turn.
func frameTiming(_ frames: [[UInt8]], rounds: Int, passes: Int, _ body: (UnsafeRawBufferPointer) -> UInt64) -> Timing {
    // One contiguous block with each frame at a 64-byte-aligned offset, as in a receive ring.
    let slot = ((frames.map(\.count).max() ?? 0) + 63) & ~63
    var storage = [UInt8](repeating: 0, count: slot * frames.count)
    for (i, f) in frames.enumerated() { storage.replaceSubrange(i * slot..<i * slot + f.count, with: f) }
    let lengths = frames.map(\.count)
    return storage.withUnsafeBytes { raw in
        return measure(rounds: rounds, operations: passes * frames.count) {
            var acc: UInt64 = 0
            for _ in 0..<passes {
                let base = opaque(raw)
                for (i, length) in lengths.enumerated() {
                    acc &+= body(UnsafeRawBufferPointer(rebasing: base[i * slot..<i * slot + length]))
                }
            }
            return acc
        }
    }
}

// MARK: - Main

let arguments = CommandLine.arguments.dropFirst()
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
    usage: tern-microbench [--quick]
      Measures the TernWire checksum (GB/s over 1500-byte buffers) and the cost of parsing a TCP
      frame through every layer (ns). Build with -c release. --quick runs fewer rounds.
    """)
    exit(0)
}
let quick = arguments.contains("--quick")
let rounds = quick ? 3 : 9
let scale = quick ? 1 : 4

#if DEBUG
print("warning: this is a debug build; the figures mean nothing. Use swift build -c release.")
#endif

var random = SplitMix64(state: UInt64(now() * 1e9))

let syn = TCPOptions(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true,
                     timestamps: TCPTimestamps(value: 1_863_401_750, echoReply: 0))
let data = TCPOptions(timestamps: TCPTimestamps(value: 1_863_401_752, echoReply: 2_135_625_144))
var sack = data
sack.sackBlocks = TCPSACKBlocks([TCPSACKBlock(left: SequenceNumber(4_294_967_101), right: SequenceNumber(4_294_967_201)),
                                 TCPSACKBlock(left: SequenceNumber(5), right: SequenceNumber(105)),
                                 TCPSACKBlock(left: SequenceNumber(205), right: SequenceNumber(305))])
/// 64 frames with different sequence numbers and data.
func frames(_ options: TCPOptions, payload: Int, random: inout SplitMix64) -> [[UInt8]] {
    (0..<64).map { _ in
        tcpFrame(options: options, payloadLength: payload, sequence: UInt32(truncatingIfNeeded: random.next()), random: &random)
    }
}
let synFrames = frames(syn, payload: 0, random: &random)
let dataFrames = frames(data, payload: 1448, random: &random)
let sackFrames = frames(sack, payload: 0, random: &random)

print("tern-microbench: best of \(rounds) rounds (median in brackets)")

let checksumTargetGBps = 10.0
let aligned = checksumTiming(size: 1500, misalignment: 0, rounds: rounds, passes: 2000 * scale, random: &random)
let odd = checksumTiming(size: 1500, misalignment: 1, rounds: rounds, passes: 2000 * scale, random: &random)
func gbps(_ secondsPerBuffer: Double) -> Double { 1500 / secondsPerBuffer / 1e9 }
/// `value` with `digits` decimals (0 or 1).
func fixed(_ value: Double, _ digits: Int = 1) -> String {
    guard value.isFinite else { return "?" }
    if digits == 0 { return String(Int(value.rounded())) }
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}
print("checksum, 1500-byte buffers:               \(fixed(gbps(aligned.best))) GB/s [\(fixed(gbps(aligned.median)))]  (\(fixed(aligned.best * 1e9)) ns per buffer)")
print("checksum, 1500 bytes at an odd address:    \(fixed(gbps(odd.best))) GB/s [\(fixed(gbps(odd.median)))]")

let parseTargetNs = 50.0
let passes = 20_000 * scale
let parseSyn = frameTiming(synFrames, rounds: rounds, passes: passes, parseTCPFrame)
let parseData = frameTiming(dataFrames, rounds: rounds, passes: passes, parseTCPFrame)
let parseSack = frameTiming(sackFrames, rounds: rounds, passes: passes, parseTCPFrame)
let verifySyn = frameTiming(synFrames, rounds: rounds, passes: passes, verifyTCPFrame)
let verifyData = frameTiming(dataFrames, rounds: rounds / 2 + 1, passes: passes / 4, verifyTCPFrame)
let whole = frameTiming(dataFrames, rounds: rounds / 2 + 1, passes: passes / 4) { frame in
    (try? ParsedFrame.parse(frame)) == nil ? 0 : 1
}
func ns(_ t: Timing) -> String { "\(fixed(t.best * 1e9)) ns [\(fixed(t.median * 1e9))]" }
print("parse Ethernet → IPv4 → TCP + TCPOptions.parse, no checksums:")
print("  SYN (MSS, SACK-permitted, timestamps, window scale): \(ns(parseSyn))")
print("  data segment, timestamps, 1448 bytes of data:       \(ns(parseData))")
print("  ACK with timestamps and 3 SACK blocks:              \(ns(parseSack))")
print("verify IPv4 header + TCP checksums (pseudo-header):")
print("  SYN, 40-byte segment:                                \(ns(verifySyn))")
print("  data segment, 1480-byte segment:                     \(ns(verifyData))")
print("ParsedFrame.parse of the data segment (all of the above): \(ns(whole))")

let worstParse = [parseSyn.best, parseData.best, parseSack.best].max()! * 1e9
let checksumMet = gbps(aligned.best) >= checksumTargetGBps
let parseMet = worstParse <= parseTargetNs
print("targets: checksum ≥ \(fixed(checksumTargetGBps, 0)) GB/s \(checksumMet ? "met" : "MISSED"); "
      + "parse ≤ \(fixed(parseTargetNs, 0)) ns \(parseMet ? "met" : "MISSED")   (check value \(sink % 1000))")
exit(checksumMet && parseMet ? 0 : 1)
