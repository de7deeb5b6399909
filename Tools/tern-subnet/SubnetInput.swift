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
}
