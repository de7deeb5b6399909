import TernWire

/// The answer to `tern-subnet --same A B MASK`.
struct SameSubnetAnswer {
    let a: IPv4Address
    let b: IPv4Address
    let prefixLength: Int

    /// `prefixLength` must be 0…32 (as `SubnetInput.prefixLength` returns).
    init(_ a: IPv4Address, _ b: IPv4Address, prefixLength: Int) {
        self.a = a
        self.b = b
        self.prefixLength = min(max(prefixLength, 0), 32)
    }

    /// Whether the two networks under the mask are equal.
    var isSame: Bool {
        IPv4Subnet.sameSubnet(a, b, mask: IPv4Address(rawValue: IPv4Subnet.maskValue(prefixLength: prefixLength)))
    }

    /// One sentence naming the network (or both networks).
    var sentence: String {
        let networkA = network(of: a), networkB = network(of: b)
        return isSame
            ? "\(a) and \(b) are on the same subnet: \(networkA)"
            : "\(a) and \(b) are on different subnets: \(networkA) and \(networkB)"
    }

    private func network(of address: IPv4Address) -> String {
        let subnet = IPv4Subnet(address: address, prefixLength: prefixLength)
        return subnet.map { "\($0.network)/\($0.prefixLength)" } ?? "\(address)"
    }
}
