import Testing
import TernToolSupport
import TernWire
@testable import tern_subnet

@Suite("tern-subnet")
struct SubnetToolTests {
    @Test("198.51.100.10/24: every line of the report")
    func classicReport() throws {
        let subnet = try SubnetInput.subnet("198.51.100.10/24")
        #expect(SubnetReport(subnet).lines() == [
            "Address:      198.51.100.10",
            "Netmask:      255.255.255.0 = /24",
            "Network:      198.51.100.0/24",
            "Broadcast:    198.51.100.255",
            "First host:   198.51.100.1",
            "Last host:    198.51.100.254",
            "Hosts:        254",
            "As a number:  3325256714 = 0xC633640A",
        ])
    }

    @Test("address and mask given separately, dotted or /n, mean the same")
    func separateMask() throws {
        let reference = try SubnetInput.subnet("198.51.100.10/24")
        for mask in ["255.255.255.0", "/24", "24"] {
            #expect(try SubnetInput.subnet(address: "198.51.100.10", mask: mask) == reference)
        }
        #expect(try SubnetInput.subnet("198.51.100.10/255.255.255.0") == reference)
    }

    @Test("/31 has two hosts and no broadcast (RFC 3021)")
    func pointToPoint() throws {
        let lines = SubnetReport(try SubnetInput.subnet("192.0.2.1/31")).lines()
        #expect(lines.contains("Network:      192.0.2.0/31"))
        #expect(lines.contains("Broadcast:    none (a /31 is a point-to-point link, RFC 3021)"))
        #expect(lines.contains("First host:   192.0.2.0"))
        #expect(lines.contains("Last host:    192.0.2.1"))
        #expect(lines.contains("Hosts:        2"))
    }

    @Test("/32 is one host, itself")
    func singleHost() throws {
        let lines = SubnetReport(try SubnetInput.subnet("192.0.2.7/32")).lines()
        #expect(lines.contains("Broadcast:    none (a /32 is a single host)"))
        #expect(lines.contains("First host:   192.0.2.7"))
        #expect(lines.contains("Last host:    192.0.2.7"))
        #expect(lines.contains("Hosts:        1"))
    }

    @Test("/0 and /30 at the edges of the arithmetic")
    func edges() throws {
        let all = SubnetReport(try SubnetInput.subnet("10.1.2.3/0")).lines()
        #expect(all.contains("Netmask:      0.0.0.0 = /0"))
        #expect(all.contains("Broadcast:    255.255.255.255"))
        #expect(all.contains("Hosts:        4294967294"))
        let small = SubnetReport(try SubnetInput.subnet("203.0.113.6/30")).lines()
        #expect(small.contains("Network:      203.0.113.4/30"))
        #expect(small.contains("Broadcast:    203.0.113.7"))
        #expect(small.contains("First host:   203.0.113.5"))
        #expect(small.contains("Last host:    203.0.113.6"))
        #expect(small.contains("Hosts:        2"))
    }

    @Test("--binary adds the bits of each address")
    func binary() throws {
        let lines = SubnetReport(try SubnetInput.subnet("198.51.100.10/24")).lines(binary: true)
        #expect(lines[0] == "Address:      198.51.100.10        11000110.00110011.01100100.00001010")
        #expect(lines[1] == "Netmask:      255.255.255.0 = /24  11111111.11111111.11111111.00000000")
        #expect(lines[6] == "Hosts:        254")
    }

    @Test("--same: same and different subnets")
    func sameSubnet() throws {
        let a = try SubnetInput.address("198.51.100.10")
        let b = try SubnetInput.address("198.51.100.200")
        let same = SameSubnetAnswer(a, b, prefixLength: try SubnetInput.prefixLength("255.255.255.0"))
        #expect(same.isSame)
        #expect(same.sentence == "198.51.100.10 and 198.51.100.200 are on the same subnet: 198.51.100.0/24")
        let different = SameSubnetAnswer(a, b, prefixLength: try SubnetInput.prefixLength("/25"))
        #expect(!different.isSame)
        #expect(different.sentence
            == "198.51.100.10 and 198.51.100.200 are on different subnets: 198.51.100.0/25 and 198.51.100.128/25")
        #expect(SameSubnetAnswer(a, IPv4Address(1, 2, 3, 4), prefixLength: 0).isSame)
        #expect(!SameSubnetAnswer(a, IPv4Address(198, 51, 100, 11), prefixLength: 32).isSame)
    }

    @Test("bad input is a ToolFailure with status 2 and a message naming the value",
          arguments: ["300.1.2.3/24", "198.51.100.10", "198.51.100.10/33", "198.51.100.10/-1", "1.2.3.4/",
                      "/24", "1.2.3.4/255.0.255.0", "1.2.3.4/24/5", "", "1.2.3.4 /24"])
    func badSubnet(_ text: String) {
        #expect {
            _ = try SubnetInput.subnet(text)
        } throws: { error in
            guard let failure = error as? ToolFailure else { return false }
            return failure.status == 2 && failure.message.contains("'")
        }
    }

    @Test("non-contiguous masks are explained as such")
    func nonContiguousMask() {
        #expect(throws: ToolFailure("'255.0.255.0' is not a netmask: its one bits must be contiguous from the left (e.g. 255.255.255.0)")) {
            _ = try SubnetInput.prefixLength("255.0.255.0")
        }
    }

    // MARK: - IPv6

    @Test("2001:db8:acad:1::10/64: every line of the IPv6 report")
    func ipv6Report() throws {
        let subnet = try SubnetInput.ipv6Subnet("2001:db8:acad:1::10/64")
        #expect(IPv6SubnetReport(subnet).lines() == [
            "Address:        2001:db8:acad:1::10",
            "Full form:      2001:0db8:acad:0001:0000:0000:0000:0010",
            "Prefix length:  /64",
            "Prefix:         2001:db8:acad:1::/64",
            "First address:  2001:db8:acad:1::",
            "Last address:   2001:db8:acad:1:ffff:ffff:ffff:ffff",
            "Addresses:      2^64 = 18446744073709551616",
            "/64 subnets:    1",
            "Interface ID:   0000:0000:0000:0010",
            "Kind:           global unicast (documentation prefix 2001:db8::/32, RFC 3849)",
        ])
    }

    @Test("a /48 site prefix holds 2^16 /64 subnets")
    func sitePrefix() throws {
        let lines = IPv6SubnetReport(try SubnetInput.ipv6Subnet("2001:db8:acad::/48")).lines()
        #expect(lines.contains("Prefix:         2001:db8:acad::/48"))
        #expect(lines.contains("Last address:   2001:db8:acad:ffff:ffff:ffff:ffff:ffff"))
        #expect(lines.contains("Addresses:      2^80 = 1208925819614629174706176"))
        #expect(lines.contains("/64 subnets:    2^16 = 65536"))
    }

    @Test("the edges: /0, /127 and /128, link-local, unique local and multicast")
    func ipv6Edges() throws {
        let all = IPv6SubnetReport(try SubnetInput.ipv6Subnet("::/0")).lines()
        #expect(all.contains("Addresses:      2^128 = 340282366920938463463374607431768211456"))
        #expect(all.contains("Last address:   ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))
        #expect(all.contains("Kind:           unspecified"))
        let pair = IPv6SubnetReport(try SubnetInput.ipv6Subnet("2001:db8::/127")).lines()
        #expect(pair.contains("Addresses:      2"))
        #expect(pair.contains("Last address:   2001:db8::1"))
        #expect(!pair.contains { $0.hasPrefix("/64 subnets") })
        let one = IPv6SubnetReport(try SubnetInput.ipv6Subnet(address: "fd00::2", prefixLength: "128")).lines()
        #expect(one.contains("First address:  fd00::2") && one.contains("Last address:   fd00::2"))
        #expect(one.contains("Kind:           unique local unicast"))
        let link = IPv6SubnetReport(try SubnetInput.ipv6Subnet(address: "fe80::54:45ff:fe52:4e01", prefixLength: "/64")).lines()
        #expect(link.contains("Interface ID:   0054:45ff:fe52:4e01"))
        #expect(link.contains("Kind:           link-local unicast"))
        let group = IPv6SubnetReport(try SubnetInput.ipv6Subnet("ff02::1:ff52:4e01/128")).lines()
        #expect(group.contains("Kind:           multicast, link-local scope (solicited-node group)"))
        #expect(!group.contains { $0.hasPrefix("Interface ID") })
    }

    @Test("--binary shows each 16-bit group")
    func ipv6Binary() throws {
        let lines = IPv6SubnetReport(try SubnetInput.ipv6Subnet("2001:db8:acad:1::10/64")).lines(binary: true)
        #expect(lines[2] == "Prefix length:  /64                                  "
            + "1111111111111111:1111111111111111:1111111111111111:1111111111111111:"
            + "0000000000000000:0000000000000000:0000000000000000:0000000000000000")
        #expect(lines[0].hasSuffix(":0000000000010000"))
        #expect(lines[1] == "Full form:      2001:0db8:acad:0001:0000:0000:0000:0010")
    }

    @Test("--same with IPv6 addresses")
    func ipv6Same() throws {
        let a = try SubnetInput.ipv6Address("2001:db8:1::10"), b = try SubnetInput.ipv6Address("2001:db8:2::20")
        let different = IPv6SameSubnetAnswer(a, b, prefixLength: try SubnetInput.ipv6PrefixLength("/64"))
        #expect(!different.isSame)
        #expect(different.sentence == "2001:db8:1::10 and 2001:db8:2::20 are on different subnets: 2001:db8:1::/64 and 2001:db8:2::/64")
        let same = IPv6SameSubnetAnswer(a, b, prefixLength: 46)
        #expect(same.isSame)
        #expect(same.sentence == "2001:db8:1::10 and 2001:db8:2::20 are on the same subnet: 2001:db8::/46")
        #expect(IPv6SameSubnetAnswer(a, b, prefixLength: 0).isSame)
        #expect(!IPv6SameSubnetAnswer(a, try SubnetInput.ipv6Address("2001:db8:1::11"), prefixLength: 128).isSame)
    }

    @Test("bad IPv6 input is a ToolFailure with status 2 and a message naming the value",
          arguments: ["2001:db8::g/64", "2001:db8::1", "2001:db8::1/129", "2001:db8::1/-1", "2001:db8::/", "/64",
                      "2001:db8::1/255.255.255.0", "2001:db8::1/64/1", "1::2::3/64", "fe80::1%eth0/64"])
    func badIPv6Subnet(_ text: String) {
        #expect {
            _ = try SubnetInput.ipv6Subnet(text)
        } throws: { error in
            guard let failure = error as? ToolFailure else { return false }
            return failure.status == 2 && failure.message.contains("'")
        }
    }

    @Test("an IPv6 mask is explained: prefixes are lengths")
    func ipv6Mask() {
        #expect(throws: ToolFailure("'ffff:ffff:ffff:ffff::' is a mask: an IPv6 prefix is written as a length, /0 to /128 (e.g. /64)")) {
            _ = try SubnetInput.ipv6PrefixLength("ffff:ffff:ffff:ffff::")
        }
    }

    @Test("the command picks the family by the colons")
    func family() throws {
        #expect(SubnetInput.looksLikeIPv6("2001:db8::1/64"))
        #expect(SubnetInput.looksLikeIPv6("::"))
        #expect(!SubnetInput.looksLikeIPv6("198.51.100.10/24"))
        let command = try TernSubnet.parse(["--same", "2001:db8::1", "10.0.0.1", "/64"])
        #expect(throws: ToolFailure("'2001:db8::1' and '10.0.0.1' are not of one family: compare two IPv4 or two IPv6 addresses")) {
            try command.run()
        }
    }
}
