/// One chat packet (docs/protocols.md, "Chat"): a JSON object with a string field `"type"`.
///
/// The packets of the protocol (docs/protocols.md):
/// - `{"type":"hello","nick":N}` — client → server, first and exactly once;
/// - `{"type":"chat","message":M}` — client → server; the server broadcasts
///   `{"type":"chat","nick":N,"message":M}`;
/// - `{"type":"join","nick":N}`, `{"type":"leave","nick":N}` — server → clients;
/// - `{"type":"error","message":M}` — server → client.
///
/// Extensions (new types, which clients that do not know them ignore):
/// - `{"type":"me","message":M}` — client → server, an emote ("/me waves"); broadcast as
///   `{"type":"me","nick":N,"message":M}`;
/// - `{"type":"private","to":T,"message":M}` — client → server; delivered to T and echoed to
///   the sender as `{"type":"private","from":N,"to":T,"message":M}`;
/// - `{"type":"who"}` — client → server; answered with `{"type":"users","nicks":[…]}`.
///
/// Decoding ignores members it does not need, so packets may carry more fields in future.
public enum ChatPacket: Hashable, Sendable {
    case hello(nick: String)
    /// `nick` is absent from client to server and present from server to client.
    case chat(nick: String?, message: String)
    case join(nick: String)
    case leave(nick: String)
    case error(message: String)
    /// `nick` is absent from client to server and present from server to client.
    case emote(nick: String?, message: String)
    /// `from` is absent from client to server and present from server to client.
    case privateMessage(from: String?, to: String, message: String)
    case who
    case users(nicks: [String])

    /// The value of the `"type"` field.
    public var typeName: String {
        switch self {
        case .hello: "hello"
        case .chat: "chat"
        case .join: "join"
        case .leave: "leave"
        case .error: "error"
        case .emote: "me"
        case .privateMessage: "private"
        case .who: "who"
        case .users: "users"
        }
    }
}

/// Why a payload is not a chat packet this codec understands.
public enum ChatPacketError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidJSON(JSONParseError)
    /// Valid JSON, but not an object with a string `"type"`.
    case notAPacket
    /// A type this codec does not know. Clients should ignore such packets.
    case unknownType(String)
    case missingField(type: String, field: String)
    /// A required field of the wrong JSON type.
    case invalidField(type: String, field: String)

    public var description: String {
        switch self {
        case .invalidJSON(let e): "invalid JSON: \(e)"
        case .notAPacket: "a packet must be a JSON object with a string \"type\""
        case .unknownType(let t): "unknown packet type \"\(t)\""
        case .missingField(let t, let f): "a \"\(t)\" packet needs a \"\(f)\" field"
        case .invalidField(let t, let f): "the \"\(f)\" field of a \"\(t)\" packet must be a string"
        }
    }
}
