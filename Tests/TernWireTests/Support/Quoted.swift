import TernWire

/// The datagram an ICMP error quotes, as `ICMPMessage.quotedDatagram` reads it from
/// `message` (a whole ICMP message): the quoted header and a copy of the quoted payload.
func quotedDatagram(inMessage message: [UInt8]) throws(WireError) -> (header: IPv4Header, leadingPayload: [UInt8])? {
    let result: Result<(IPv4Header, [UInt8])?, WireError> = message.withUnsafeBytes { raw in
        do throws(WireError) {
            let parsed = try ICMPHeader.parse(raw)
            guard let quoted = parsed.quotedDatagram else { return .success(nil) }
            return .success((quoted.header, Array(quoted.leadingPayload)))
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}

/// `ICMPQuotedDatagram.parse` over `bytes` (an ICMP error's payload).
func parseQuoted(_ bytes: [UInt8]) throws(WireError) -> (header: IPv4Header, leadingPayload: [UInt8]) {
    let result: Result<(IPv4Header, [UInt8]), WireError> = bytes.withUnsafeBytes { raw in
        do throws(WireError) {
            let quoted = try ICMPQuotedDatagram.parse(raw)
            return .success((quoted.header, Array(quoted.leadingPayload)))
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}
