import TernServices

/// What the chat shows for each packet from the server. Every line is sanitized: nicks and
/// messages come from other people and reach the terminal only as plain text.
enum ChatEventText {
    /// The line for `packet`, or nil for packets a client has nothing to show for.
    static func line(for packet: ChatPacket) -> String? {
        let text: String
        switch packet {
        case .chat(let nick, let message):
            text = "\(nick ?? "?"): \(message)"
        case .join(let nick):
            text = "*** \(nick) has joined the chat"
        case .leave(let nick):
            text = "*** \(nick) has left the chat"
        case .error(let message):
            text = "*** error from the server: \(message)"
        case .emote(let nick, let message):
            text = "* \(nick ?? "?") \(message)"
        case .privateMessage(let from, let to, let message):
            text = "[private] \(from ?? "?") -> \(to): \(message)"
        case .users(let nicks):
            text = nicks.isEmpty ? "*** nobody is here" : "*** here (\(nicks.count)): \(nicks.joined(separator: ", "))"
        case .hello, .who:
            // Client-to-server packets: a server has no reason to send them.
            return nil
        }
        return TerminalText.sanitized(text)
    }
}
