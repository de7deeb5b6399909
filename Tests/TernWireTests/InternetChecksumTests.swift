import Testing
import TernWire

/// RFC 1071 exactly as the textbooks state it, one big-endian word at a time: the yardstick the
/// fast implementation is measured against.
func referenceChecksum(_ bytes: [UInt8]) -> UInt16 {
    var sum: UInt64 = 0
    var i = 0
    while i + 1 < bytes.count {
        sum += UInt64(bytes[i]) << 8 | UInt64(bytes[i + 1])
        i += 2
    }
    if i < bytes.count { sum += UInt64(bytes[i]) << 8 }
    while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
    return ~UInt16(sum)
}

private func checksum(_ bytes: [UInt8]) -> UInt16 { InternetChecksum.compute(bytes) }

@Suite struct InternetChecksumTests {
    @Test func rfc1071Example() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
        let bytes: [UInt8] = [0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]
        var sum = InternetChecksum()
        bytes.withUnsafeBytes { sum.add($0) }
        #expect(sum.sum16 == 0xDDF2)
        #expect(sum.value == 0x220D)
        #expect(referenceChecksum(bytes) == 0x220D)
    }

    @Test func specPseudoHeaderExample() {
        let source = IPv4Address(255, 0, 255, 1), destination = IPv4Address(127, 255, 0, 1)
        let bytes = InternetChecksum.pseudoHeaderBytes(source: source, destination: destination,
                                                       protocol: .tcp, length: 3490)
        #expect(bytes == [0xFF, 0x00, 0xFF, 0x01, 0x7F, 0xFF, 0x00, 0x01, 0x00, 0x06, 0x0D, 0xA2])
        // The primed accumulator sums exactly those 12 bytes.
        let primed = InternetChecksum.pseudoHeader(source: source, destination: destination,
                                                   protocol: .tcp, length: 3490)
        #expect(primed.value == referenceChecksum(bytes))
        #expect(primed.value == checksum(bytes))
        // ff00 + ff01 + 7fff + 0001 + 0006 + 0da2 = 0x28ba9 → 0x8bab after the carry.
        #expect(primed.sum16 == 0x8BAB)
        #expect(primed.value == 0x7454)
    }

    @Test func oddLengthsPadOnTheRight() {
        #expect(checksum([]) == 0xFFFF)
        #expect(checksum([0xAB]) == 0xFFFF - 0xAB00)
        #expect(checksum([0x01, 0x02, 0x03]) == 0xFFFF - (0x0102 + 0x0300))
        // ffff + ff00 = 0x1feff → 0xff00 after the carry.
        #expect(checksum([0xFF, 0xFF, 0xFF]) == 0xFFFF - 0xFF00)
        // The odd byte is the high byte of its word, not the low one.
        #expect(checksum([0x00, 0x01]) != checksum([0x01]))
    }

    @Test func goldenFramesVerifyToZero() throws {
        var verified = 0
        for frame in GoldenCaptures.all {
            let layers = try FrameLayers(frame.bytes)
            guard let ip = layers.ipv4 else { continue }
            let header = Array(frame.bytes[ip.headerRange])
            #expect(checksum(header) == 0, "\(frame.testDescription) IPv4 header")
            #expect(referenceChecksum(header) == 0)
            if let icmp = layers.icmp {
                #expect(checksum(Array(frame.bytes[icmp.message])) == 0, "\(frame.testDescription) ICMP")
            }
            for (proto, range, field) in [(IPProtocol.tcp, layers.tcp?.segment, layers.tcp?.header.checksum),
                                          (IPProtocol.udp, layers.udp?.datagram, layers.udp?.header.checksum)] {
                guard let range, field != 0 else { continue }
                let data = Array(frame.bytes[range])
                var sum = InternetChecksum.pseudoHeader(source: ip.header.source, destination: ip.header.destination,
                                                        protocol: proto, length: data.count)
                data.withUnsafeBytes { sum.add($0) }
                #expect(sum.value == 0, "\(frame.testDescription) \(proto)")
                let pseudo = InternetChecksum.pseudoHeaderBytes(source: ip.header.source, destination: ip.header.destination,
                                                                protocol: proto, length: data.count)
                #expect(referenceChecksum(pseudo + data) == 0)
            }
            verified += 1
        }
        #expect(verified >= 40)
    }

    @Test func matchesTheReferenceOnRandomData() {
        var random = TestRandom(seed: 1071)
        // Every length up to 300, then some large ones; each at every alignment 0…7.
        let lengths = Array(0...300) + [511, 1024, 1499, 1500, 1501, 4093, 9000, 65535]
        for length in lengths {
            let misalignment = Int.random(in: 0...7, using: &random)
            let buffer = random.bytes(length + misalignment)
            let data = Array(buffer[misalignment...])
            let fast = buffer.withUnsafeBytes { InternetChecksum.compute(UnsafeRawBufferPointer(rebasing: $0[misalignment...])) }
            #expect(fast == referenceChecksum(data), "length \(length), misaligned by \(misalignment)")
        }
    }

    @Test func carryHeavyData() {
        // All-ones data carries out of every add; the folded sum stays 0xffff.
        for length in [1, 2, 3, 16, 17, 1500, 65535, 65536, 200_001] {
            let data = [UInt8](repeating: 0xFF, count: length)
            #expect(checksum(data) == referenceChecksum(data), "length \(length)")
        }
        #expect(checksum([UInt8](repeating: 0xFF, count: 1500)) == 0)
    }

    @Test func chunkedAccumulationEqualsOneShot() {
        var random = TestRandom(seed: 2024)
        for round in 0..<500 {
            let data = random.bytes(Int.random(in: 0...600, using: &random))
            // Random cut points, many of them odd; empty chunks included.
            var cuts = (0..<Int.random(in: 0...8, using: &random)).map { _ in Int.random(in: 0...data.count, using: &random) }
            cuts = ([0] + cuts + [data.count]).sorted()
            var sum = InternetChecksum()
            data.withUnsafeBytes { raw in
                for (a, b) in zip(cuts, cuts.dropFirst()) { sum.add(UnsafeRawBufferPointer(rebasing: raw[a..<b])) }
            }
            #expect(sum.value == referenceChecksum(data), "round \(round), cuts \(cuts)")
        }
    }

    @Test func oneByteAtATimeEqualsOneShot() {
        var random = TestRandom(seed: 7)
        let data = random.bytes(333)
        var sum = InternetChecksum()
        data.withUnsafeBytes { raw in
            for i in raw.indices { sum.add(UnsafeRawBufferPointer(rebasing: raw[i..<i + 1])) }
        }
        #expect(sum.value == referenceChecksum(data))
    }

    @Test func wordsAndAccumulatorsEqualTheirBytes() {
        var random = TestRandom(seed: 99)
        for _ in 0..<200 {
            let a = UInt16.random(in: 0...UInt16.max, using: &random)
            let b = UInt32.random(in: 0...UInt32.max, using: &random)
            let tail = random.bytes(Int.random(in: 0...40, using: &random))
            var words = InternetChecksum()
            words.add(a)
            words.add(b)
            tail.withUnsafeBytes { words.add($0) }
            let bytes: [UInt8] = [UInt8(a >> 8), UInt8(a & 0xFF),
                                  UInt8(b >> 24), UInt8(b >> 16 & 0xFF), UInt8(b >> 8 & 0xFF), UInt8(b & 0xFF)] + tail
            #expect(words.value == referenceChecksum(bytes))

            // An accumulator over an even-length head added to one over the rest.
            let head = random.bytes(2 * Int.random(in: 0...20, using: &random))
            var first = InternetChecksum(), second = InternetChecksum()
            head.withUnsafeBytes { first.add($0) }
            tail.withUnsafeBytes { second.add($0) }
            first.add(second)
            #expect(first.value == referenceChecksum(head + tail))
        }
    }

    @Test func rfc1624Example() {
        // RFC 1624 §4: HC 0xdd2f, a field changes from 0x5555 to 0x3285; the new checksum
        // is 0x0000 (eqn. 3), where the older eqn. 2 gave 0xffff.
        #expect(InternetChecksum.update(0xDD2F, replacing: UInt16(0x5555), with: UInt16(0x3285)) == 0x0000)
    }

    @Test func incrementalUpdateEqualsRecomputation() {
        var random = TestRandom(seed: 1624)
        for round in 0..<2000 {
            var data = random.bytes(2 * Int.random(in: 4...100, using: &random))
            let field = 2 * Int.random(in: 0..<data.count / 2, using: &random)
            func store16(_ value: UInt16, at offset: Int) {
                data[offset] = UInt8(value >> 8)
                data[offset + 1] = UInt8(value & 0xFF)
            }
            func load16(_ offset: Int) -> UInt16 { UInt16(data[offset]) << 8 | UInt16(data[offset + 1]) }
            store16(0, at: field)
            let original = checksum(data)
            store16(original, at: field)
            #expect(checksum(data) == 0)

            // A 16-bit word elsewhere changes.
            var word = 2 * Int.random(in: 0..<data.count / 2, using: &random)
            if word == field { word = (word + 2) % data.count }
            let old = load16(word)
            let new = round % 10 == 0 ? 0xFFFF - old : UInt16.random(in: 0...UInt16.max, using: &random)
            store16(new, at: word)
            let updated = InternetChecksum.update(original, replacing: old, with: new)
            store16(0, at: field)
            #expect(updated == checksum(data), "round \(round)")
            store16(updated, at: field)
            #expect(checksum(data) == 0)
        }
    }

    @Test func incrementalUpdateOfAddresses() throws {
        // Rewrite the source address of every golden TCP/UDP segment, as a NAT would, and
        // patch the transport checksum with the 32-bit update.
        var random = TestRandom(seed: 32)
        var patched = 0
        for frame in GoldenCaptures.all {
            let layers = try FrameLayers(frame.bytes)
            guard let ip = layers.ipv4, let tcp = layers.tcp else { continue }
            let segment = Array(frame.bytes[tcp.segment])
            let newSource = IPv4Address(rawValue: UInt32.random(in: 0...UInt32.max, using: &random))
            let updated = InternetChecksum.update(tcp.header.checksum, replacing: ip.header.source.rawValue,
                                                  with: newSource.rawValue)
            var sum = InternetChecksum.pseudoHeader(source: newSource, destination: ip.header.destination,
                                                    protocol: .tcp, length: segment.count)
            var zeroed = segment
            zeroed[16] = 0
            zeroed[17] = 0
            zeroed.withUnsafeBytes { sum.add($0) }
            #expect(updated == sum.value, "\(frame.testDescription)")
            patched += 1
        }
        #expect(patched >= 20)
    }
}
