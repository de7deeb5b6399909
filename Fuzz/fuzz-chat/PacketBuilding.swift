import FuzzSupport
import TernServices

/// Builds the payload of a packet record (see `ChatScript`), and checks on the way that JSON
/// and chat packets read back as they were written.
enum PacketBuilding {
    static func payload(type: UInt8, text: [UInt8], room: ChatSimulation) -> [UInt8] {
        let string = String(decoding: text, as: UTF8.self)
        switch type % 8 {
        case 0: return ChatPacket.hello(nick: string).payload()
        case 1: return ChatPacket.chat(nick: nil, message: string).payload()
        case 2: return ChatPacket.emote(nick: nil, message: string).payload()
        case 3:
            let to = room.nick(ofSlot: Int(text.first ?? 0)) ?? string
            return ChatPacket.privateMessage(from: nil, to: to, message: String(decoding: text.dropFirst(), as: UTF8.self)).payload()
        case 4: return ChatPacket.who.payload()
        case 5: return ChatPacket.join(nick: string).payload()
        case 6:
            var object = JSONObject()
            object["type"] = .string("x-" + string)
            object["nick"] = .string(string)
            return JSONValue.object(object).serialized()
        default:
            checkRoundTrips(text)
            return text
        }
    }

    /// What parses serializes to text that parses to the same value; a packet that decodes
    /// encodes to a payload that decodes to the same packet.
    private static func checkRoundTrips(_ text: [UInt8]) {
        if let value = try? JSONParser.parse(text) {
            let again = try? JSONParser.parse(value.serialized())
            require(again == value, "JSON does not read back as written: \(String(decoding: value.serialized(), as: UTF8.self))")
        }
        if let packet = try? ChatPacket(payload: text) {
            require((try? ChatPacket(payload: packet.payload())) == packet, "chat packet \(packet) does not read back")
        }
    }
}
