import Testing
import TernWire

@Suite struct IPv6SubnetTests {
    @Test func aSlash64() throws {
        let subnet = try #require(IPv6Subnet("2001:db8:acad:1::10/64"))
        #expect(subnet.address.description == "2001:db8:acad:1::10")
        #expect(subnet.prefixLength == 64)
        #expect(subnet.mask.description == "ffff:ffff:ffff:ffff::")
        #expect(subnet.network.description == "2001:db8:acad:1::")
        #expect(subnet.firstAddress.description == "2001:db8:acad:1::")
        #expect(subnet.lastAddress.description == "2001:db8:acad:1:ffff:ffff:ffff:ffff")
        #expect(subnet.hostPart == 0x10)
        #expect(subnet.normalized.description == "2001:db8:acad:1::/64")
        #expect(subnet.description == "2001:db8:acad:1::10/64")
        #expect(subnet.addressCountExponent == 64)
        #expect(subnet.addressCount == nil)
        #expect(subnet.addressCountDecimal == "18446744073709551616")
        #expect(subnet.contains(IPv6Address("2001:db8:acad:1:ffff::")!))
        #expect(!subnet.contains(IPv6Address("2001:db8:acad:2::")!))
        #expect(subnet.contains(IPv6Subnet("2001:db8:acad:1:8000::/65")!))
        #expect(!subnet.contains(IPv6Subnet("2001:db8:acad::/48")!))
    }

    /// Every length from 0 to 128, on one address: the mask has that many one bits, the
    /// network and last address bracket the address, and membership stops at the edges.
    @Test func everyPrefixLength() throws {
        let address = try #require(IPv6Address("2001:db8:85a3:8d3:1319:8a2e:370:7348"))
        for n in 0...128 {
            let subnet = try #require(IPv6Subnet(address: address, prefixLength: n))
            let mask = subnet.mask.rawValue
            #expect(mask.nonzeroBitCount == n)
            #expect(mask.leadingZeroBitCount == (n == 0 ? 128 : 0))
            #expect(subnet.network.rawValue == address.rawValue & mask)
            #expect(subnet.lastAddress.rawValue == subnet.network.rawValue | ~mask)
            #expect(subnet.network <= address && address <= subnet.lastAddress)
            #expect(subnet.contains(subnet.network) && subnet.contains(subnet.lastAddress))
            #expect(subnet.addressCountExponent == 128 - n)
            if n > 0 {
                // One past the last address, and one before the network, are outside.
                if subnet.lastAddress.rawValue != UInt128.max {
                    #expect(!subnet.contains(IPv6Address(rawValue: subnet.lastAddress.rawValue + 1)))
                }
                if subnet.network.rawValue != 0 {
                    #expect(!subnet.contains(IPv6Address(rawValue: subnet.network.rawValue - 1)))
                }
            }
            if n > 64 {
                #expect(subnet.addressCount == UInt64(1) << UInt64(128 - n))
                #expect(subnet.addressCountDecimal == String(subnet.addressCount!))
            } else {
                #expect(subnet.addressCount == nil)
            }
            #expect(IPv6Subnet("\(address)/\(n)") == subnet)
        }
    }

    @Test(arguments: [
        (0, "1"), (1, "2"), (10, "1024"), (63, "9223372036854775808"), (64, "18446744073709551616"),
        (80, "1208925819614629174706176"), (96, "79228162514264337593543950336"),
        (128, "340282366920938463463374607431768211456"),
    ])
    func powersOfTwoInDecimal(exponent: Int, decimal: String) {
        #expect(IPv6Subnet.decimalPowerOfTwo(exponent) == decimal)
    }

    @Test func edges() throws {
        let all = try #require(IPv6Subnet("2001:db8::1/0"))
        #expect(all.mask == .unspecified)
        #expect(all.network == .unspecified)
        #expect(all.lastAddress.description == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
        #expect(all.addressCountDecimal == "340282366920938463463374607431768211456")
        #expect(all.contains(IPv6Address("fe80::1")!))
        #expect(IPv6Subnet.everything.contains(.loopback))
        let one = try #require(IPv6Subnet("2001:db8::7/128"))
        #expect(one.firstAddress == one.lastAddress)
        #expect(one.addressCount == 1)
        #expect(!one.contains(IPv6Address("2001:db8::6")!))
        let link = try #require(IPv6Subnet("2001:db8::/127"))
        #expect(link.addressCount == 2)
        #expect(IPv6Subnet.linkLocal.contains(IPv6Address("fe80::54:45ff:fe52:4e01")!))
        #expect(!IPv6Subnet.linkLocal.contains(IPv6Address("fe80:0:0:1::1")!))
        #expect(IPv6Subnet(address: .loopback, prefixLength: 129) == nil)
        #expect(IPv6Subnet(address: .loopback, prefixLength: -1) == nil)
    }

    @Test(arguments: ["2001:db8::", "2001:db8::/", "/64", "2001:db8::/129", "2001:db8::/-1", "2001:db8::/064",
                      "2001:db8::/6 4", "2001:db8::/64/1", "2001:db8:::/64", "2001:db8::/ 64", "2001:db8::/1000",
                      "198.51.100.0/24", "2001:db8::/0x40", ""])
    func rejects(text: String) {
        #expect(IPv6Subnet(text) == nil, "\(text)")
    }

    @Test func prefixLengths() {
        #expect(IPv6Subnet.parsePrefixLength("/64") == 64)
        #expect(IPv6Subnet.parsePrefixLength("128") == 128)
        #expect(IPv6Subnet.parsePrefixLength("0") == 0)
        #expect(IPv6Subnet.parsePrefixLength("/0") == 0)
        #expect(IPv6Subnet.parsePrefixLength("00") == nil)
        #expect(IPv6Subnet.parsePrefixLength("//64") == nil)
        #expect(IPv6Subnet.parsePrefixLength("ffff:ffff::") == nil)
    }
}
