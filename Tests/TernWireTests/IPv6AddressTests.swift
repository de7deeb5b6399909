import Testing
import TernWire

@Suite struct IPv6AddressTests {
    /// Text in any RFC 4291 form → the canonical RFC 5952 form.
    @Test(arguments: [
        ("::", "::"),
        ("::1", "::1"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("1::", "1::"),
        ("2001:DB8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),          // the first of two equal runs (RFC 5952 §4.2.3)
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),       // one zero group is not compressed (§4.2.2)
        ("2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),        // :: for a single group is read, not written
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),                // the longest run wins (§4.2.3)
        ("fe80::54:45ff:fe52:4e01", "fe80::54:45ff:fe52:4e01"),
        ("2001:db8:1:0:54:45ff:fe52:4e01", "2001:db8:1:0:54:45ff:fe52:4e01"),
        ("FF02::1:FF00:2", "ff02::1:ff00:2"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("1:0:0:0:0:0:0:0", "1::"),
        ("0:0:0:0:0:0:0:8", "::8"),
        ("0:1:0:1:0:1:0:1", "0:1:0:1:0:1:0:1"),
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("0:0:0:0:0:FFFF:C000:0201", "::ffff:192.0.2.1"),       // IPv4-mapped: dotted (§5)
        ("::192.0.2.1", "::c000:201"),                          // only the mapped prefix is written dotted
        ("64:ff9b::198.51.100.10", "64:ff9b::c633:640a"),
        ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
    ])
    func canonicalForm(text: String, canonical: String) throws {
        let address = try #require(IPv6Address(text))
        #expect(address.description == canonical)
        #expect(IPv6Address(canonical) == address)
        #expect(IPv6Address(Substring(text)) == address)
    }

    @Test(arguments: [
        "", ":", ":::", "1:::2", "1::2::3", ":1::2", "1::2:", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "12345::", "g::", "1:2:3:4:5:6:7:8:", ":1:2:3:4:5:6:7:8",
        "::1.2.3", "::1.2.3.4.5", "::256.1.1.1", "1.2.3.4::", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4",
        "::01.2.3.4", " ::1", "::1 ", "fe80::1%eth0", "[::1]", "::1/128", "0x1::", "::-1", "１::",
        "1:2:3:4:5:6:7::8", "::ffff:1.2.3.4x",
    ])
    func rejects(text: String) {
        #expect(IPv6Address(text) == nil, "\(text)")
    }

    @Test func groupsBytesAndHalves() throws {
        let address = try #require(IPv6Address("2001:db8:a:b:c:d:e:f"))
        #expect(address == IPv6Address(0x2001, 0xDB8, 0xA, 0xB, 0xC, 0xD, 0xE, 0xF))
        #expect(address.high == 0x2001_0DB8_000A_000B)
        #expect(address.low == 0x000C_000D_000E_000F)
        #expect((0..<8).map(address.group) == [0x2001, 0xDB8, 0xA, 0xB, 0xC, 0xD, 0xE, 0xF])
        #expect(address.bytes == [0x20, 0x01, 0x0D, 0xB8, 0, 0xA, 0, 0xB, 0, 0xC, 0, 0xD, 0, 0xE, 0, 0xF])
        #expect((0..<16).map { address[byte: $0] } == address.bytes)
        #expect(IPv6Address(bytes: address.bytes) == address)
        #expect(IPv6Address(bytes: [UInt8](repeating: 0, count: 15)) == nil)
        #expect(IPv6Address(rawValue: address.rawValue) == address)
        #expect(address.rawValue >> 112 == 0x2001)
        #expect(address.expandedDescription == "2001:0db8:000a:000b:000c:000d:000e:000f")
        #expect(IPv6Address.unspecified.expandedDescription == "0000:0000:0000:0000:0000:0000:0000:0000")
        #expect(IPv6Address("::1")! < IPv6Address("::2")!)
        #expect(IPv6Address("::ffff:ffff:ffff:ffff")! < IPv6Address("0:0:0:1::")!)
    }

    /// Random addresses, many with runs of zeros, print and read back; the printed form has
    /// the properties RFC 5952 requires.
    @Test func randomAddressesRoundTrip() throws {
        var random = TestRandom(seed: 5952)
        for _ in 0..<5000 {
            var groups = (0..<8).map { _ in UInt16.random(in: 0...UInt16.max, using: &random) }
            for i in groups.indices where Int.random(in: 0..<3, using: &random) == 0 { groups[i] = 0 }
            let address = IPv6Address(groups[0], groups[1], groups[2], groups[3], groups[4], groups[5], groups[6], groups[7])
            let text = address.description
            #expect(IPv6Address(text) == address, "\(text)")
            #expect(IPv6Address(address.expandedDescription) == address)
            #expect(text == text.lowercased())
            let doubleColons = Array(text.utf8).indices.dropLast().filter { i in
                Array(text.utf8)[i] == UInt8(ascii: ":") && Array(text.utf8)[i + 1] == UInt8(ascii: ":")
            }
            #expect(doubleColons.count <= 1, "one :: at most: \(text)")
            if !address.isIPv4Mapped {
                #expect(!text.split(separator: ":").contains { $0.count > 1 && $0.hasPrefix("0") }, "no leading zeros: \(text)")
            }
        }
    }

    @Test(arguments: [
        ("::", IPv6AddressKind.unspecified),
        ("::1", .loopback),
        ("ff02::1", .multicast(.linkLocal)),
        ("ff05::2", .multicast(.siteLocal)),
        ("ff0e::101", .multicast(.global)),
        ("ff01::1", .multicast(.interfaceLocal)),
        ("ff12::1234", .multicast(.linkLocal)),
        ("fe80::1", .linkLocal),
        ("febf:ffff::1", .linkLocal),
        ("fec0::1", .globalUnicast),          // deprecated site-local: no longer special (RFC 3879)
        ("fc00::1", .uniqueLocal),
        ("fd12:3456:789a::1", .uniqueLocal),
        ("fe00::1", .globalUnicast),
        ("::ffff:192.0.2.1", .ipv4Mapped),
        ("2001:db8::1", .globalUnicast),
        ("2606:4700::1111", .globalUnicast),
    ])
    func kinds(text: String, kind: IPv6AddressKind) throws {
        let address = try #require(IPv6Address(text))
        #expect(address.kind == kind)
        #expect(address.isMulticast == (address.multicastScope != nil))
        #expect(address.isLinkLocal == (kind == .linkLocal))
        #expect(address.isUniqueLocal == (kind == .uniqueLocal))
        #expect(address.isGlobalUnicast == (kind == .globalUnicast))
        #expect(address.isUnspecified == (kind == .unspecified))
        #expect(address.isLoopback == (kind == .loopback))
        #expect(address.isIPv4Mapped == (kind == .ipv4Mapped))
    }

    @Test func wellKnownGroups() throws {
        #expect(IPv6Address.allNodes.description == "ff02::1")
        #expect(IPv6Address.allRouters.description == "ff02::2")
        #expect(IPv6Address.allNodes.ethernetMulticastAddress.description == "33:33:00:00:00:01")
        #expect(IPv6Address.allRouters.ethernetMulticastAddress.description == "33:33:00:00:00:02")
        #expect(IPv6Address("ff02::16")!.ethernetMulticastAddress.description == "33:33:00:00:00:16")
        #expect(IPv6Address.allNodes.multicastScope == .linkLocal)
        #expect(IPv6Address.allNodes.multicastScope?.description == "link-local")
    }

    /// RFC 4291 §2.7.1: the low 24 bits of the address after ff02::1:ff00:0/104.
    @Test(arguments: [
        ("2001:db8:1::2", "ff02::1:ff00:2", "33:33:ff:00:00:02"),
        ("fe80::54:45ff:fe52:4e01", "ff02::1:ff52:4e01", "33:33:ff:52:4e:01"),
        ("4037::01:800:200e:8c6c", "ff02::1:ff0e:8c6c", "33:33:ff:0e:8c:6c"),   // RFC 4291's own example
        ("::", "ff02::1:ff00:0", "33:33:ff:00:00:00"),
    ])
    func solicitedNode(address: String, group: String, mac: String) throws {
        let solicited = try #require(IPv6Address(address)).solicitedNodeMulticast
        #expect(solicited.description == group)
        #expect(solicited.isSolicitedNodeMulticast)
        #expect(solicited.kind == .multicast(.linkLocal))
        #expect(solicited.ethernetMulticastAddress.description == mac)
        #expect(solicited.ethernetMulticastAddress.isMulticast)
        #expect(!IPv6Address.allNodes.isSolicitedNodeMulticast)
        #expect(!IPv6Address("ff02::2:ff00:1")!.isSolicitedNodeMulticast)
    }

    /// RFC 4291 appendix A: ff:fe in the middle, the universal/local bit inverted.
    @Test(arguments: [
        ("02:54:45:52:4e:01", "0054:45ff:fe52:4e01", "fe80::54:45ff:fe52:4e01"),
        ("00:1b:63:84:45:e6", "021b:63ff:fe84:45e6", "fe80::21b:63ff:fe84:45e6"),
        ("34:56:78:9a:bc:de", "3656:78ff:fe9a:bcde", "fe80::3656:78ff:fe9a:bcde"),
        ("ff:ff:ff:ff:ff:ff", "fdff:ffff:feff:ffff", "fe80::fdff:ffff:feff:ffff"),
        ("00:00:00:00:00:00", "0200:00ff:fe00:0000", "fe80::200:ff:fe00:0"),
    ])
    func modifiedEUI64(mac text: String, identifier: String, linkLocal: String) throws {
        let mac = try #require(MACAddress(text))
        let iid = IPv6Address.interfaceIdentifier(fromMAC: mac)
        let groups = (0..<4).map { i -> String in
            let digits = String(UInt16(truncatingIfNeeded: iid >> UInt64(48 - 16 * i)), radix: 16)
            return String(repeating: "0", count: 4 - digits.count) + digits
        }
        #expect(groups.joined(separator: ":") == identifier)
        let address = IPv6Address.linkLocal(fromMAC: mac)
        #expect(address.description == linkLocal)
        #expect(address.isLinkLocal)
        #expect(address.low == iid)
        let slaac = IPv6Address(prefix: IPv6Address("2001:db8:1::")!, interfaceIdentifier: iid)
        #expect(slaac.high == 0x2001_0DB8_0001_0000 && slaac.low == iid)
    }

    @Test func ipv4Mapped() throws {
        let v4 = IPv4Address(198, 51, 100, 10)
        let mapped = IPv6Address(ipv4Mapped: v4)
        #expect(mapped.description == "::ffff:198.51.100.10")
        #expect(mapped.ipv4Mapped == v4)
        #expect(IPv6Address("::ffff:c633:640a") == mapped)
        #expect(IPv6Address("2001:db8::1")!.ipv4Mapped == nil)
        #expect(IPv6Address("::1:ffff:c633:640a")!.ipv4Mapped == nil)
    }
}
