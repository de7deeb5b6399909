import TernToolSupport
import TernWire

/// What `tern-subnet ADDRESS/N` prints: every number a learner wants to see for a subnet,
/// all computed by `IPv4Subnet`.
struct SubnetReport {
    let subnet: IPv4Subnet

    init(_ subnet: IPv4Subnet) {
        self.subnet = subnet
    }

    /// Why there is no broadcast address, or nil when there is one.
    var noBroadcastReason: String? {
        switch subnet.prefixLength {
        case 32: "none (a /32 is a single host)"
        case 31: "none (a /31 is a point-to-point link, RFC 3021)"
        default: nil
        }
    }

    /// The report, one `Label: value` line each, labels padded to one width.
    func lines(binary: Bool = false) -> [String] {
        let address = subnet.address
        var rows: [(String, String, IPv4Address?)] = [
            ("Address", "\(address)", address),
            ("Netmask", "\(subnet.mask) = /\(subnet.prefixLength)", subnet.mask),
            ("Network", "\(subnet.network)/\(subnet.prefixLength)", subnet.network),
        ]
        if let reason = noBroadcastReason {
            rows.append(("Broadcast", reason, nil))
        } else {
            rows.append(("Broadcast", "\(subnet.broadcast)", subnet.broadcast))
        }
        rows += [
            ("First host", "\(subnet.firstHost)", subnet.firstHost),
            ("Last host", "\(subnet.lastHost)", subnet.lastHost),
            ("Hosts", "\(subnet.hostCount)", nil),
            ("As a number", "\(address.rawValue) = \(hex(address.rawValue))", nil),
        ]
        let labelWidth = rows.map(\.0.count).max() ?? 0
        let valueWidth = rows.filter { $0.2 != nil }.map(\.1.count).max() ?? 0
        return rows.map { label, value, shown in
            let head = label + ":" + String(repeating: " ", count: labelWidth - label.count + 2)
            guard binary, let shown else { return head + value }
            return head + value + String(repeating: " ", count: valueWidth - value.count + 2) + SubnetReport.binary(shown)
        }
    }

    /// The address in binary, eight digits per octet, octets separated by dots.
    static func binary(_ address: IPv4Address) -> String {
        (0..<4).map { index in
            let bits = String(address[index], radix: 2)
            return String(repeating: "0", count: 8 - bits.count) + bits
        }.joined(separator: ".")
    }
}
