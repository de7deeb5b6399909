import TernServices
import Testing
@testable import tern_chat

@Suite("tern-chat: the protocol")
struct ChatSessionTests {
    /// The packets in `bytes`, decoded with the shared codec.
    static func packets(_ bytes: [UInt8]) throws -> [ChatPacket] {
        var decoder = LengthPrefixedPacketDecoder()
        var payloads: [[UInt8]] = []
        try decoder.feed(bytes) { payloads.append($0) }
        #expect(decoder.isAtPacketBoundary)
        return try payloads.map { try ChatPacket(payload: $0) }
    }

    @Test("hello comes first, then one packet per line")
    func outgoing() throws {
        var session = ChatSession(nick: "alice")
        #expect(session.submit("hi all") == .sent)
        #expect(session.submit("/me waves") == .sent)
        #expect(session.submit("/msg bob  psst, over here") == .sent)
        #expect(session.submit("/who") == .sent)
        #expect(session.submit("//etc/hosts is a file") == .sent)
        #expect(session.submit("   ") == .sent)
        #expect(try Self.packets(session.outgoing) == [
            .hello(nick: "alice"),
            .chat(nick: nil, message: "hi all"),
            .emote(nick: nil, message: "waves"),
            .privateMessage(from: nil, to: "bob", message: "psst, over here"),
            .who,
            .chat(nick: nil, message: "/etc/hosts is a file"),
        ])
    }

    @Test("the JSON on the wire is what docs/protocols.md writes for chat")
    func wireFormat() throws {
        var session = ChatSession(nick: "alice")
        _ = session.submit("hi \"you\"")
        let bytes = session.outgoing
        let hello = Array(#"{"type":"hello","nick":"alice"}"#.utf8)
        #expect(Array(bytes.prefix(2 + hello.count)) == [0, UInt8(hello.count)] + hello)
        let chat = Array(#"{"type":"chat","message":"hi \"you\""}"#.utf8)
        #expect(Array(bytes.dropFirst(2 + hello.count)) == [0, UInt8(chat.count)] + chat)
    }

    @Test("what is sent leaves the queue")
    func sent() {
        var session = ChatSession(nick: "a")
        let count = session.outgoing.count
        session.sent(5)
        #expect(session.outgoing.count == count - 5)
        session.sent(1000)
        #expect(session.outgoing.isEmpty)
    }

    @Test("commands that are not sent", arguments: [
        ("/q", ChatSession.Submission.quit), ("/quit", .quit),
        ("/me", .notice(["*** usage: /me ACTION"])), ("/msg bob", .notice(["*** usage: /msg NICK TEXT"])),
        ("/nope", .notice(["*** unknown command /nope (/help lists them; //TEXT says TEXT)"])),
        ("/help", .notice(ChatInput.help)),
    ])
    func localCommands(_ line: String, _ outcome: ChatSession.Submission) {
        var session = ChatSession(nick: "a")
        let before = session.outgoing
        #expect(session.submit(line) == outcome)
        #expect(session.outgoing == before)
    }

    @Test("a message too long for a packet is refused, not sent")
    func tooLong() {
        var session = ChatSession(nick: "a")
        let before = session.outgoing
        #expect(session.submit(String(repeating: "x", count: 70_000)) == .notice(["*** that message is too long to send"]))
        #expect(session.outgoing == before)
    }

    static let serverPackets: [ChatPacket] = [
        .join(nick: "bob"), .chat(nick: "bob", message: "hi"), .emote(nick: "bob", message: "waves"),
        .privateMessage(from: "bob", to: "alice", message: "psst"), .users(nicks: ["alice", "bob"]),
        .error(message: "slow down"), .leave(nick: "bob"),
    ]
    static let shown = [
        "*** bob has joined the chat", "bob: hi", "* bob waves", "[private] bob -> alice: psst",
        "*** here (2): alice, bob", "*** error from the server: slow down", "*** bob has left the chat",
    ]

    static func stream(_ packets: [ChatPacket]) throws -> [UInt8] {
        try packets.flatMap { try $0.framed() }
    }

    @Test("each server packet's line, several packets in one read")
    func incoming() throws {
        var session = ChatSession(nick: "alice")
        let reception = session.receive(try Self.stream(Self.serverPackets))
        #expect(reception.lines == Self.shown)
        #expect(reception.fatal == nil)
    }

    @Test("the same lines when the stream is split at every byte")
    func incomingSplit() throws {
        let bytes = try Self.stream(Self.serverPackets)
        for split in 1..<bytes.count {
            var session = ChatSession(nick: "alice")
            let lines = session.receive(Array(bytes[..<split])).lines + session.receive(Array(bytes[split...])).lines
            #expect(lines == Self.shown, "split at \(split)")
        }
        var session = ChatSession(nick: "alice")
        #expect(bytes.flatMap { session.receive([$0]).lines } == Self.shown)
    }

    @Test("unknown packet types are ignored; packets that do not decode are reported and skipped")
    func ignored() throws {
        var session = ChatSession(nick: "alice")
        var encoder: [UInt8] = []
        for payload in [#"{"type":"motd","text":"x"}"#, #"{"type":"chat","nick":"bob"}"#, "not json", #"{"type":"join","nick":"carol"}"#] {
            try LengthPrefixedPacketEncoder().encode(Array(payload.utf8), into: &encoder)
        }
        let lines = session.receive(encoder).lines
        #expect(lines.count == 3)
        #expect(lines[0] == #"*** ignored a packet from the server: a "chat" packet needs a "message" field"#)
        #expect(lines[1].hasPrefix("*** ignored a packet from the server: invalid JSON"))
        #expect(lines[2] == "*** carol has joined the chat")
    }

    @Test("a length of zero ends the session")
    func zeroLength() throws {
        var session = ChatSession(nick: "alice")
        let reception = session.receive(try ChatPacket.join(nick: "bob").framed() + [0, 0])
        #expect(reception.lines == ["*** bob has joined the chat"])
        #expect(reception.fatal == "*** the server sent a packet length of zero; the connection cannot go on")
    }
}

@Suite("tern-chat: line mode")
struct ChatLineModeTests {
    @Test("one line in, one message out; CRLF and a final unterminated line")
    func lines() {
        var frontEnd = LineFrontEnd(keepOpenAfterInput: false)
        #expect(frontEnd.input(Array("one\r\ntw".utf8)).events == [.line("one")])
        #expect(frontEnd.input(Array("o\nthree".utf8)).events == [.line("two")])
        #expect(frontEnd.inputEnded().events == [.line("three"), .quit])
        #expect(frontEnd.show(["a", "b"]) == "a\nb\n")
        #expect(frontEnd.start(banner: ["ignored"]).isEmpty)
    }

    @Test("with --keep-open the end of input does not quit")
    func keepOpen() {
        var frontEnd = LineFrontEnd(keepOpenAfterInput: true)
        #expect(frontEnd.inputEnded().events == [])
    }

    @Test("control characters are removed from input, tabs become spaces, bad UTF-8 replaced")
    func cleaned() {
        var frontEnd = LineFrontEnd(keepOpenAfterInput: false)
        #expect(frontEnd.input(Array("a\u{1B}[2Jb\tc".utf8) + [0xFF] + [0x0A]).events == [.line("a[2Jb c\u{FFFD}")])
    }

    @Test("an endless line is cut into pieces at character boundaries")
    func endless() {
        var frontEnd = LineFrontEnd(keepOpenAfterInput: false)
        let events = frontEnd.input(Array(String(repeating: "é", count: LineFrontEnd.longestLine).utf8)).events
            + frontEnd.inputEnded().events
        #expect(events.count == 3 && events.last == .quit)
        for case .line(let line) in events {
            #expect(line.utf8.count <= LineFrontEnd.longestLine && line.allSatisfy { $0 == "é" })
        }
    }
}
