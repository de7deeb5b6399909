import TernWire

/// What `tern-subnet ADDRESS/N` prints for an IPv6 prefix: the address in both text forms,
/// the prefix, its first and last address, how many addresses and how many /64 subnets it
/// holds, the interface identifier and the kind of address, all computed by `IPv6Subnet`
/// and `IPv6Address`.
struct IPv6SubnetReport {
    let subnet: IPv6Subnet

    init(_ subnet: IPv6Subnet) {
        self.subnet = subnet
    }

    /// The report, one `Label: value` line each, labels padded to one width.
    func lines(binary: Bool = false) -> [String] {
        let address = subnet.address
        let n = subnet.prefixLength
        var rows: [(String, String, IPv6Address?)] = [
            ("Address", "\(address)", address),
            ("Full form", address.expandedDescription, nil),
            ("Prefix length", "/\(n)", subnet.mask),
            ("Prefix", "\(subnet.network)/\(n)", subnet.network),
            ("First address", "\(subnet.firstAddress)", subnet.firstAddress),
            ("Last address", "\(subnet.lastAddress)", subnet.lastAddress),
            ("Addresses", IPv6SubnetReport.count(exponent: subnet.addressCountExponent), nil),
        ]
        if n <= 64 {
            rows.append(("/64 subnets", IPv6SubnetReport.count(exponent: 64 - n), nil))
        }
        if !address.isMulticast {
            rows.append(("Interface ID", IPv6SubnetReport.interfaceIdentifier(address.low), nil))
        }
        rows.append(("Kind", kind(of: address), nil))
        let labelWidth = rows.map(\.0.count).max() ?? 0
        let valueWidth = rows.filter { $0.2 != nil }.map(\.1.count).max() ?? 0
        return rows.map { label, value, shown in
            let head = label + ":" + String(repeating: " ", count: labelWidth - label.count + 2)
            guard binary, let shown else { return head + value }
            return head + value + String(repeating: " ", count: valueWidth - value.count + 2) + IPv6SubnetReport.binary(shown)
        }
    }

    /// `2^e = decimal`, or just the number when it is small.
    static func count(exponent: Int) -> String {
        let decimal = IPv6Subnet.decimalPowerOfTwo(exponent)
        return exponent < 10 ? decimal : "2^\(exponent) = \(decimal)"
    }

    /// The low 64 bits as four groups of four hex digits.
    static func interfaceIdentifier(_ low: UInt64) -> String {
        (0..<4).map { i in
            let digits = String(UInt16(truncatingIfNeeded: low >> UInt64(48 - 16 * i)), radix: 16)
            return String(repeating: "0", count: 4 - digits.count) + digits
        }.joined(separator: ":")
    }

    /// The kind of address, with the well-known blocks a course names.
    func kind(of address: IPv6Address) -> String {
        var text = address.kind.description
        // 2001:db8::/32 is reserved for examples.
        if address.kind == .globalUnicast && address.high >> 32 == 0x2001_0DB8 {
            text += " (documentation prefix 2001:db8::/32, RFC 3849)"
        }
        if address.isSolicitedNodeMulticast {
            text += " (solicited-node group)"
        }
        return text
    }

    /// The address in binary, sixteen digits per group, groups separated by colons.
    static func binary(_ address: IPv6Address) -> String {
        (0..<8).map { index in
            let bits = String(address.group(index), radix: 2)
            return String(repeating: "0", count: 16 - bits.count) + bits
        }.joined(separator: ":")
    }
}

/// The answer to `tern-subnet --same A B /N` for two IPv6 addresses.
struct IPv6SameSubnetAnswer {
    let a: IPv6Address
    let b: IPv6Address
    let prefixLength: Int

    /// `prefixLength` must be 0…128 (as `SubnetInput.ipv6PrefixLength` returns).
    init(_ a: IPv6Address, _ b: IPv6Address, prefixLength: Int) {
        self.a = a
        self.b = b
        self.prefixLength = min(max(prefixLength, 0), 128)
    }

    private var networkA: IPv6Subnet { IPv6Subnet(address: a, prefixLength: prefixLength)?.normalized ?? .everything }
    private var networkB: IPv6Subnet { IPv6Subnet(address: b, prefixLength: prefixLength)?.normalized ?? .everything }

    /// Whether the two prefixes are equal.
    var isSame: Bool { networkA.contains(b) }

    /// One sentence naming the prefix (or both prefixes).
    var sentence: String {
        isSame
            ? "\(a) and \(b) are on the same subnet: \(networkA)"
            : "\(a) and \(b) are on different subnets: \(networkA) and \(networkB)"
    }
}
