import Testing
@testable import TernServices

@Suite struct ChatPacketTests {
    private func decode(_ text: String) throws(ChatPacketError) -> ChatPacket {
        try ChatPacket(payload: [UInt8](text))
    }

    @Test func specPacketsDecode() throws {
        #expect(try decode(#"{"type": "hello", "nick": "NAME"}"#) == .hello(nick: "NAME"))
        #expect(try decode(#"{"type": "chat", "message": "TEXT"}"#) == .chat(nick: nil, message: "TEXT"))
        #expect(try decode(#"{"type":"chat","nick":"a","message":"b"}"#) == .chat(nick: "a", message: "b"))
        #expect(try decode(#"{"type":"join","nick":"a"}"#) == .join(nick: "a"))
        #expect(try decode(#"{"type":"leave","nick":"a"}"#) == .leave(nick: "a"))
        #expect(try decode(#"{"type":"error","message":"m"}"#) == .error(message: "m"))
    }

    @Test func extensionPacketsDecode() throws {
        #expect(try decode(#"{"type":"me","message":"waves"}"#) == .emote(nick: nil, message: "waves"))
        #expect(try decode(#"{"type":"private","to":"b","message":"hi"}"#)
            == .privateMessage(from: nil, to: "b", message: "hi"))
        #expect(try decode(#"{"type":"who"}"#) == .who)
        #expect(try decode(#"{"type":"users","nicks":["a","b"]}"#) == .users(nicks: ["a", "b"]))
    }

    @Test func extraFieldsAreIgnored() throws {
        #expect(try decode(#"{"nick":"x","type":"hello","colour":"blue","n":[1]}"#) == .hello(nick: "x"))
    }

    @Test func encodingMatchesTheSpecLayout() {
        #expect(ChatPacket.join(nick: "NAME").payload().text == #"{"type":"join","nick":"NAME"}"#)
        #expect(ChatPacket.chat(nick: "N", message: "T").payload().text == #"{"type":"chat","nick":"N","message":"T"}"#)
        #expect(ChatPacket.chat(nick: nil, message: "T").payload().text == #"{"type":"chat","message":"T"}"#)
        #expect(ChatPacket.leave(nick: "N").payload().text == #"{"type":"leave","nick":"N"}"#)
        #expect(ChatPacket.error(message: "m").payload().text == #"{"type":"error","message":"m"}"#)
        #expect(ChatPacket.users(nicks: ["a"]).payload().text == #"{"type":"users","nicks":["a"]}"#)
        #expect(ChatPacket.privateMessage(from: "a", to: "b", message: "m").payload().text
            == #"{"type":"private","from":"a","to":"b","message":"m"}"#)
    }

    @Test func roundTripsEveryCase() throws {
        let packets: [ChatPacket] = [
            .hello(nick: "ümlaut"), .chat(nick: "a", message: "line\nbreak \"quoted\" \u{1}"),
            .chat(nick: nil, message: ""), .join(nick: "j"), .leave(nick: "l"), .error(message: "e"),
            .emote(nick: "a", message: "waves"), .emote(nick: nil, message: "x"),
            .privateMessage(from: "a", to: "b", message: "m"), .privateMessage(from: nil, to: "b", message: "m"),
            .who, .users(nicks: []), .users(nicks: ["x", "y"]),
        ]
        for packet in packets {
            #expect(try ChatPacket(payload: packet.payload()) == packet)
            let framed = try packet.framed()
            #expect(Int(framed[0]) << 8 | Int(framed[1]) == framed.count - 2)
        }
    }

    @Test func badPayloads() {
        func error(_ bytes: [UInt8]) -> ChatPacketError? {
            do {
                _ = try ChatPacket(payload: bytes)
                return nil
            } catch {
                return error
            }
        }
        if case .invalidJSON? = error([UInt8]("{nope")) {} else { Issue.record("invalid JSON accepted") }
        if case .invalidJSON(let e)? = error([0x22, 0xFF, 0x22]) {
            #expect(e.reason == .invalidUTF8)
        } else {
            Issue.record("invalid UTF-8 accepted")
        }
        #expect(error([UInt8]("[1]")) == .notAPacket)
        #expect(error([UInt8]("{}")) == .notAPacket)
        #expect(error([UInt8](#"{"type":5}"#)) == .notAPacket)
        #expect(error([UInt8](#"{"type":"dance"}"#)) == .unknownType("dance"))
        #expect(error([UInt8](#"{"type":"hello"}"#)) == .missingField(type: "hello", field: "nick"))
        #expect(error([UInt8](#"{"type":"hello","nick":null}"#)) == .invalidField(type: "hello", field: "nick"))
        #expect(error([UInt8](#"{"type":"chat","message":["x"]}"#)) == .invalidField(type: "chat", field: "message"))
        #expect(error([UInt8](#"{"type":"chat","nick":1,"message":"x"}"#)) == .invalidField(type: "chat", field: "nick"))
        #expect(error([UInt8](#"{"type":"users","nicks":[1]}"#)) == .invalidField(type: "users", field: "nicks"))
        #expect(error([UInt8](#"{"type":"private","message":"x"}"#)) == .missingField(type: "private", field: "to"))
    }

    /// The codec and framing together, at every split point, several packets per chunk.
    @Test func streamOfPacketsAtEverySplitPoint() throws {
        let packets: [ChatPacket] = [.hello(nick: "alice"), .chat(nick: nil, message: "hi 🐦"),
                                     .emote(nick: nil, message: "waves"), .who]
        var stream: [UInt8] = []
        for p in packets { stream += try p.framed() }
        for cut in 0...stream.count {
            var decoder = LengthPrefixedPacketDecoder()
            var decoded: [ChatPacket] = []
            for chunk in [Array(stream[..<cut]), Array(stream[cut...])] {
                try decoder.feed(chunk) { payload in
                    if let p = try? ChatPacket(payload: payload) { decoded.append(p) }
                }
            }
            #expect(decoded == packets, "cut at \(cut)")
        }
    }
}
