import ArgumentParser
import TernToolSupport
import TernWire

/// `tern-subnet`: the subnet calculator.
struct TernSubnet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern-subnet",
        abstract: "Subnet calculator: what a CIDR address means, and whether two hosts share a subnet (IPv4 and IPv6).",
        discussion: """
            tern-subnet 198.51.100.10/24
            tern-subnet 198.51.100.10 255.255.255.0
                Print the address, the netmask (dotted and /n), the network, the broadcast
                address, the first and last host, the number of hosts, and the address as a
                32-bit number in decimal and hex. /31 and /32 follow RFC 3021: both
                addresses of a /31 are hosts, and neither has a broadcast address.

            tern-subnet 2001:db8:acad:1::10/64
            tern-subnet 2001:db8:acad:1::10 64
                For IPv6: the address (shortest and full form), the prefix, its first and
                last address, the number of addresses (a power of two, and in decimal), how
                many /64 subnets it holds, the interface identifier and the kind of address.
                IPv6 has no broadcast address and no dotted masks: prefixes are /0 to /128.

            tern-subnet --same A B MASK
                Say whether hosts A and B are on the same subnet under MASK (/n, n, or for
                IPv4 a dotted mask such as 255.255.255.0).

            Exit status: 0 when the question was answered (for --same, whether the answer
            is "same" or "different"), 2 on bad usage or input.
            """,
        version: TernVersion.number)

    @Flag(name: .long, help: "Answer whether two hosts share a subnet: --same A B MASK.")
    var same = false

    @Flag(name: .long, help: "Also show each address in binary, octet by octet (IPv6: group by group).")
    var binary = false

    @Argument(help: ArgumentHelp("ADDRESS/N, or ADDRESS MASK; with --same: A B MASK.", valueName: "value"))
    var values: [String] = []

    func validate() throws {
        if same {
            guard values.count == 3 else {
                throw ValidationError("--same takes three arguments: A B MASK (e.g. --same 192.0.2.10 192.0.2.200 /24).")
            }
        } else {
            guard (1...2).contains(values.count) else {
                throw ValidationError("Give ADDRESS/N (e.g. 198.51.100.10/24) or ADDRESS MASK.")
            }
        }
    }

    func run() throws {
        if values.contains(where: SubnetInput.looksLikeIPv6) {
            try runIPv6()
            return
        }
        if same {
            let a = try SubnetInput.address(values[0])
            let b = try SubnetInput.address(values[1])
            let prefixLength = try SubnetInput.prefixLength(values[2])
            print(SameSubnetAnswer(a, b, prefixLength: prefixLength).sentence)
        } else {
            let subnet = values.count == 1
                ? try SubnetInput.subnet(values[0])
                : try SubnetInput.subnet(address: values[0], mask: values[1])
            for line in SubnetReport(subnet).lines(binary: binary) { print(line) }
        }
    }

    private func runIPv6() throws {
        if same {
            guard SubnetInput.looksLikeIPv6(values[0]) && SubnetInput.looksLikeIPv6(values[1]) else {
                throw ToolFailure("'\(values[0])' and '\(values[1])' are not of one family: compare two IPv4 or two IPv6 addresses")
            }
            let a = try SubnetInput.ipv6Address(values[0])
            let b = try SubnetInput.ipv6Address(values[1])
            let prefixLength = try SubnetInput.ipv6PrefixLength(values[2])
            print(IPv6SameSubnetAnswer(a, b, prefixLength: prefixLength).sentence)
        } else {
            let subnet = values.count == 1
                ? try SubnetInput.ipv6Subnet(values[0])
                : try SubnetInput.ipv6Subnet(address: values[0], prefixLength: values[1])
            for line in IPv6SubnetReport(subnet).lines(binary: binary) { print(line) }
        }
    }
}
