import TernWire

extension DaemonConfiguration {
    /// The links from `--link` flags, or the one link the shorthand flags describe
    /// (`--tap`/`--packet-socket` with `--address`, `--mac`, `--mtu`, `--host-address`).
    static func parseLinks(_ options: TerndOptions) throws(UsageError) -> [LinkConfiguration] {
        let offloads = !options.noOffload
        if !options.link.isEmpty {
            if options.tap != nil || options.packetSocket != nil {
                throw UsageError("--link and --tap/--packet-socket cannot be used together; give every link with --link")
            }
            for (flag, given) in [("--address", !options.address.isEmpty), ("--mac", options.mac != nil),
                                  ("--mtu", options.mtu != nil), ("--host-address", options.hostAddress != nil)]
            where given {
                throw UsageError("\(flag) belongs to the one-link shorthand; with --link give it as a link option")
            }
            var links: [LinkConfiguration] = []
            for text in options.link {
                let link = try LinkConfiguration(parsing: text, offloadsByDefault: offloads)
                if links.contains(where: { $0.name == link.name }) {
                    throw UsageError("--link \(text): the link \(link.name) is given twice")
                }
                if let other = links.first(where: { overlap($0.address, link.address) }) {
                    throw UsageError("--link \(text): \(link.address.normalized) overlaps \(other.address.normalized) of \(other.name)")
                }
                for prefix in link.ipv6Addresses {
                    if let other = links.first(where: { $0.ipv6Addresses.contains { overlap($0, prefix) } }) {
                        throw UsageError("--link \(text): \(prefix.normalized) overlaps an IPv6 prefix of \(other.name)")
                    }
                }
                if let other = links.first(where: { $0.mac == link.mac }) {
                    throw UsageError("--link \(text): MAC \(link.mac) is \(other.name)'s too; give each link its own (mac=)")
                }
                links.append(link)
            }
            return links
        }

        let kind: LinkConfiguration.Kind
        let name: String
        switch (options.tap, options.packetSocket) {
        case (let tap?, nil):
            try checkInterfaceName(tap, flag: "--tap")
            (kind, name) = (.tap, tap)
        case (nil, let interface?):
            try checkInterfaceName(interface, flag: "--packet-socket")
            (kind, name) = (.packet, interface)
        case (nil, nil):
            throw UsageError("give a link: --tap NAME or --packet-socket IFNAME (or --link, repeatable)")
        case (_?, _?):
            throw UsageError("--tap and --packet-socket cannot be used together; choose one")
        }
        var ipv4Texts: [String] = []
        var ipv6: [IPv6Subnet] = []
        for text in options.address {
            if isIPv6Text(text) {
                let prefix = try parseIPv6HostCIDR(text, flag: "--address")
                if ipv6.contains(where: { overlap($0, prefix) }) {
                    throw UsageError("--address \(text) overlaps another --address")
                }
                ipv6.append(prefix)
            } else {
                ipv4Texts.append(text)
            }
        }
        guard let addressText = ipv4Texts.first else {
            throw UsageError("give the host's IPv4 address: --address CIDR, e.g. --address 10.0.0.2/24")
        }
        guard ipv4Texts.count == 1 else {
            throw UsageError("--address \(ipv4Texts[1]): one IPv4 address per link (\(addressText) is the first)")
        }
        let address = try parseHostCIDR(addressText, flag: "--address")
        let mac: MACAddress? = if let text = options.mac { try parseMAC(text, flag: "--mac") } else { nil }
        if let mtu = options.mtu, !mtuRange.contains(mtu) {
            throw UsageError("--mtu \(mtu) is out of range: \(mtuRange.lowerBound)–\(mtuRange.upperBound)")
        }
        if options.hostAddress != nil && kind != .tap {
            throw UsageError("--host-address configures the kernel side of a TAP device; with --packet-socket, configure the interface with ip(8)")
        }
        return [try LinkConfiguration(kind: kind, name: name, address: address, ipv6Addresses: ipv6, mac: mac,
                                      mtu: options.mtu, hostAddressText: options.hostAddress, offloads: offloads,
                                      flag: "--host-address")]
    }

    /// Whether two subnets share an address.
    private static func overlap(_ a: IPv4Subnet, _ b: IPv4Subnet) -> Bool {
        a.normalized.contains(b.network) || b.normalized.contains(a.network)
    }

    /// Whether two IPv6 prefixes share an address.
    private static func overlap(_ a: IPv6Subnet, _ b: IPv6Subnet) -> Bool {
        a.contains(b.network) || b.contains(a.network)
    }

    /// `--route PREFIX via ADDRESS` or `--route PREFIX dev LINK` for IPv6: the next hop a
    /// global or unique local address on one of the links' prefixes.
    static func parseIPv6Route(_ destination: String, _ word: String, _ target: String, links: [LinkConfiguration],
                               given: [IPv6Subnet]) throws(UsageError)
        -> (destination: IPv6Subnet, nextHop: IPv6Address?, link: String?) {
        let flag = "--route \(destination) \(word) \(target)"
        guard let prefix = IPv6Subnet(destination)?.normalized else {
            throw UsageError("\(flag): \(destination) is not an IPv6 prefix such as fd00:5::/64")
        }
        if links.contains(where: { $0.ipv6Addresses.contains { $0.normalized == prefix } }) {
            throw UsageError("\(flag): \(prefix) is a link's own prefix")
        }
        if given.contains(prefix) { throw UsageError("--route \(prefix) is given twice") }
        if word == "dev" {
            guard links.contains(where: { $0.name == target }) else {
                throw UsageError("\(flag): no link is named \(target)")
            }
            return (prefix, nil, target)
        }
        guard let hop = IPv6Address(target), !hop.isMulticast, !hop.isUnspecified, !hop.isLinkLocal else {
            throw UsageError("\(flag): the next hop must be a global or unique local IPv6 address on a link's prefix")
        }
        guard links.contains(where: { $0.ipv6Addresses.contains { $0.contains(hop) && $0.address != hop } }) else {
            throw UsageError("\(flag): \(target) is on none of the links' IPv6 prefixes (or is the host's own)")
        }
        return (prefix, hop, nil)
    }

    /// Whether an address argument is meant as IPv6 (IPv4 text has no colon).
    static func isIPv6Text(_ text: String) -> Bool { text.contains(":") }

    /// An IPv6 host address with its prefix length (on-link prefix), usable as a unicast
    /// address of ours: not the unspecified, loopback, multicast or IPv4-mapped kinds, and
    /// not link-local (each link takes its link-local address from its MAC).
    static func parseIPv6HostCIDR(_ text: String, flag: String) throws(UsageError) -> IPv6Subnet {
        guard let cidr = IPv6Subnet(text) else {
            if IPv6Address(text) != nil {
                throw UsageError("\(flag) \(text) needs a prefix length, e.g. \(text)/64")
            }
            throw UsageError("\(flag) \(text) is not an IPv6 address with a prefix, such as fd00::2/64")
        }
        guard cidr.prefixLength > 0 else {
            throw UsageError("\(flag) \(text): the prefix length must be 1–128")
        }
        let address = cidr.address
        if address.isUnspecified || address.isLoopback || address.isMulticast || address.isIPv4Mapped {
            throw UsageError("\(flag) \(text) is not a unicast host address")
        }
        if address.isLinkLocal {
            throw UsageError("\(flag) \(text): link-local addresses come from the link's MAC; give a global or unique local one")
        }
        return cidr
    }
}
