import Testing
@testable import TernServices

/// Random and mutated input must never trap, and every outcome must be a value.
@Suite struct HostileInputTests {
    private func mutate(_ seed: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            guard !bytes.isEmpty else { break }
            let i = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: bytes[i] = UInt8.random(in: 0...255, using: &generator)
            case 1: bytes.remove(at: i)
            case 2: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: i)
            default: bytes.insert(contentsOf: bytes[i...].prefix(8), at: i)
            }
        }
        return bytes
    }

    @Test func jsonParserOnMutatedInput() {
        var generator = SeededGenerator(seed: 1)
        let seeds = [#"{"type":"chat","message":"h\u00e9\uD83D\uDE00 \n"}"#, #"[1,-2.5e3,true,null,{"a":[]}]"#, #""\\\"""#]
        var accepted = 0
        for i in 0..<20_000 {
            let input = mutate([UInt8](seeds[i % seeds.count]), &generator)
            if let value = try? JSONParser.parse(input) {
                accepted += 1
                // Whatever is accepted serializes to JSON that parses to the same value.
                #expect((try? JSONParser.parse(value.serialized())) == value)
            }
        }
        #expect(accepted > 0 && accepted < 20_000)
    }

    @Test func httpParserOnMutatedInput() {
        var generator = SeededGenerator(seed: 2)
        let seed = [UInt8]("GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcPOST / HTTP/1.1\r\nHost: y\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n")
        var outcomes = Set<String>()
        for _ in 0..<5_000 {
            let input = mutate(seed, &generator)
            var parser = HTTPRequestParser()
            input.withUnsafeBytes { raw in
                var rest = raw
                var steps = 0
                while let event = parser.next(&rest), steps < 100 {
                    steps += 1
                    switch event {
                    case .head: outcomes.insert("head")
                    case .messageComplete: outcomes.insert("complete")
                    case .failure(let e): outcomes.insert("\(e)"); return
                    }
                }
            }
        }
        #expect(outcomes.contains("head") && outcomes.count > 3)
    }

    @Test func httpConnectionOnRandomBytes() throws {
        let directory = try TemporaryDirectory()
        try directory.write("f.txt", "x")
        let server = HTTPFileServer(webRoot: try WebRoot(path: directory.path))
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<500 {
            let connection = server.makeConnection()
            let input = (0..<Int.random(in: 0...300, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            _ = input.withUnsafeBytes { connection.receive($0, now: 0) }
            _ = connection.sendOutput { $0.count }
            connection.receiveEnd(now: 1)
            _ = connection.sendOutput { $0.count }
            #expect(connection.disposition != .open)
        }
    }

    @Test func chatRoomOnRandomStreams() {
        var generator = SeededGenerator(seed: 4)
        var room = ChatRoom(limits: ChatRoomLimits(maximumClients: 8, maximumUnsentBytes: 4096))
        let good = (try? ChatPacket.hello(nick: "n").framed()) ?? []
        for step in 0..<20_000 {
            let id = ChatClientID(UInt64.random(in: 0..<12, using: &generator))
            var actions: [ChatRoomAction]
            switch Int.random(in: 0..<10, using: &generator) {
            case 0: actions = room.clientConnected(id)
            case 1: actions = room.clientDisconnected(id)
            default:
                let bytes = step % 3 == 0 ? mutate(good, &generator)
                    : (0..<Int.random(in: 1...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                actions = room.received(bytes, from: id)
            }
            for case .flush(let target) in actions where target.rawValue % 2 == 0 {
                _ = room.drainOutput(for: target) { $0.count }
            }
            #expect(room.clientCount <= 8)
        }
        for raw in UInt64(0)..<12 {
            #expect(room.unsentByteCount(for: ChatClientID(raw)) <= 4096)
        }
    }
}
