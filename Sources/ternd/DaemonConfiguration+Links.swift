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
            for (flag, given) in [("--address", options.address != nil), ("--mac", options.mac != nil),
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
        guard let addressText = options.address else {
            throw UsageError("give the host's address: --address CIDR, e.g. --address 10.0.0.2/24")
        }
        let address = try parseHostCIDR(addressText, flag: "--address")
        let mac: MACAddress? = if let text = options.mac { try parseMAC(text, flag: "--mac") } else { nil }
        if let mtu = options.mtu, !mtuRange.contains(mtu) {
            throw UsageError("--mtu \(mtu) is out of range: \(mtuRange.lowerBound)–\(mtuRange.upperBound)")
        }
        if options.hostAddress != nil && kind != .tap {
            throw UsageError("--host-address configures the kernel side of a TAP device; with --packet-socket, configure the interface with ip(8)")
        }
        return [try LinkConfiguration(kind: kind, name: name, address: address, mac: mac, mtu: options.mtu,
                                      hostAddressText: options.hostAddress, offloads: offloads, flag: "--host-address")]
    }

    /// Whether two subnets share an address.
    private static func overlap(_ a: IPv4Subnet, _ b: IPv4Subnet) -> Bool {
        a.normalized.contains(b.network) || b.normalized.contains(a.network)
    }
}
