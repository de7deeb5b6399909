extension ChatPacket {
    /// Decodes a packet's payload (UTF-8 JSON, without the length prefix).
    public init(payload: UnsafeRawBufferPointer) throws(ChatPacketError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(payload)
        } catch {
            throw .invalidJSON(error)
        }
        try self.init(json: value)
    }

    public init(payload: [UInt8]) throws(ChatPacketError) {
        let result: Result<ChatPacket, ChatPacketError> = payload.withUnsafeBytes { raw in
            do throws(ChatPacketError) {
                return .success(try ChatPacket(payload: raw))
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    public init(json: JSONValue) throws(ChatPacketError) {
        guard let object = json.objectValue, let type = object["type"]?.stringValue else {
            throw .notAPacket
        }
        let fields = Fields(object: object, type: type)
        switch type {
        case "hello": self = .hello(nick: try fields.string("nick"))
        case "chat": self = .chat(nick: try fields.optionalString("nick"), message: try fields.string("message"))
        case "join": self = .join(nick: try fields.string("nick"))
        case "leave": self = .leave(nick: try fields.string("nick"))
        case "error": self = .error(message: try fields.string("message"))
        case "me": self = .emote(nick: try fields.optionalString("nick"), message: try fields.string("message"))
        case "private":
            self = .privateMessage(from: try fields.optionalString("from"), to: try fields.string("to"),
                                   message: try fields.string("message"))
        case "who": self = .who
        case "users":
            guard let list = object["nicks"] else { throw .missingField(type: type, field: "nicks") }
            guard let elements = list.arrayValue else { throw .invalidField(type: type, field: "nicks") }
            var nicks: [String] = []
            for element in elements {
                guard let nick = element.stringValue else { throw .invalidField(type: type, field: "nicks") }
                nicks.append(nick)
            }
            self = .users(nicks: nicks)
        default:
            throw .unknownType(type)
        }
    }

    /// The packet as a JSON object, `"type"` first, then the fields in the order docs/protocols.md
    /// writes them.
    public var json: JSONValue {
        var object = JSONObject()
        object["type"] = .string(typeName)
        switch self {
        case .hello(let nick), .join(let nick), .leave(let nick):
            object["nick"] = .string(nick)
        case .chat(let nick, let message), .emote(let nick, let message):
            if let nick { object["nick"] = .string(nick) }
            object["message"] = .string(message)
        case .error(let message):
            object["message"] = .string(message)
        case .privateMessage(let from, let to, let message):
            if let from { object["from"] = .string(from) }
            object["to"] = .string(to)
            object["message"] = .string(message)
        case .who:
            break
        case .users(let nicks):
            object["nicks"] = .array(nicks.map { .string($0) })
        }
        return .object(object)
    }

    /// The payload: compact UTF-8 JSON.
    public func payload() -> [UInt8] {
        json.serialized()
    }

    /// The payload with its length prefix, ready to send. Fails only if the JSON exceeds
    /// 65,535 bytes.
    public func framed() throws(PacketFramingError) -> [UInt8] {
        try LengthPrefixedPacketEncoder().encode(payload())
    }
}

/// Reads the string fields of one packet object.
private struct Fields {
    let object: JSONObject
    let type: String

    func string(_ name: String) throws(ChatPacketError) -> String {
        guard let value = object[name] else { throw .missingField(type: type, field: name) }
        guard let s = value.stringValue else { throw .invalidField(type: type, field: name) }
        return s
    }

    func optionalString(_ name: String) throws(ChatPacketError) -> String? {
        guard let value = object[name] else { return nil }
        guard let s = value.stringValue else { throw .invalidField(type: type, field: name) }
        return s
    }
}
