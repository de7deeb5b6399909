import FuzzSupport
import TernServices

/// A `ChatRoom` and eight client slots, each holding at most one connection at a time and
/// the bytes it has read but not yet parsed.
struct ChatSimulation {
    /// Prints what every client reads and every action (the replay driver sets it from `FUZZ_TRACE`).
    nonisolated(unsafe) static var trace = false

    private struct Client {
        var id: ChatClientID?
        var connections: UInt64 = 0
        var unread: [UInt8] = []
    }

    private var room: ChatRoom
    let limits: ChatRoomLimits
    let eagerReaders: Bool
    private var clients = [Client](repeating: Client(), count: 8)

    init(limits: ChatRoomLimits, eagerReaders: Bool) {
        self.room = ChatRoom(limits: limits)
        self.limits = limits
        self.eagerReaders = eagerReaders
    }

    var clientCount: Int { room.clientCount }

    /// The nick of the client in `slot`, if it is connected and said hello.
    func nick(ofSlot slot: Int) -> String? {
        clients[slot & 7].id.flatMap { room.nick(of: $0) }
    }

    // MARK: - Client actions

    mutating func connect(_ slot: Int) {
        disconnect(slot)
        clients[slot].connections += 1
        let id = ChatClientID(UInt64(slot) << 32 | clients[slot].connections)
        clients[slot].id = id
        clients[slot].unread = []
        perform(room.clientConnected(id))
    }

    mutating func receive(_ bytes: [UInt8], from slot: Int) {
        DecoderSplitCheck.check(bytes, maximumPayloadLength: limits.maximumPacketLength)
        guard let id = clients[slot].id else { return }
        perform(room.received(bytes, from: id))
    }

    /// Frames `payload` and delivers it in two pieces cut at `split`.
    mutating func receivePacket(_ payload: [UInt8], split: Int, from slot: Int) {
        let body = payload.prefix(LengthPrefixedPacket.largestPayloadLength)
        let framed = [UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
        let cut = split % (framed.count + 1)
        guard let id = clients[slot].id else { return }
        perform(room.received(Array(framed[..<cut]), from: id))
        guard clients[slot].id == id else { return }
        perform(room.received(Array(framed[cut...]), from: id))
    }

    /// The client reads up to `budget` bytes of what is queued for it.
    mutating func read(_ slot: Int, upTo budget: Int) {
        guard let id = clients[slot].id else { return }
        var left = budget
        var taken: [UInt8] = []
        let total = room.drainOutput(for: id) { bytes in
            let n = min(bytes.count, left)
            taken += bytes[0..<n]
            left -= n
            return n
        }
        require(total == taken.count, "drainOutput reported \(total) bytes, the client took \(taken.count)")
        clients[slot].unread += taken
        let packets = ServerPacketCheck.consume(&clients[slot].unread, limits: limits)
        if ChatSimulation.trace { for packet in packets { traceLine("client \(slot) reads \(packet)") } }
        if room.unsentByteCount(for: id) == 0 {
            require(clients[slot].unread.isEmpty,
                    "a client read everything queued and holds \(clients[slot].unread.count) bytes of a partial packet")
        }
    }

    mutating func disconnect(_ slot: Int) {
        guard let id = clients[slot].id else { return }
        clients[slot].id = nil
        perform(room.clientDisconnected(id))
        require(!room.isConnected(id), "\(id) still connected after clientDisconnected")
        require(room.drainOutput(for: id) { $0.count } == 0, "output for \(id) after it disconnected")
    }

    // MARK: - The adapter's part

    private mutating func perform(_ actions: [ChatRoomAction]) {
        for action in actions {
            if ChatSimulation.trace { traceLine("action \(action)") }
            switch action {
            case .flush(let id):
                require(room.isConnected(id), "flush for \(id), which the room does not hold")
                guard let slot = slot(of: id) else { fatalError("invariant violated: flush for unknown \(id)") }
                if eagerReaders { read(slot, upTo: .max) }
            case .close(let id, let finalBytes):
                require(!room.isConnected(id), "close for \(id), which the room still holds")
                var bytes = finalBytes
                let packets = ServerPacketCheck.consume(&bytes, limits: limits)
                require(bytes.isEmpty && packets.count == 1, "a close action's final bytes are not one packet")
                if case .error = packets[0] {} else { fatalError("invariant violated: final packet \(packets[0]) is not an error") }
                if let slot = slot(of: id) { clients[slot].id = nil }
            case .abort(let id):
                require(!room.isConnected(id), "abort for \(id), which the room still holds")
                if let slot = slot(of: id) { clients[slot].id = nil }
            }
        }
    }

    private func slot(of id: ChatClientID) -> Int? {
        clients.firstIndex { $0.id == id }
    }

    // MARK: - Invariants

    func checkInvariants() {
        require(room.clientCount <= limits.maximumClients,
                "\(room.clientCount) clients, limit \(limits.maximumClients)")
        var connected = 0
        var greeted = 0
        for client in clients {
            guard let id = client.id else { continue }
            connected += 1
            require(room.isConnected(id), "\(id) is connected but the room has forgotten it")
            let unsent = room.unsentByteCount(for: id)
            require(unsent <= limits.maximumUnsentBytes, "\(unsent) unsent bytes for \(id), limit \(limits.maximumUnsentBytes)")
            if let nick = room.nick(of: id) {
                greeted += 1
                require(room.nicks.contains(nick), "nick \(nick) missing from the room's list")
            }
        }
        require(connected == room.clientCount, "\(connected) clients connected, the room counts \(room.clientCount)")
        let nicks = room.nicks
        require(nicks.count == greeted, "\(nicks.count) nicks for \(greeted) clients that said hello")
        require(Set(nicks).count == nicks.count, "duplicate nicks \(nicks)")
        for nick in nicks {
            require(!nick.isEmpty && nick.utf8.count <= limits.maximumNickLength, "an invalid nick \(nick) in the room")
        }
    }
}
