/// What a node does with an extension header or option it has examined.
public enum IPv6HeaderDisposition: Hashable, Sendable {
    /// Go on with the packet.
    case process
    /// Drop the packet without a word.
    case discard
    /// Drop the packet and send a parameter problem with this code, pointing at this
    /// offset from the start of the IPv6 header (RFC 4443 §3.4).
    case discardAndReport(code: ICMPv6ParameterProblemCode, pointer: Int)
}
