import TernWire

/// The datagram an ICMP error quotes, as `ICMPMessage.quotedDatagram` reads it from
/// `message` (a whole ICMP message): the quoted header and a copy of the quoted payload.
/// Nil for messages that quote nothing or whose quote does not parse.
func quotedDatagram(inMessage message: [UInt8]) throws(WireError) -> (header: IPv4Header, leadingPayload: [UInt8])? {
    try withBytes(message) { raw throws(WireError) in
        guard let quoted = try ICMPHeader.parse(raw).quotedDatagram else { return nil }
        return (quoted.header, Array(quoted.leadingPayload))
    }
}

/// `ICMPQuotedDatagram.parse` over `bytes` (an ICMP error's payload).
func parseQuoted(_ bytes: [UInt8]) throws(WireError) -> (header: IPv4Header, leadingPayload: [UInt8]) {
    try withBytes(bytes) { raw throws(WireError) in
        let quoted = try ICMPQuotedDatagram.parse(raw)
        return (quoted.header, Array(quoted.leadingPayload))
    }
}
