import FuzzSupport
import TernStack
import TernWire

/// Record 6: `[kind] [connection] [mtu:2] [quote length]`, an ICMP error about the last
/// TCP datagram the engine sent on one 4-tuple (`connection` modulo the 4-tuples seen).
///
/// kind % 6 picks the error: port, host, fragmentation-needed (with the MTU field), protocol
/// unreachable, time exceeded, parameter problem; with bit 3 the gateway reports it instead
/// of the peer. The quote holds the datagram's header and (quote length % 29) bytes of its
/// TCP header.
enum ICMPErrorRecord {
    private static let errors: [(type: UInt8, code: UInt8)] = [(3, 3), (3, 1), (3, 4), (3, 2), (11, 0), (12, 0)]

    static func read(_ input: inout FuzzInput, world: StackWorld) -> [UInt8]? {
        let kind = input.byte()
        let selector = Int(input.byte())
        let mtu = input.uint16()
        let quoteLength = Int(input.byte() % 29)
        let views = world.views
        guard !views.isEmpty else { return nil }
        let view = views[selector % views.count]
        let quoted = view.lastDatagram
        guard quoted.count >= IPv4Header.minimumSize else { return nil }
        let headerLength = Int(quoted[0] & 0x0F) * 4
        let error = errors[Int(kind) % errors.count]
        var message: [UInt8] = [error.type, error.code, 0, 0, 0, 0, 0, 0]
        if error.type == 3 && error.code == 4 { FrameBuilding.put16(mtu, into: &message, at: 6) }
        message += quoted.prefix(min(quoted.count, headerLength + quoteLength))
        FrameBuilding.put16(FrameBuilding.checksum(message, 0..<message.count), into: &message, at: 2)
        let reporter = kind & 8 != 0 ? StackCast.gatewayIP : view.remote
        return FrameBuilding.ipv4Frame(from: reporter, protocol: .icmp, transport: message,
                                       identification: world.takeIdentification())
    }
}
