/// An address of either IP version: what sockets and connection keys hold, so the same
/// code serves IPv4 now and IPv6 next.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses dotted-quad IPv4 or textual IPv6 (RFC 4291 §2.2).
    public init?(_ text: some StringProtocol) {
        if let v4 = IPv4Address(text) {
            self = .v4(v4)
        } else if let v6 = IPv6Address(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    /// The IPv4 address, or nil for an IPv6 one.
    @inlinable
    public var ipv4: IPv4Address? {
        if case .v4(let address) = self { return address }
        return nil
    }

    /// The IPv6 address, or nil for an IPv4 one.
    @inlinable
    public var ipv6: IPv6Address? {
        if case .v6(let address) = self { return address }
        return nil
    }

    /// The address as 128 bits, IPv4 mapped into ::ffff:0:0/96 (RFC 4291 §2.5.5.2): one
    /// fixed-size form for keys and hashes.
    @inlinable
    public var wide: (high: UInt64, low: UInt64) {
        switch self {
        case .v4(let a): return (0, 0xFFFF_0000_0000 | UInt64(a.rawValue))
        case .v6(let a): return (a.high, a.low)
        }
    }

    public var description: String {
        switch self {
        case .v4(let a): a.description
        case .v6(let a): a.description
        }
    }
}
