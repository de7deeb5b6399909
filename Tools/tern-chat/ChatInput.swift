import TernServices

/// What a line the user typed asks for.
enum ChatInput: Equatable {
    /// A packet to send.
    case send(ChatPacket)
    case quit
    /// Lines to show locally (help, or why the line was not sent).
    case notice([String])
    /// Nothing to do (a blank line).
    case nothing

    static let help = [
        "*** commands:",
        "***   TEXT            say TEXT",
        "***   /me ACTION      describe an action (* NICK ACTION)",
        "***   /msg NICK TEXT  a private message to NICK",
        "***   /who            list who is here",
        "***   //TEXT          say TEXT starting with a /",
        "***   /q, /quit       leave (so do Ctrl-C and Ctrl-D on an empty line)",
        "*** /me, /msg and /who are extensions: a server that lacks them may disconnect you.",
    ]

    /// Reads one line. Commands start with `/`; everything else is said as is.
    static func parse(_ line: String) -> ChatInput {
        guard !line.allSatisfy(\.isWhitespace) else { return .nothing }
        guard line.hasPrefix("/") else { return .send(.chat(nick: nil, message: line)) }
        if line.hasPrefix("//") { return .send(.chat(nick: nil, message: String(line.dropFirst()))) }
        let body = line.dropFirst()
        let command = body.prefix { !$0.isWhitespace }
        let argument = body.dropFirst(command.count).drop(while: \.isWhitespace)
        switch command {
        case "q", "quit":
            return .quit
        case "help", "?":
            return .notice(help)
        case "who":
            return .send(.who)
        case "me":
            guard !argument.allSatisfy(\.isWhitespace) else { return .notice(["*** usage: /me ACTION"]) }
            return .send(.emote(nick: nil, message: String(argument)))
        case "msg":
            let nick = argument.prefix { !$0.isWhitespace }
            let message = argument.dropFirst(nick.count).drop(while: \.isWhitespace)
            guard !nick.isEmpty, !message.isEmpty else { return .notice(["*** usage: /msg NICK TEXT"]) }
            return .send(.privateMessage(from: nil, to: String(nick), message: String(message)))
        default:
            return .notice(["*** unknown command /\(TerminalText.sanitized(String(command))) (/help lists them; //TEXT says TEXT)"])
        }
    }
}
