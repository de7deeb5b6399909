import TernToolSupport
import TernWire

/// Turns the user's text into addresses and prefix lengths, with messages that say what a
/// valid value looks like. The parsing itself is TernWire's.
enum SubnetInput {
    /// A dotted-quad address.
    static func address(_ text: String) throws(ToolFailure) -> IPv4Address {
        guard let address = IPv4Address(text) else {
            throw ToolFailure("'\(text)' is not an IPv4 address (four numbers 0-255 separated by dots, e.g. 198.51.100.10)")
        }
        return address
    }

    /// A prefix length written as `/n`, `n` or a dotted netmask.
    static func prefixLength(_ text: String) throws(ToolFailure) -> Int {
        if let n = IPv4Subnet.parsePrefixLength(text) { return n }
        let body = text.hasPrefix("/") ? String(text.dropFirst()) : text
        if IPv4Address(body) != nil {
            throw ToolFailure("'\(text)' is not a netmask: its one bits must be contiguous from the left (e.g. 255.255.255.0)")
        }
        throw ToolFailure("'\(text)' is not a prefix length or netmask (use /0 to /32, 0 to 32, or a dotted mask such as 255.255.255.0)")
    }

    /// `ADDRESS/N` or `ADDRESS/MASK`.
    static func subnet(_ text: String) throws(ToolFailure) -> IPv4Subnet {
        guard let slash = text.firstIndex(of: "/") else {
            if IPv4Address(text) != nil {
                throw ToolFailure("'\(text)' has no prefix length: write it as \(text)/24, say, or give the mask as a second argument")
            }
            throw ToolFailure("'\(text)' is not an address with a prefix length (e.g. 198.51.100.10/24)")
        }
        return try subnet(address: String(text[..<slash]), mask: String(text[slash...]))
    }

    /// An address and a separate prefix length or mask.
    static func subnet(address text: String, mask: String) throws(ToolFailure) -> IPv4Subnet {
        let address = try address(text)
        let length = try prefixLength(mask)
        guard let subnet = IPv4Subnet(address: address, prefixLength: length) else {
            throw ToolFailure("'\(mask)' is not a prefix length between 0 and 32")
        }
        return subnet
    }

    // MARK: - IPv6

    /// Whether `text` is meant as IPv6: IPv6 addresses have colons, IPv4 ones never do.
    static func looksLikeIPv6(_ text: String) -> Bool {
        text.contains(":")
    }

    /// An IPv6 address in any RFC 4291 text form.
    static func ipv6Address(_ text: String) throws(ToolFailure) -> IPv6Address {
        guard let address = IPv6Address(text) else {
            throw ToolFailure("'\(text)' is not an IPv6 address (up to eight groups of 1-4 hex digits separated by colons, "
                              + ":: once for a run of zero groups, e.g. 2001:db8:acad:1::10)")
        }
        return address
    }

    /// An IPv6 prefix length written as `/n` or `n`; IPv6 has no dotted masks.
    static func ipv6PrefixLength(_ text: String) throws(ToolFailure) -> Int {
        if let n = IPv6Subnet.parsePrefixLength(text) { return n }
        if text.contains(".") || text.contains(":") {
            throw ToolFailure("'\(text)' is a mask: an IPv6 prefix is written as a length, /0 to /128 (e.g. /64)")
        }
        throw ToolFailure("'\(text)' is not an IPv6 prefix length (use /0 to /128, or 0 to 128)")
    }

    /// `ADDRESS/N` for IPv6.
    static func ipv6Subnet(_ text: String) throws(ToolFailure) -> IPv6Subnet {
        guard let slash = text.firstIndex(of: "/") else {
            if IPv6Address(text) != nil {
                throw ToolFailure("'\(text)' has no prefix length: write it as \(text)/64, say, or give the length as a second argument")
            }
            throw ToolFailure("'\(text)' is not an IPv6 address with a prefix length (e.g. 2001:db8:acad:1::10/64)")
        }
        return try ipv6Subnet(address: String(text[..<slash]), prefixLength: String(text[slash...]))
    }

    /// An IPv6 address and a separate prefix length.
    static func ipv6Subnet(address text: String, prefixLength: String) throws(ToolFailure) -> IPv6Subnet {
        let address = try ipv6Address(text)
        let length = try ipv6PrefixLength(prefixLength)
        guard let subnet = IPv6Subnet(address: address, prefixLength: length) else {
            throw ToolFailure("'\(prefixLength)' is not a prefix length between 0 and 128")
        }
        return subnet
    }
}
