import Testing
import TernWire

/// One row of expected subnet arithmetic for 198.51.100.10 (the classic textbook example address).
struct SubnetRow: Sendable, CustomTestStringConvertible {
    var prefix: Int
    var mask: String
    var network: String
    var broadcast: String
    var hostPart: UInt32
    var hostCount: UInt64
    var firstHost: String
    var lastHost: String
    var testDescription: String { "/\(prefix)" }
}

@Suite struct IPv4SubnetTests {
    static let rows: [SubnetRow] = [
        SubnetRow(prefix: 0, mask: "0.0.0.0", network: "0.0.0.0", broadcast: "255.255.255.255",
                  hostPart: 0xC633_640A, hostCount: 4_294_967_294, firstHost: "0.0.0.1", lastHost: "255.255.255.254"),
        SubnetRow(prefix: 1, mask: "128.0.0.0", network: "128.0.0.0", broadcast: "255.255.255.255",
                  hostPart: 0x4633_640A, hostCount: 2_147_483_646, firstHost: "128.0.0.1", lastHost: "255.255.255.254"),
        SubnetRow(prefix: 8, mask: "255.0.0.0", network: "198.0.0.0", broadcast: "198.255.255.255",
                  hostPart: 0x0033_640A, hostCount: 16_777_214, firstHost: "198.0.0.1", lastHost: "198.255.255.254"),
        SubnetRow(prefix: 17, mask: "255.255.128.0", network: "198.51.0.0", broadcast: "198.51.127.255",
                  hostPart: 0x640A, hostCount: 32766, firstHost: "198.51.0.1", lastHost: "198.51.127.254"),
        SubnetRow(prefix: 24, mask: "255.255.255.0", network: "198.51.100.0", broadcast: "198.51.100.255",
                  hostPart: 10, hostCount: 254, firstHost: "198.51.100.1", lastHost: "198.51.100.254"),
        SubnetRow(prefix: 30, mask: "255.255.255.252", network: "198.51.100.8", broadcast: "198.51.100.11",
                  hostPart: 2, hostCount: 2, firstHost: "198.51.100.9", lastHost: "198.51.100.10"),
        // RFC 3021: a /31 has two hosts and no network or broadcast address.
        SubnetRow(prefix: 31, mask: "255.255.255.254", network: "198.51.100.10", broadcast: "198.51.100.11",
                  hostPart: 0, hostCount: 2, firstHost: "198.51.100.10", lastHost: "198.51.100.11"),
        SubnetRow(prefix: 32, mask: "255.255.255.255", network: "198.51.100.10", broadcast: "198.51.100.10",
                  hostPart: 0, hostCount: 1, firstHost: "198.51.100.10", lastHost: "198.51.100.10"),
    ]

    @Test(arguments: rows)
    func arithmetic(row: SubnetRow) throws {
        let subnet = try #require(IPv4Subnet("198.51.100.10/\(row.prefix)"))
        #expect(subnet.address.rawValue == 3_325_256_714)
        #expect(subnet.prefixLength == row.prefix)
        #expect(subnet.mask.description == row.mask)
        #expect(subnet.network.description == row.network)
        #expect(subnet.broadcast.description == row.broadcast)
        #expect(subnet.hostPart == row.hostPart)
        #expect(subnet.hostCount == row.hostCount)
        #expect(subnet.firstHost.description == row.firstHost)
        #expect(subnet.lastHost.description == row.lastHost)
        #expect(subnet.description == "198.51.100.10/\(row.prefix)")
        #expect(subnet.normalized.description == "\(row.network)/\(row.prefix)")
        #expect(subnet.normalized.network == subnet.network)
        #expect(IPv4Subnet("198.51.100.10/\(row.mask)") == subnet)

        // Membership: the whole range network…broadcast, nothing just outside it.
        #expect(subnet.contains(subnet.address))
        #expect(subnet.contains(subnet.network))
        #expect(subnet.contains(subnet.broadcast))
        if subnet.network.rawValue > 0 {
            #expect(!subnet.contains(IPv4Address(rawValue: subnet.network.rawValue - 1)))
        }
        if subnet.broadcast.rawValue < UInt32.max {
            #expect(!subnet.contains(IPv4Address(rawValue: subnet.broadcast.rawValue + 1)))
        }
        #expect(subnet.isDirectedBroadcast(subnet.broadcast) == (row.prefix < 31))
        #expect(!subnet.isDirectedBroadcast(subnet.network))
    }

    @Test func specExample() throws {
        let address = try #require(IPv4Address("198.51.100.10"))
        #expect(address.rawValue == 0xC633_640A)
        #expect(address.rawValue == 3_325_256_714)
        let mask = try #require(IPv4Address("255.255.255.0"))
        let peer = try #require(IPv4Address("198.51.100.200"))
        #expect(IPv4Subnet.sameSubnet(address, peer, mask: mask))
        #expect(!IPv4Subnet.sameSubnet(address, peer, mask: try #require(IPv4Address("255.255.255.128"))))
    }

    @Test func maskFollowsTheSpecFormula() {
        for n in 0...32 {
            // The textbook mask: (0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF, computed in 64 bits.
            let expected = UInt32((UInt64(0xFFFF_FFFF) << UInt64(32 - n)) & 0xFFFF_FFFF)
            #expect(IPv4Subnet.maskValue(prefixLength: n) == expected, "/\(n)")
            #expect(IPv4Subnet.prefixLength(ofMask: expected) == n)
        }
        #expect(IPv4Subnet.prefixLength(ofMask: 0xFF00_FF00) == nil)
        #expect(IPv4Subnet.prefixLength(ofMask: 0x0000_00FF) == nil)
        #expect(IPv4Subnet.prefixLength(ofMask: 0x7FFF_FFFF) == nil)
    }

    @Test func membershipAgreesWithNetworks() {
        var random = TestRandom(seed: 17)
        for _ in 0..<2000 {
            let n = Int.random(in: 0...32, using: &random)
            let a = IPv4Address(rawValue: UInt32.random(in: 0...UInt32.max, using: &random))
            // Half the time a neighbour that differs only in the low bits.
            let flip = UInt32.random(in: 0...UInt32.max, using: &random) >> UInt32.random(in: 0...32, using: &random)
            let b = IPv4Address(rawValue: Bool.random(using: &random) ? a.rawValue ^ flip
                                          : UInt32.random(in: 0...UInt32.max, using: &random))
            guard let sa = IPv4Subnet(address: a, prefixLength: n), let sb = IPv4Subnet(address: b, prefixLength: n)
            else {
                Issue.record("/\(n) refused")
                continue
            }
            let same = sa.network == sb.network
            #expect(sa.contains(b) == same)
            #expect(sb.contains(a) == same)
            #expect(IPv4Subnet.sameSubnet(a, b, mask: sa.mask) == same)
            #expect(sa.network.rawValue | sa.hostPart == a.rawValue)
            #expect(sa.broadcast.rawValue == sa.network.rawValue | ~sa.mask.rawValue)
        }
    }

    @Test(arguments: [
        "198.51.100.10", "/24", "198.51.100.10/", "198.51.100.10/33", "198.51.100.10/-1", "198.51.100.10/+8",
        "198.51.100.10/ 24", "198.51.100.10/24 ", " 198.51.100.10/24", "198.51.100.10//24", "198.51.100.10/024",
        "198.51.100.10/2a", "198.51.100.10/255.0.255.0", "198.51.100.10/255.255.255.0.0", "256.0.0.0/8",
        "198.51.100/24", "198.51.100.10/24/8", "198.51.100.10\\24",
    ])
    func rejects(text: String) {
        #expect(IPv4Subnet(text) == nil)
    }

    @Test func acceptsAndRefusesPrefixLengths() throws {
        let zero = try #require(IPv4Subnet("0.0.0.0/0"))
        #expect(zero.contains(IPv4Address.broadcast))
        #expect(IPv4Subnet(address: .any, prefixLength: -1) == nil)
        #expect(IPv4Subnet(address: .any, prefixLength: 33) == nil)
        #expect(IPv4Subnet.parsePrefixLength("/24") == 24)
        #expect(IPv4Subnet.parsePrefixLength("24") == 24)
        #expect(IPv4Subnet.parsePrefixLength("255.255.240.0") == 20)
        #expect(IPv4Subnet.parsePrefixLength("33") == nil)
        #expect(IPv4Subnet.parsePrefixLength("") == nil)
    }
}
