import FuzzSupport
import TernServices

/// Reads what a client received, independently of the room: 2-byte big-endian lengths, each
/// followed by UTF-8 JSON holding one object with a string "type", which must decode as a
/// packet the server may send.
enum ServerPacketCheck {
    /// Removes and checks the whole packets at the front of `bytes`; returns them.
    @discardableResult
    static func consume(_ bytes: inout [UInt8], limits: ChatRoomLimits) -> [ChatPacket] {
        var packets: [ChatPacket] = []
        var position = 0
        while bytes.count - position >= 2 {
            let length = Int(bytes[position]) << 8 | Int(bytes[position + 1])
            require(length > 0, "the server sent a packet of length zero")
            guard bytes.count - position - 2 >= length else { break }
            let payload = Array(bytes[position + 2..<position + 2 + length])
            position += 2 + length
            packets.append(check(payload, limits: limits))
        }
        bytes.removeFirst(position)
        return packets
    }

    private static func check(_ payload: [UInt8], limits: ChatRoomLimits) -> ChatPacket {
        let value: JSONValue
        do {
            value = try JSONParser.parse(payload)
        } catch {
            fatalError("invariant violated: the server sent invalid JSON (\(error)): \(String(decoding: payload, as: UTF8.self))")
        }
        require(value.objectValue?["type"]?.stringValue != nil, "a server packet without a string \"type\"")
        let packet: ChatPacket
        do {
            packet = try ChatPacket(json: value)
        } catch {
            fatalError("invariant violated: a server packet does not decode (\(error))")
        }
        switch packet {
        case .join(let nick), .leave(let nick):
            require(!nick.isEmpty && nick.utf8.count <= limits.maximumNickLength, "join or leave of an invalid nick")
        case .chat(let nick, _), .emote(let nick, _):
            require(nick != nil, "a relayed packet without the sender's nick")
        case .privateMessage(let from, _, _):
            require(from != nil, "a private message without its sender")
        case .error, .users:
            break
        case .hello, .who:
            fatalError("invariant violated: the server sent a client-only \(packet.typeName) packet")
        }
        return packet
    }
}
