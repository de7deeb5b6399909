import Testing
import TernWire

@Suite struct IPv4AddressParsingTests {
    @Test(arguments: [
        ("0.0.0.0", UInt32(0)),
        ("255.255.255.255", 0xFFFF_FFFF),
        ("198.51.100.10", 0xC633_640A),
        ("10.0.0.2", 0x0A00_0002),
        ("1.2.3.4", 0x0102_0304),
        ("100.200.250.0", 0x64C8_FA00),
    ])
    func accepts(text: String, value: UInt32) throws {
        let address = try #require(IPv4Address(text))
        #expect(address.rawValue == value)
        #expect(address.description == text)
        #expect(IPv4Address(Substring(text)) == address)
    }

    @Test func specExample() throws {
        let address = try #require(IPv4Address("198.51.100.10"))
        #expect(address.rawValue == 0xC633640A)
        #expect(address.rawValue == 3325256714)
        #expect(address == IPv4Address(198, 51, 100, 10))
        #expect((0..<4).map { address[$0] } == [198, 51, 100, 10])
    }

    @Test(arguments: [
        "256.1.1.1", "1.256.1.1", "1.1.1.256", "999.1.1.1", "1000.1.1.1",
        "1.2.3", "1.2", "1", "", ".", "...", "1.2.3.4.5", "1.2.3.",
        ".1.2.3", "1..2.3", "1.2..3",
        " 1.2.3.4", "1.2.3.4 ", "x1.2.3.4", "1.2.3.4x", "1.2.3.4\n", "\t1.2.3.4",
        "+1.2.3.4", "-1.2.3.4", "1.2.3.-4", "1.2.3.4/24", "1,2,3,4", "0x1.2.3.4",
        "01.2.3.4", "1.2.3.04", "00.0.0.0", "001.2.3.4",
        "１.2.3.4", "1.2.3.4\u{0}",
    ])
    func rejects(text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test func descriptionRoundTrips() {
        var random = TestRandom(seed: 4)
        for _ in 0..<1000 {
            let address = IPv4Address(rawValue: UInt32.random(in: 0...UInt32.max, using: &random))
            #expect(IPv4Address(address.description) == address)
        }
    }

    @Test func classification() {
        #expect(IPv4Address("255.255.255.255")?.isLimitedBroadcast == true)
        #expect(IPv4Address("0.0.0.0")?.isUnspecified == true)
        #expect(IPv4Address("224.0.0.1")?.isMulticast == true)
        #expect(IPv4Address("239.255.255.255")?.isMulticast == true)
        #expect(IPv4Address("240.0.0.0")?.isMulticast == false)
        #expect(IPv4Address("127.0.0.1")?.isLoopback == true)
        #expect(IPv4Address("128.0.0.1")?.isLoopback == false)
        #expect(IPv4Address(10, 0, 0, 1) < IPv4Address(10, 0, 0, 2))
    }
}

@Suite struct MACAddressParsingTests {
    @Test(arguments: ["02:54:45:52:4e:0f", "02-54-45-52-4e-0f", "02:54:45:52:4E:0F", "02-54-45-52-4E-0f"])
    func acceptsBothSeparators(text: String) throws {
        let mac = try #require(MACAddress(text))
        #expect(mac == MACAddress(0x02, 0x54, 0x45, 0x52, 0x4E, 0x0F))
        #expect(mac.rawValue == 0x0254_4552_4E0F)
        #expect(mac.description == "02:54:45:52:4e:0f")
    }

    @Test(arguments: [
        "", "02:54:45:52:4e", "02:54:45:52:4e:0f:00", "02:54:45:52:4e:0", "2:54:45:52:4e:0f",
        "02:54-45:52:4e:0f", "02-54-45-52-4e:0f", "02.54.45.52.4e.0f", "0254.4552.4e0f", "0254:4552:4e0f:",
        "02:54:45:52:4e:0g", "g2:54:45:52:4e:0f", "02:54:45:52:4e:0f ", " 02:54:45:52:4e:0f",
        "02:54:45:52:4e:0fx", "02::54:45:52:4e:0f", "02:54:45:52:4e:+f", "02 54 45 52 4e 0f",
        "02:54:45:52:4é:0f",
    ])
    func rejects(text: String) {
        #expect(MACAddress(text) == nil)
    }

    @Test func bits() throws {
        #expect(MACAddress.broadcast.isBroadcast)
        #expect(MACAddress.broadcast.isMulticast)
        #expect(MACAddress.broadcast.description == "ff:ff:ff:ff:ff:ff")
        #expect(MACAddress.zero.description == "00:00:00:00:00:00")
        let local = try #require(MACAddress("02:54:45:52:4e:0f"))
        #expect(local.isLocallyAdministered)
        #expect(!local.isMulticast)
        #expect(try #require(MACAddress("01:00:5e:00:00:01")).isMulticast)
        #expect(!(try #require(MACAddress("00:1b:21:00:00:01")).isLocallyAdministered))
        // Bits above 48 are dropped.
        #expect(MACAddress(rawValue: 0xFFFF_0254_4552_4E0F) == local)
    }

    @Test func descriptionRoundTrips() {
        var random = TestRandom(seed: 6)
        for _ in 0..<1000 {
            let mac = MACAddress(rawValue: UInt64.random(in: 0...0xFFFF_FFFF_FFFF, using: &random))
            #expect(MACAddress(mac.description) == mac)
            #expect(MACAddress(mac.description.uppercased()) == mac)
            #expect(MACAddress(mac.description.replacingColons()) == mac)
        }
    }
}

private extension String {
    func replacingColons() -> String { String(map { $0 == ":" ? "-" : $0 }) }
}
