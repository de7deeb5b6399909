import TernServices

/// The chat protocol from the client's side (docs/protocols.md, "Chat"), without any I/O: packets to send
/// are queued as bytes, bytes received become lines to show.
struct ChatSession {
    let nick: String
    private var decoder = LengthPrefixedPacketDecoder()
    /// Framed packets not yet sent, oldest first.
    private(set) var outgoing: [UInt8] = []

    /// What the user's line led to.
    enum Submission: Equatable {
        case sent
        case quit
        case notice([String])
    }

    /// What bytes from the server led to.
    struct Reception: Equatable {
        var lines: [String] = []
        /// Set when the stream can no longer be read (a length of zero): the session is over.
        var fatal: String?
    }

    /// Queues the `hello` that must come first.
    init(nick: String) {
        self.nick = nick
        _ = queue(.hello(nick: nick))
    }

    mutating func submit(_ line: String) -> Submission {
        switch ChatInput.parse(line) {
        case .nothing: return .sent
        case .quit: return .quit
        case .notice(let lines): return .notice(lines)
        case .send(let packet): return queue(packet) ? .sent : .notice(["*** that message is too long to send"])
        }
    }

    /// Decodes what the server sent. Unknown packet types are ignored, as the protocol asks
    /// of clients; a packet that does not decode is reported and skipped.
    mutating func receive(_ bytes: [UInt8]) -> Reception {
        var reception = Reception()
        do {
            try decoder.feed(bytes) { payload in
                switch Result(catching: { () throws(ChatPacketError) in try ChatPacket(payload: payload) }) {
                case .success(let packet):
                    if let line = ChatEventText.line(for: packet) { reception.lines.append(line) }
                case .failure(.unknownType):
                    break   // An extension this client does not know.
                case .failure(let error):
                    reception.lines.append(TerminalText.sanitized("*** ignored a packet from the server: \(error)"))
                }
            }
        } catch {
            reception.fatal = "*** the server sent \(error); the connection cannot go on"
        }
        return reception
    }

    /// Forgets the first `count` bytes of `outgoing`, which have been sent.
    mutating func sent(_ count: Int) {
        outgoing.removeFirst(min(max(count, 0), outgoing.count))
    }

    private mutating func queue(_ packet: ChatPacket) -> Bool {
        guard let framed = try? packet.framed() else { return false }
        outgoing += framed
        return true
    }
}
