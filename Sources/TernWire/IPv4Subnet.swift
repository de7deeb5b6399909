/// An IPv4 address with a prefix length, as written in CIDR notation (`10.0.0.2/24`).
///
/// All subnet arithmetic in Tern lives here: mask, network, broadcast, host part, membership.
/// The address may be any address in the subnet (an interface's own address, say); `network`
/// gives the subnet itself.
public struct IPv4Subnet: Hashable, Sendable, CustomStringConvertible {
    /// The address as given (not necessarily the network address).
    public let address: IPv4Address
    /// The number of leading one bits in the mask, 0…32.
    public let prefixLength: Int

    /// Creates a subnet; nil when `prefixLength` is outside 0…32.
    public init?(address: IPv4Address, prefixLength: Int) {
        guard (0...32).contains(prefixLength) else { return nil }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// 0.0.0.0/0, the destination of a default route.
    public static let everything = IPv4Subnet(unchecked: .any, 0)

    /// Parses `A.B.C.D/N` (or `A.B.C.D/M.M.M.M` with a contiguous mask). A bare address
    /// without `/N` is rejected: the prefix matters too much to guess.
    public init?(_ text: some StringProtocol) {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        guard let address = IPv4Address(text[text.startIndex..<slash]) else { return nil }
        let digits = text[text.index(after: slash)...]
        // parsePrefixLength also takes "/N"; here the slash is already consumed.
        guard digits.first != "/", let length = IPv4Subnet.parsePrefixLength(digits) else { return nil }
        self.init(address: address, prefixLength: length)
    }

    /// Parses `N`, `/N` or a dotted contiguous mask such as `255.255.255.0` into a prefix length.
    public static func parsePrefixLength(_ text: some StringProtocol) -> Int? {
        var body = Substring(text)
        if body.first == "/" { body = body.dropFirst() }
        if body.contains(".") {
            guard let mask = IPv4Address(body) else { return nil }
            return prefixLength(ofMask: mask.rawValue)
        }
        guard !body.isEmpty, body.count <= 2, body.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let n = Int(body), (0...32).contains(n) else { return nil }
        return n
    }

    /// The prefix length of a contiguous mask, nil if the one bits are not contiguous.
    public static func prefixLength(ofMask mask: UInt32) -> Int? {
        let n = mask.nonzeroBitCount
        return maskValue(prefixLength: n) == mask ? n : nil
    }

    /// `(0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF`, with /0 giving 0.
    @inline(__always)
    public static func maskValue(prefixLength n: Int) -> UInt32 {
        n == 0 ? 0 : UInt32.max << UInt32(32 - n)
    }

    /// The netmask, e.g. 255.255.255.0 for /24.
    public var mask: IPv4Address { IPv4Address(rawValue: IPv4Subnet.maskValue(prefixLength: prefixLength)) }
    /// address AND mask.
    public var network: IPv4Address { IPv4Address(rawValue: address.rawValue & mask.rawValue) }
    /// network OR NOT mask.
    public var broadcast: IPv4Address { IPv4Address(rawValue: network.rawValue | ~mask.rawValue) }
    /// The bits of the address outside the mask.
    public var hostPart: UInt32 { address.rawValue & ~mask.rawValue }
    /// The subnet with its address set to the network address (`10.0.0.0/24` for `10.0.0.2/24`).
    public var normalized: IPv4Subnet { IPv4Subnet(unchecked: network, prefixLength) }

    /// Number of usable host addresses: 2^(32-n) - 2, except /31 (2 hosts, RFC 3021) and /32 (1).
    public var hostCount: UInt64 {
        switch prefixLength {
        case 32: return 1
        case 31: return 2
        default: return (UInt64(1) << UInt64(32 - prefixLength)) - 2
        }
    }

    /// The first usable host: the network address itself for /31 and /32 (RFC 3021).
    public var firstHost: IPv4Address {
        prefixLength >= 31 ? network : IPv4Address(rawValue: network.rawValue + 1)
    }

    /// The last usable host: the broadcast address itself for /31 and /32 (RFC 3021).
    public var lastHost: IPv4Address {
        prefixLength >= 31 ? broadcast : IPv4Address(rawValue: broadcast.rawValue - 1)
    }

    /// Whether `other` lies in this subnet.
    @inline(__always)
    public func contains(_ other: IPv4Address) -> Bool {
        let m = IPv4Subnet.maskValue(prefixLength: prefixLength)
        return (other.rawValue & m) == (address.rawValue & m)
    }

    /// Whether `other` is this subnet's directed broadcast address. A /31 or /32 has none.
    public func isDirectedBroadcast(_ other: IPv4Address) -> Bool {
        prefixLength < 31 && other == broadcast
    }

    /// Whether two hosts are on the same subnet under `mask`: their networks are equal.
    public static func sameSubnet(_ a: IPv4Address, _ b: IPv4Address, mask: IPv4Address) -> Bool {
        (a.rawValue & mask.rawValue) == (b.rawValue & mask.rawValue)
    }

    /// `A.B.C.D/N` with the address as given.
    public var description: String { "\(address)/\(prefixLength)" }

    private init(unchecked address: IPv4Address, _ prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }
}
