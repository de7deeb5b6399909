/// An IPv6 address with a prefix length (`2001:db8:acad:1::10/64`).
///
/// IPv6 has no broadcast address and no "host count" rule: every address of the prefix,
/// the first one included, can be assigned (the all-zero interface identifier is the
/// subnet-router anycast address, RFC 4291 §2.6.1). The address may be any address in the
/// prefix; `network` gives the prefix itself.
public struct IPv6Subnet: Hashable, Sendable, CustomStringConvertible {
    /// The address as given (not necessarily the network address).
    public let address: IPv6Address
    /// The number of leading bits that name the network, 0…128.
    public let prefixLength: Int

    /// Creates a subnet; nil when `prefixLength` is outside 0…128.
    public init?(address: IPv6Address, prefixLength: Int) {
        guard (0...128).contains(prefixLength) else { return nil }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// `::/0`, the destination of a default route.
    public static let everything = IPv6Subnet(unchecked: .unspecified, 0)
    /// `fe80::/64`, the prefix of every link-local address in use (RFC 4291 §2.5.6).
    public static let linkLocal = IPv6Subnet(unchecked: IPv6Address.linkLocalPrefix, 64)

    /// Parses `ADDRESS/N` with N a decimal number 0…128 (no sign, no leading zeros). A bare
    /// address without `/N` is rejected.
    public init?(_ text: some StringProtocol) {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        guard let address = IPv6Address(text[text.startIndex..<slash]),
              let length = IPv6Subnet.parsePrefixLength(text[text.index(after: slash)...])
        else { return nil }
        self.init(address: address, prefixLength: length)
    }

    /// Parses a prefix length written as `N` or `/N`, 0…128.
    public static func parsePrefixLength(_ text: some StringProtocol) -> Int? {
        var body = Substring(text)
        if body.first == "/" { body = body.dropFirst() }
        let digits = body.utf8
        guard (1...3).contains(digits.count), digits.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              digits.count == 1 || digits.first != UInt8(ascii: "0"),
              let n = Int(body), n <= 128 else { return nil }
        return n
    }

    /// The mask as a number: `prefixLength` one bits from the top.
    @inline(__always)
    public static func maskValue(prefixLength n: Int) -> UInt128 {
        // Smart shift: shifting by 128 gives 0, so /0 has no one bits.
        n <= 0 ? 0 : UInt128.max << (128 - min(n, 128))
    }

    /// The mask as an address, e.g. `ffff:ffff:ffff:ffff::` for /64.
    public var mask: IPv6Address { IPv6Address(rawValue: IPv6Subnet.maskValue(prefixLength: prefixLength)) }
    /// The prefix itself: the address with every bit after the prefix cleared.
    public var network: IPv6Address { IPv6Address(rawValue: address.rawValue & IPv6Subnet.maskValue(prefixLength: prefixLength)) }
    /// The first address of the prefix (the network address: IPv6 reserves no broadcast).
    public var firstAddress: IPv6Address { network }
    /// The last address of the prefix: every bit after the prefix set.
    public var lastAddress: IPv6Address {
        IPv6Address(rawValue: address.rawValue | ~IPv6Subnet.maskValue(prefixLength: prefixLength))
    }
    /// The bits of the address after the prefix (the interface identifier, for a /64).
    public var hostPart: UInt128 { address.rawValue & ~IPv6Subnet.maskValue(prefixLength: prefixLength) }
    /// The subnet with its address set to the prefix (`2001:db8::/32` for `2001:db8::1/32`).
    public var normalized: IPv6Subnet { IPv6Subnet(unchecked: network, prefixLength) }

    /// Whether `other` lies in this prefix.
    @inline(__always)
    public func contains(_ other: IPv6Address) -> Bool {
        let m = IPv6Subnet.maskValue(prefixLength: prefixLength)
        return other.rawValue & m == address.rawValue & m
    }

    /// Whether `other` is a prefix that lies wholly inside this one (equal included).
    public func contains(_ other: IPv6Subnet) -> Bool {
        other.prefixLength >= prefixLength && contains(other.address)
    }

    /// The number of addresses is 2 to this power: 128 − prefix length.
    public var addressCountExponent: Int { 128 - prefixLength }

    /// The number of addresses, when it fits in 64 bits (prefixes /65 to /128).
    public var addressCount: UInt64? {
        prefixLength > 64 ? UInt64(1) << UInt64(128 - prefixLength) : nil
    }

    /// The number of addresses in decimal, exact for every length (a /0 holds
    /// 340282366920938463463374607431768211456).
    public var addressCountDecimal: String {
        IPv6Subnet.decimalPowerOfTwo(addressCountExponent)
    }

    /// 2^`exponent` in decimal, for exponents 0…128 and beyond.
    public static func decimalPowerOfTwo(_ exponent: Int) -> String {
        // Little-endian decimal digits, doubled `exponent` times.
        var digits: [UInt8] = [1]
        for _ in 0..<max(exponent, 0) {
            var carry: UInt8 = 0
            for i in digits.indices {
                let d = digits[i] * 2 + carry
                digits[i] = d % 10
                carry = d / 10
            }
            if carry > 0 { digits.append(carry) }
        }
        return String(decoding: digits.reversed().map { $0 + UInt8(ascii: "0") }, as: UTF8.self)
    }

    /// `ADDRESS/N` with the address as given, in RFC 5952 form.
    public var description: String { "\(address)/\(prefixLength)" }

    private init(unchecked address: IPv6Address, _ prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }
}
