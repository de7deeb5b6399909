import Testing
@testable import TernServices

/// Simulated clients around a `ChatRoom`: carries out its actions the way the adapter will,
/// and records what each client receives.
private struct ChatHarness {
    var room: ChatRoom
    /// Bytes each client has read from its socket.
    var inbox: [ChatClientID: [UInt8]] = [:]
    /// Final bytes of clients the room closed, and clients it reset.
    var closed: [ChatClientID: [UInt8]] = [:]
    var aborted: [ChatClientID] = []
    /// Clients that have stopped reading: their sockets take nothing.
    var stalled: Set<ChatClientID> = []
    var actionLog: [ChatRoomAction] = []

    init(limits: ChatRoomLimits = ChatRoomLimits()) {
        room = ChatRoom(limits: limits)
    }

    mutating func apply(_ actions: [ChatRoomAction]) {
        actionLog += actions
        for action in actions {
            switch action {
            case .flush(let id):
                guard !stalled.contains(id) else { continue }
                _ = room.drainOutput(for: id) { bytes in
                    inbox[id, default: []] += Array(bytes)
                    return bytes.count
                }
            case .close(let id, let finalBytes):
                closed[id] = finalBytes
            case .abort(let id):
                aborted.append(id)
            }
        }
    }

    mutating func connect(_ ids: UInt64...) {
        for raw in ids { apply(room.clientConnected(ChatClientID(raw))) }
    }

    mutating func send(_ raw: UInt64, bytes: [UInt8]) {
        apply(room.received(bytes, from: ChatClientID(raw)))
    }

    mutating func send(_ raw: UInt64, json: String) {
        send(raw, bytes: frame([UInt8](json)))
    }

    mutating func send(_ raw: UInt64, _ packet: ChatPacket) {
        send(raw, bytes: (try? packet.framed()) ?? [])
    }

    mutating func disconnect(_ raw: UInt64) {
        apply(room.clientDisconnected(ChatClientID(raw)))
    }

    func frame(_ payload: [UInt8]) -> [UInt8] {
        [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
    }

    /// Everything client `raw` has received so far, decoded.
    func received(_ raw: UInt64) -> [ChatPacket] {
        Self.decodeAll(inbox[ChatClientID(raw)] ?? [])
    }

    func closedWith(_ raw: UInt64) -> [ChatPacket]? {
        closed[ChatClientID(raw)].map(Self.decodeAll)
    }

    static func decodeAll(_ bytes: [UInt8]) -> [ChatPacket] {
        var decoder = LengthPrefixedPacketDecoder()
        var packets: [ChatPacket] = []
        do {
            try decoder.feed(bytes) { payload in
                do {
                    packets.append(try ChatPacket(payload: payload))
                } catch {
                    Issue.record("server sent an undecodable packet: \(error)")
                }
            }
        } catch {
            Issue.record("server sent a bad frame: \(error)")
        }
        return packets
    }

    /// A client closed for bad input received exactly one error packet.
    func wasRejected(_ raw: UInt64) -> Bool {
        guard let packets = closedWith(raw), packets.count == 1, case .error = packets[0] else { return false }
        return !room.isConnected(ChatClientID(raw))
    }
}

/// `text` as UTF-8 with its 2-byte length prefix.
private func framed(_ text: String) -> [UInt8] {
    let payload = [UInt8](text)
    return [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
}

@Suite struct ChatRoomTests {
    private func joined(_ nicks: String...) -> ChatHarness {
        var h = ChatHarness()
        for (i, nick) in nicks.enumerated() {
            h.connect(UInt64(i + 1))
            h.send(UInt64(i + 1), .hello(nick: nick))
        }
        return h
    }

    @Test func joinChatLeaveInOrder() {
        var h = ChatHarness()
        h.connect(1, 2, 3)
        h.send(1, json: #"{"type": "hello", "nick": "alice"}"#)
        h.send(2, json: #"{"type": "hello", "nick": "bob"}"#)
        h.send(1, json: #"{"type": "chat", "message": "hi bob"}"#)
        h.send(2, json: #"{"type": "chat", "message": "hi alice"}"#)
        h.disconnect(1)
        h.send(3, json: #"{"type": "hello", "nick": "carol"}"#)

        #expect(h.received(1) == [.join(nick: "alice"), .join(nick: "bob"),
                                  .chat(nick: "alice", message: "hi bob"), .chat(nick: "bob", message: "hi alice")])
        let expectedForOthers: [ChatPacket] = [
            .join(nick: "alice"), .join(nick: "bob"), .chat(nick: "alice", message: "hi bob"),
            .chat(nick: "bob", message: "hi alice"), .leave(nick: "alice"), .join(nick: "carol"),
        ]
        #expect(h.received(2) == expectedForOthers)
        // Client 3 had not said hello, but is connected: it sees everything too.
        #expect(h.received(3) == expectedForOthers)
        #expect(h.room.nicks == ["bob", "carol"])
        #expect(h.room.clientCount == 2)
    }

    @Test func exactBytesOfABroadcastChat() {
        var h = joined("alice")
        h.inbox = [:]
        h.send(1, json: #"{"type":"chat","message":"x"}"#)
        let payload = [UInt8](#"{"type":"chat","nick":"alice","message":"x"}"#)
        #expect(h.inbox[ChatClientID(1)] == [0, UInt8(payload.count)] + payload)
    }

    @Test func packetsSplitAtEveryPointAndSeveralPerChunk() throws {
        let stream = try ChatPacket.hello(nick: "alice").framed()
            + (try ChatPacket.chat(nick: nil, message: "one").framed())
            + (try ChatPacket.chat(nick: nil, message: "two").framed())
        let expected: [ChatPacket] = [.join(nick: "alice"), .chat(nick: "alice", message: "one"),
                                      .chat(nick: "alice", message: "two")]
        for cut in 0...stream.count {
            var h = ChatHarness()
            h.connect(1, 2)
            h.send(1, bytes: Array(stream[..<cut]))
            h.send(1, bytes: Array(stream[cut...]))
            #expect(h.received(2) == expected, "cut at \(cut)")
        }
        var h = ChatHarness()
        h.connect(1, 2)
        for byte in stream { h.send(1, bytes: [byte]) }
        #expect(h.received(2) == expected, "one byte at a time")
    }

    @Test func sayingAnythingBeforeHelloIsRejected() {
        var h = ChatHarness()
        h.connect(1, 2)
        h.send(1, json: #"{"type":"chat","message":"early"}"#)
        #expect(h.wasRejected(1))
        #expect(h.received(2).isEmpty, "no leave: client 1 never said hello")
        h.send(2, json: #"{"type":"who"}"#)
        #expect(h.wasRejected(2))
    }

    @Test func secondHelloIsRejectedWithALeave() {
        var h = joined("alice", "bob")
        h.send(1, .hello(nick: "alice2"))
        #expect(h.wasRejected(1))
        #expect(h.received(2).last == .leave(nick: "alice"))
        #expect(h.room.nicks == ["bob"])
    }

    /// Every kind of bad input: the offender gets an error and is closed; the others see only
    /// its leave (if it had said hello) and can go on chatting.
    @Test(arguments: [
        ("zero length", [UInt8]([0, 0])),
        ("invalid JSON", framed("{nope")),
        ("invalid UTF-8", [0, 3, 0x22, 0xC3, 0x22]),
        ("not an object", framed("[]")),
        ("no type", framed("{}")),
        ("unknown type", framed(#"{"type":"dance"}"#)),
        ("server-only type", framed(#"{"type":"join","nick":"x"}"#)),
        ("missing message", framed(#"{"type":"chat"}"#)),
        ("non-string message", framed(#"{"type":"chat","message":7}"#)),
        ("trailing garbage", framed(#"{"type":"chat","message":"x"} x"#)),
        ("duplicate key", framed(#"{"type":"chat","message":"x","message":"y"}"#)),
        ("oversize", [0xFF, 0xFF]),
    ])
    func badInputAfterHello(_ name: String, _ bytes: [UInt8]) {
        var h = joined("alice", "bob")
        h.send(1, bytes: bytes)
        #expect(h.wasRejected(1), "\(name)")
        // Bob connected after alice's join.
        #expect(h.received(2) == [.join(nick: "bob"), .leave(nick: "alice")], "\(name)")
        #expect(h.received(1) == [.join(nick: "alice"), .join(nick: "bob")], "\(name): nothing but the error")
        h.send(2, .chat(nick: nil, message: "still here"))
        #expect(h.received(2).last == .chat(nick: "bob", message: "still here"), "\(name)")
        #expect(h.aborted.isEmpty)
    }

    @Test(arguments: [
        ("missing nick", #"{"type":"hello"}"#),
        ("non-string nick", #"{"type":"hello","nick":["a"]}"#),
        ("empty nick", #"{"type":"hello","nick":""}"#),
        ("nick too long", #"{"type":"hello","nick":"abcdefghijklmnopqrstuvwxyz0123456"}"#),
        ("nick with a space", #"{"type":"hello","nick":"a b"}"#),
        ("nick with a control character", #"{"type":"hello","nick":"a\u001b[2J"}"#),
        ("nick with a bidi override", #"{"type":"hello","nick":"a\u202eb"}"#),
        ("duplicate nick", #"{"type":"hello","nick":"bob"}"#),
    ])
    func badHello(_ name: String, _ json: String) {
        var h = joined("bob")
        h.connect(2)
        h.send(2, json: json)
        #expect(h.wasRejected(2), "\(name)")
        #expect(h.received(1) == [.join(nick: "bob")], "\(name): no join, no leave for a client that never joined")
        #expect(h.room.nicks == ["bob"])
    }

    @Test func nickAtTheLengthLimitIsAccepted() {
        var h = ChatHarness()
        h.connect(1)
        let nick = String(repeating: "é", count: 16)  // 32 bytes
        h.send(1, .hello(nick: nick))
        #expect(h.room.nick(of: ChatClientID(1)) == nick)
    }

    @Test func packetSizeCapIsEnforced() {
        var h = ChatHarness(limits: ChatRoomLimits(maximumPacketLength: 64))
        h.connect(1)
        h.send(1, .hello(nick: "a"))
        h.send(1, .chat(nick: nil, message: String(repeating: "x", count: 100)))
        #expect(h.wasRejected(1))
    }

    @Test func clientCapIsEnforced() {
        var h = ChatHarness(limits: ChatRoomLimits(maximumClients: 2))
        h.connect(1, 2, 3)
        #expect(h.room.clientCount == 2)
        #expect(!h.room.isConnected(ChatClientID(3)))
        #expect(h.closedWith(3) == [.error(message: "the chat is full")])
        h.disconnect(1)
        h.connect(4)
        #expect(h.room.isConnected(ChatClientID(4)))
    }

    @Test func slowReaderIsDroppedWithALeave() {
        var h = ChatHarness(limits: ChatRoomLimits(maximumUnsentBytes: 1000))
        h.connect(1, 2, 3)
        h.send(1, .hello(nick: "talker"))
        h.send(2, .hello(nick: "reader"))
        h.send(3, .hello(nick: "sleeper"))
        h.stalled.insert(ChatClientID(3))
        var sent = 0
        while h.room.isConnected(ChatClientID(3)) && sent < 100 {
            h.send(1, .chat(nick: nil, message: String(repeating: "m", count: 50)))
            sent += 1
            #expect(h.room.unsentByteCount(for: ChatClientID(3)) <= 1000)
        }
        #expect(!h.room.isConnected(ChatClientID(3)))
        #expect(h.aborted == [ChatClientID(3)])
        #expect(sent < 20)
        #expect(h.received(1).last == .leave(nick: "sleeper"))
        #expect(h.received(2).last == .leave(nick: "sleeper"))
        #expect(h.received(2).filter { if case .chat = $0 { true } else { false } }.count == sent)
        #expect(h.room.unsentByteCount(for: ChatClientID(3)) == 0)
    }

    /// The leave of one dropped slow reader can overflow another's backlog; that one is
    /// dropped too and its leave follows.
    @Test func slowReaderDropsCascade() throws {
        var h = ChatHarness(limits: ChatRoomLimits(maximumUnsentBytes: 200))
        h.connect(1, 2, 3)
        h.send(1, .hello(nick: "talker"))
        h.send(2, .hello(nick: "s1"))
        h.send(3, .hello(nick: "s2"))
        h.stalled = [ChatClientID(2), ChatClientID(3)]
        let chatSize = try ChatPacket.chat(nick: "talker", message: "x").framed().count
        while h.room.unsentByteCount(for: ChatClientID(2)) + chatSize <= 200 {
            h.send(1, .chat(nick: nil, message: "x"))
        }
        // s2 reads a little: the next chat then fits its backlog exactly, s1's leave does not.
        let excess = h.room.unsentByteCount(for: ChatClientID(3)) - (200 - chatSize)
        #expect(h.room.drainOutput(for: ChatClientID(3)) { min($0.count, excess) } == excess)
        h.send(1, .chat(nick: nil, message: "x"))
        #expect(h.aborted == [ChatClientID(2), ChatClientID(3)])
        let tail = Array(h.received(1).suffix(3))
        #expect(tail == [.chat(nick: "talker", message: "x"), .leave(nick: "s1"), .leave(nick: "s2")])
        #expect(h.room.nicks == ["talker"])
    }

    @Test func fanOutToManyClientsKeepsOrder() {
        var h = ChatHarness()
        for raw in UInt64(1)...200 {
            h.connect(raw)
            h.send(raw, .hello(nick: "u\(raw)"))
        }
        h.inbox = [:]
        h.send(7, .chat(nick: nil, message: "one"))
        h.send(9, .chat(nick: nil, message: "two"))
        for raw in UInt64(1)...200 {
            #expect(h.received(raw) == [.chat(nick: "u7", message: "one"), .chat(nick: "u9", message: "two")])
        }
    }

    @Test func partialDrainsKeepTheRestQueued() {
        var h = joined("alice", "bob")
        h.stalled.insert(ChatClientID(2))
        h.send(1, .chat(nick: nil, message: "hello"))
        let backlog = h.room.unsentByteCount(for: ChatClientID(2))
        #expect(backlog > 0)
        var got: [UInt8] = []
        // A socket that takes 3 bytes per writable event.
        while h.room.unsentByteCount(for: ChatClientID(2)) > 0 {
            let n = h.room.drainOutput(for: ChatClientID(2)) { bytes in
                let n = min(3, bytes.count)
                got += bytes[..<n]
                return n
            }
            #expect(n == 3 || n == backlog % 3)
        }
        #expect(ChatHarness.decodeAll((h.inbox[ChatClientID(2)] ?? []) + got).last
            == .chat(nick: "alice", message: "hello"))
    }

    @Test func emotesPrivateMessagesAndWho() {
        var h = joined("alice", "bob", "carol")
        h.send(1, json: #"{"type":"me","message":"waves"}"#)
        #expect(h.received(3).last == .emote(nick: "alice", message: "waves"))

        h.send(1, json: #"{"type":"private","to":"bob","message":"psst"}"#)
        let whisper = ChatPacket.privateMessage(from: "alice", to: "bob", message: "psst")
        #expect(h.received(2).last == whisper)
        #expect(h.received(1).last == whisper, "the sender gets a copy")
        #expect(!h.received(3).contains(whisper))

        h.send(1, json: #"{"type":"private","to":"nobody","message":"x"}"#)
        #expect(h.received(1).last == .error(message: "no user called nobody"))
        #expect(h.room.isConnected(ChatClientID(1)), "a well-formed request that cannot be met is not a violation")

        h.send(3, json: #"{"type":"who"}"#)
        #expect(h.received(3).last == .users(nicks: ["alice", "bob", "carol"]))
        #expect(h.received(2).last == whisper, "who is answered to the asker only")
    }

    @Test func disconnectBeforeHelloBroadcastsNothing() {
        var h = joined("alice")
        h.connect(2)
        h.disconnect(2)
        #expect(h.received(1) == [.join(nick: "alice")])
        #expect(h.room.clientCount == 1)
    }

    @Test func eventsForUnknownClientsAreIgnored() {
        var h = ChatHarness()
        #expect(h.room.received([0, 1, 0x41], from: ChatClientID(9)).isEmpty)
        #expect(h.room.clientDisconnected(ChatClientID(9)).isEmpty)
        #expect(h.room.drainOutput(for: ChatClientID(9)) { $0.count } == 0)
    }

    @Test func inputAfterAViolationInTheSameChunkIsIgnored() throws {
        var h = joined("alice", "bob")
        let bytes = [UInt8]([0, 0]) + (try ChatPacket.chat(nick: nil, message: "after").framed())
        h.send(1, bytes: bytes)
        #expect(h.wasRejected(1))
        #expect(!h.received(2).contains(.chat(nick: "alice", message: "after")))
    }

    @Test func nickIsFreeAgainAfterLeaving() {
        var h = joined("alice")
        h.disconnect(1)
        h.connect(2)
        h.send(2, .hello(nick: "alice"))
        #expect(h.room.nick(of: ChatClientID(2)) == "alice")
    }

    @Test func clientNickFieldInChatIsIgnored() {
        var h = joined("alice", "bob")
        h.send(1, json: #"{"type":"chat","nick":"bob","message":"spoof"}"#)
        #expect(h.received(2).last == .chat(nick: "alice", message: "spoof"))
    }
}
