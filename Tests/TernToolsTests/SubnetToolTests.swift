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
}
