import Testing
import TernWire

@Suite struct EthernetRoundTripTests {
    private func randomHeader(_ random: inout TestRandom) -> EthernetHeader {
        EthernetHeader(destination: MACAddress(rawValue: .random(in: 0...0xFFFF_FFFF_FFFF, using: &random)),
                       source: MACAddress(rawValue: .random(in: 0...0xFFFF_FFFF_FFFF, using: &random)),
                       etherType: EtherType(rawValue: .random(in: 0x0600...0xFFFF, using: &random)))
    }

    @Test func buildThenParse() throws {
        var random = TestRandom(seed: 802)
        for _ in 0..<500 {
            let header = randomHeader(&random)
            let payload = random.bytes(Int.random(in: 0...100, using: &random))
            var frame = [UInt8](repeating: 0, count: EthernetHeader.size) + payload
            let written = try frame.withUnsafeMutableBytes { try header.write(to: $0) }
            #expect(written == EthernetHeader.size)
            let (parsed, parsedPayload) = try withBytes(frame) { raw throws(WireError) in
                let f = try EthernetHeader.parse(raw)
                return (f.header, Array(f.payload))
            }
            #expect(parsed == header)
            #expect(parsedPayload == payload)
        }
    }

    @Test func parseThenBuild() throws {
        var random = TestRandom(seed: 803)
        for _ in 0..<500 {
            var bytes = random.bytes(14)
            bytes[12] = max(bytes[12], 0x06)
            let header = try withBytes(bytes) { raw throws(WireError) in try EthernetHeader.parse(raw).header }
            var rebuilt = [UInt8](repeating: 0, count: 14)
            try rebuilt.withUnsafeMutableBytes { _ = try header.write(to: $0) }
            #expect(rebuilt == bytes)
        }
    }

    @Test func rejects() {
        #expect(throws: WireError.truncated) { try ParsedFrame.parse([UInt8](repeating: 0xFF, count: 13)) }
        // A type field below 0x0600 is an 802.3 length.
        var frame = [UInt8](repeating: 0, count: 60)
        frame[12] = 0x05
        frame[13] = 0xDC
        #expect(throws: WireError.unsupported) { try ParsedFrame.parse(frame) }
        var small = [UInt8](repeating: 0, count: 13)
        _ = small.withUnsafeMutableBytes { raw in
            #expect(throws: WireError.bufferTooSmall) {
                try EthernetHeader(destination: .broadcast, source: .zero, etherType: .arp).write(to: raw)
            }
        }
    }

    @Test func etherTypeNames() {
        #expect(EtherType.ipv4.description == "IPv4")
        #expect(EtherType.arp.description == "ARP")
        #expect(EtherType(rawValue: 0x88CC).description == "0x88cc")
    }
}

@Suite struct ARPRoundTripTests {
    private func randomPacket(_ random: inout TestRandom) -> ARPPacket {
        ARPPacket(operation: ARPPacket.Operation(rawValue: .random(in: 0...UInt16.max, using: &random)),
                  senderMAC: MACAddress(rawValue: .random(in: 0...0xFFFF_FFFF_FFFF, using: &random)),
                  senderIP: IPv4Address(rawValue: .random(in: 0...UInt32.max, using: &random)),
                  targetMAC: MACAddress(rawValue: .random(in: 0...0xFFFF_FFFF_FFFF, using: &random)),
                  targetIP: IPv4Address(rawValue: .random(in: 0...UInt32.max, using: &random)))
    }

    @Test func buildThenParseThenBuild() throws {
        var random = TestRandom(seed: 826)
        for _ in 0..<500 {
            let packet = randomPacket(&random)
            var bytes = [UInt8](repeating: 0xEE, count: ARPPacket.size)
            let written = try bytes.withUnsafeMutableBytes { try packet.write(to: $0) }
            #expect(written == 28)
            #expect(Array(bytes[0..<6]) == [0, 1, 0x08, 0x00, 6, 4])
            // Ethernet padding after the 28 bytes is ignored.
            let padded = bytes + random.bytes(18)
            let parsed = try withBytes(padded) { raw throws(WireError) in try ARPPacket.parse(raw) }
            #expect(parsed == packet)
            var again = [UInt8](repeating: 0, count: ARPPacket.size)
            try again.withUnsafeMutableBytes { _ = try parsed.write(to: $0) }
            #expect(again == bytes)
        }
    }

    @Test(arguments: [(0, UInt8(1)), (1, 6), (2, 0x86), (3, 0xDD), (4, 8), (5, 16)])
    func rejectsOtherHardwareOrProtocols(offset: Int, value: UInt8) throws {
        var bytes = [UInt8](repeating: 0, count: 28)
        try bytes.withUnsafeMutableBytes {
            _ = try ARPPacket(operation: .request, senderMAC: .zero, senderIP: .any, targetMAC: .zero, targetIP: .any).write(to: $0)
        }
        bytes[offset] = value
        #expect(throws: WireError.unsupported) { try withBytes(bytes) { raw throws(WireError) in try ARPPacket.parse(raw) } }
    }

    @Test func rejectsShortPackets() {
        for length in 0..<28 {
            #expect(throws: WireError.truncated) {
                try withBytes([UInt8](repeating: 0, count: length)) { raw throws(WireError) in try ARPPacket.parse(raw) }
            }
        }
        var small = [UInt8](repeating: 0, count: 27)
        _ = small.withUnsafeMutableBytes { raw in
            #expect(throws: WireError.bufferTooSmall) {
                try ARPPacket(operation: .reply, senderMAC: .zero, senderIP: .any, targetMAC: .zero, targetIP: .any).write(to: raw)
            }
        }
    }
}
