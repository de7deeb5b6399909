import TernStack

/// The chat server's logic (SPEC §3.4), free of I/O.
///
/// The adapter names each connection with a `ChatClientID`, reports connects, received bytes
/// (any split) and disconnects, and carries out the returned actions in order. The room keeps
/// each client's unsent output itself, so it always knows each backlog exactly; the adapter
/// moves it to the socket with `drainOutput(for:send:)`.
///
/// Rules:
/// - `hello` comes first and exactly once; the nick must be 1…`maximumNickLength` UTF-8
///   bytes, free of whitespace and control characters, and not in use.
/// - After a hello, `{"type":"join","nick":N}` goes to every connected client, the joiner
///   included, and clients that have not said hello yet included.
/// - Each `chat` is broadcast to every connected client, the sender included, as
///   `{"type":"chat","nick":N,"message":M}`.
/// - When a client that said hello leaves (disconnect, drop), `{"type":"leave","nick":N}`
///   goes to every client still connected.
/// - Protocol violations (a zero or oversized length, invalid UTF-8 or JSON, not an object
///   with a string type, an unknown type or one only servers send, a missing or non-string
///   field, anything before hello, a second hello, a bad or taken nick) get
///   `{"type":"error","message":…}` and the client is closed. Other clients see only a leave,
///   and only if the offender had said hello.
/// - Requests that are well formed but cannot be carried out (a private message to an unknown
///   nick, a message too long to relay) get an error and the client stays.
/// - A client whose unsent output would exceed `maximumUnsentBytes` is reset, and the others
///   see its leave.
public struct ChatRoom {
    public let limits: ChatRoomLimits

    private struct Client {
        var decoder: LengthPrefixedPacketDecoder
        var nick: String?
        var output = ByteQueue()
    }

    private var clients: [ChatClientID: Client] = [:]
    /// Clients in the order they connected, so broadcasts are deterministic.
    private var order: [ChatClientID] = []
    private var clientByNick: [String: ChatClientID] = [:]

    /// Collected while one call runs.
    private var actions: [ChatRoomAction] = []
    private var flushOrder: [ChatClientID] = []
    private var flushPending: Set<ChatClientID> = []
    private var pendingLeaves: [String] = []

    public init(limits: ChatRoomLimits = ChatRoomLimits()) {
        self.limits = limits
    }

    // MARK: Queries

    public var clientCount: Int { clients.count }

    /// The nicks of clients that said hello, sorted.
    public var nicks: [String] { clientByNick.keys.sorted() }

    public func isConnected(_ id: ChatClientID) -> Bool { clients[id] != nil }

    public func nick(of id: ChatClientID) -> String? { clients[id]?.nick }

    /// Bytes queued for `id` that the socket has not taken yet.
    public func unsentByteCount(for id: ChatClientID) -> Int { clients[id]?.output.count ?? 0 }

    /// Gives back table room kept from a past crowd of clients.
    public mutating func releaseUnusedMemory() {
        clients.releaseExcessCapacity()
        clientByNick.releaseExcessCapacity()
        if order.count * 4 <= order.capacity && order.capacity > 64 { order = Array(order) }
        actions.releaseExcessCapacityIfEmpty()
        flushOrder.releaseExcessCapacityIfEmpty()
        pendingLeaves.releaseExcessCapacityIfEmpty()
    }

    // MARK: Events

    /// A connection was accepted.
    public mutating func clientConnected(_ id: ChatClientID) -> [ChatRoomAction] {
        guard clients[id] == nil else { return [] }
        guard clients.count < limits.maximumClients else {
            return [.close(id, finalBytes: Self.errorPacket("the chat is full"))]
        }
        clients[id] = Client(decoder: LengthPrefixedPacketDecoder(maximumPayloadLength: limits.maximumPacketLength))
        order.append(id)
        return []
    }

    /// Bytes arrived from `id`.
    public mutating func received(_ bytes: UnsafeRawBufferPointer, from id: ChatClientID) -> [ChatRoomAction] {
        var input = bytes
        while clients[id] != nil {
            let packet: [UInt8]?
            do {
                // In place: a copy of the client would copy its partial packet on every call.
                packet = try clients[id]?.decoder.nextPacket(from: &input)
            } catch {
                reject(id, error.description)
                break
            }
            guard let packet else { break }
            handle(packet, from: id)
            broadcastPendingLeaves()
        }
        return finish()
    }

    /// `received(_:from:)` for bytes in an array.
    public mutating func received(_ bytes: [UInt8], from id: ChatClientID) -> [ChatRoomAction] {
        bytes.withUnsafeBytes { received($0, from: id) }
    }

    /// The connection to `id` is gone (closed by the peer, reset, or closed by the adapter).
    /// The room forgets it and tells the others it left.
    public mutating func clientDisconnected(_ id: ChatClientID) -> [ChatRoomAction] {
        remove(id)
        broadcastPendingLeaves()
        return finish()
    }

    /// Offers `id`'s queued output to `send` until `send` takes less than offered or the queue
    /// is empty. `send` returns how many bytes it took. Returns the total taken.
    public mutating func drainOutput(for id: ChatClientID, send: (UnsafeRawBufferPointer) -> Int) -> Int {
        var total = 0
        while let offered = clients[id]?.output.count, offered > 0 {
            let taken = min(max(clients[id]?.output.withBytes(send) ?? 0, 0), offered)
            clients[id]?.output.removeFirst(taken)
            total += taken
            if taken < offered { break }
        }
        return total
    }

    // MARK: Packets

    private mutating func handle(_ payload: [UInt8], from id: ChatClientID) {
        let packet: ChatPacket
        do {
            packet = try ChatPacket(payload: payload)
        } catch {
            reject(id, error.description)
            return
        }
        guard let nick = clients[id]?.nick else {
            guard case .hello(let nick) = packet else {
                reject(id, "say hello first")
                return
            }
            hello(nick, from: id)
            return
        }
        switch packet {
        case .hello:
            reject(id, "hello may be sent only once")
        case .chat(_, let message):
            relay(.chat(nick: nick, message: message), from: id)
        case .emote(_, let message):
            relay(.emote(nick: nick, message: message), from: id)
        case .privateMessage(_, let to, let message):
            guard let recipient = clientByNick[to] else {
                send(.error(message: "no user called \(to)"), to: id)
                return
            }
            guard let bytes = try? ChatPacket.privateMessage(from: nick, to: to, message: message).framed() else {
                send(.error(message: "message too long"), to: id)
                return
            }
            enqueue(bytes, to: recipient)
            if recipient != id { enqueue(bytes, to: id) }
        case .who:
            send(.users(nicks: nicks), to: id)
        case .join, .leave, .error, .users:
            reject(id, "clients may not send \"\(packet.typeName)\" packets")
        }
    }

    private mutating func hello(_ nick: String, from id: ChatClientID) {
        switch NickValidation.problem(with: nick, maximumLength: limits.maximumNickLength) {
        case .empty?: reject(id, "the nick is empty")
        case .tooLong?: reject(id, "the nick is longer than \(limits.maximumNickLength) bytes")
        case .forbiddenCharacter?: reject(id, "the nick may not contain spaces or control characters")
        case nil:
            guard clientByNick[nick] == nil else {
                reject(id, "the nick \(nick) is taken")
                return
            }
            clients[id]?.nick = nick
            clientByNick[nick] = id
            broadcast(.join(nick: nick))
        }
    }

    /// Broadcasts a packet built from a client's input, or tells the client it is too long.
    private mutating func relay(_ packet: ChatPacket, from id: ChatClientID) {
        guard let bytes = try? packet.framed() else {
            send(.error(message: "message too long"), to: id)
            return
        }
        broadcast(bytes)
    }

    // MARK: Output

    private mutating func broadcast(_ packet: ChatPacket) {
        // Server-built join and leave packets hold a checked nick and always fit.
        guard let bytes = try? packet.framed() else { return }
        broadcast(bytes)
    }

    private mutating func broadcast(_ bytes: [UInt8]) {
        for id in order {
            enqueue(bytes, to: id)
        }
    }

    private mutating func send(_ packet: ChatPacket, to id: ChatClientID) {
        guard let bytes = try? packet.framed() else { return }
        enqueue(bytes, to: id)
    }

    /// Queues bytes for a client, or drops it if that would exceed its backlog bound.
    private mutating func enqueue(_ bytes: [UInt8], to id: ChatClientID) {
        guard let unsent = clients[id]?.output.count else { return }
        guard unsent + bytes.count <= limits.maximumUnsentBytes else {
            remove(id)
            actions.append(.abort(id))
            return
        }
        clients[id]?.output.append(bytes)
        if flushPending.insert(id).inserted { flushOrder.append(id) }
    }

    /// Drops a client for bad input: it gets an error packet and is closed.
    private mutating func reject(_ id: ChatClientID, _ message: String) {
        guard clients[id] != nil else { return }
        remove(id)
        actions.append(.close(id, finalBytes: Self.errorPacket(message)))
    }

    /// Forgets a client; its leave is broadcast by `broadcastPendingLeaves`.
    private mutating func remove(_ id: ChatClientID) {
        guard let client = clients.removeValue(forKey: id) else { return }
        order.removeAll { $0 == id }
        if let nick = client.nick {
            clientByNick[nick] = nil
            pendingLeaves.append(nick)
        }
    }

    /// Broadcasts leaves until none are pending (a leave can drop another slow client, whose
    /// leave then follows).
    private mutating func broadcastPendingLeaves() {
        var next = 0
        while next < pendingLeaves.count {
            broadcast(.leave(nick: pendingLeaves[next]))
            next += 1
        }
        pendingLeaves.removeAll()
    }

    private mutating func finish() -> [ChatRoomAction] {
        broadcastPendingLeaves()
        var result = actions
        for id in flushOrder where clients[id] != nil {
            result.append(.flush(id))
        }
        actions.removeAll()
        flushOrder.removeAll()
        flushPending.removeAll()
        return result
    }

    /// A framed error packet; messages are short, so framing cannot fail.
    static func errorPacket(_ message: String) -> [UInt8] {
        (try? ChatPacket.error(message: message).framed()) ?? []
    }
}
