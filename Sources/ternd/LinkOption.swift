import TernStack
import TernWire

/// One link of the daemon, validated: from a `--link` flag or from the one-link shorthand
/// (`--tap`/`--packet-socket` with `--address` and friends).
struct LinkConfiguration {
    enum Kind: String {
        case tap
        case packet
    }

    let kind: Kind
    /// The TAP's or interface's name; also the link's name in routes (`dev NAME`).
    let name: String
    let address: IPv4Subnet
    /// IPv6 addresses with their on-link prefixes (the link-local one is implied).
    let ipv6Addresses: [IPv6Subnet]
    let mac: MACAddress
    /// The MTU asked for; nil leaves it to the device (1500 for a TAP, the interface's own
    /// for a packet socket).
    let mtu: Int?
    /// The kernel side of a TAP gets this address and is brought up.
    let hostAddress: IPv4Subnet?
    /// Open a TAP with offloads (TCP segmentation and checksums left to the other side).
    let offloads: Bool

    /// Parses `KIND:NAME,CIDR[,OPTION=VALUE...]`: KIND `tap` or `packet`; options `mac=`,
    /// `mtu=`, `host-address=` (tap only), `offload=off` (or `on`). Offloads default to
    /// `offloadsByDefault` (off with `--no-offload`).
    init(parsing text: String, offloadsByDefault: Bool) throws(UsageError) {
        let flag = "--link \(text)"
        guard let colon = text.firstIndex(of: ":") else {
            throw UsageError("\(flag): expected KIND:NAME,CIDR, e.g. --link packet:veth1,10.1.0.254/24")
        }
        guard let kind = Kind(rawValue: String(text[..<colon])) else {
            throw UsageError("\(flag): the kind is tap or packet, not \(text[..<colon])")
        }
        let parts = text[text.index(after: colon)...].split(separator: ",", omittingEmptySubsequences: false)
            .map(String.init)
        guard let name = parts.first, parts.count >= 2 else {
            throw UsageError("\(flag): expected KIND:NAME,CIDR, e.g. --link \(kind.rawValue):veth1,10.1.0.254/24")
        }
        try DaemonConfiguration.checkInterfaceName(name, flag: flag)
        var address: IPv4Subnet?
        var ipv6: [IPv6Subnet] = []
        var mac: MACAddress?
        var mtu: Int?
        var hostText: String?
        var offloads = offloadsByDefault
        for item in parts.dropFirst() {
            guard let equals = item.firstIndex(of: "=") else {
                if DaemonConfiguration.isIPv6Text(item) {
                    let prefix = try DaemonConfiguration.parseIPv6HostCIDR(item, flag: flag)
                    if ipv6.contains(where: { $0.contains(prefix.network) || prefix.contains($0.network) }) {
                        throw UsageError("\(flag): \(item) overlaps another IPv6 address of the link")
                    }
                    ipv6.append(prefix)
                    continue
                }
                guard address == nil else {
                    throw UsageError("\(flag): one IPv4 address per link (\(item) is a second one)")
                }
                address = try DaemonConfiguration.parseHostCIDR(item, flag: flag)
                continue
            }
            let key = String(item[..<equals]), value = String(item[item.index(after: equals)...])
            switch key {
            case "mac":
                mac = try DaemonConfiguration.parseMAC(value, flag: "\(flag): mac=")
            case "mtu":
                guard let number = Int(value), DaemonConfiguration.mtuRange.contains(number) else {
                    throw UsageError("\(flag): mtu=\(value) is not an MTU in \(DaemonConfiguration.mtuRange.lowerBound)–\(DaemonConfiguration.mtuRange.upperBound)")
                }
                mtu = number
            case "host-address":
                guard kind == .tap else {
                    throw UsageError("\(flag): host-address= configures the kernel side of a TAP; configure a packet link's interface with ip(8)")
                }
                hostText = value
            case "offload":
                guard value == "off" || value == "on" else {
                    throw UsageError("\(flag): offload= is on or off, not \(value)")
                }
                offloads = value == "on"
            default:
                throw UsageError("\(flag): unknown option \(key)= (mac=, mtu=, host-address=, offload=)")
            }
        }
        guard let address else {
            throw UsageError("\(flag): the link needs an address, e.g. --link \(kind.rawValue):\(name),10.1.0.254/24")
        }
        try self.init(kind: kind, name: name, address: address, ipv6Addresses: ipv6, mac: mac, mtu: mtu,
                      hostAddressText: hostText, offloads: offloads, flag: flag)
    }

    /// A link from already parsed parts; checks the host address against the subnet.
    init(kind: Kind, name: String, address: IPv4Subnet, ipv6Addresses: [IPv6Subnet] = [], mac: MACAddress?, mtu: Int?,
         hostAddressText: String?, offloads: Bool, flag: String) throws(UsageError) {
        self.kind = kind
        self.name = name
        self.address = address
        self.ipv6Addresses = ipv6Addresses
        self.mac = mac ?? StackConfiguration.defaultMAC(for: address.address)
        self.mtu = mtu
        self.offloads = offloads
        if let text = hostAddressText {
            let host = try DaemonConfiguration.parseHostCIDR(text, flag: "\(flag) host-address")
            guard host.normalized == address.normalized else {
                throw UsageError("\(flag): host address \(text) is not in the subnet \(address.normalized) of \(address)")
            }
            guard host.address != address.address else {
                throw UsageError("\(flag): host address \(text) is the virtual host's own address; the kernel side needs another one")
            }
            hostAddress = host
        } else {
            hostAddress = nil
        }
    }
}
