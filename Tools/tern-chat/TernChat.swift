import ArgumentParser
import Glibc
import TernToolSupport
import TernWire

/// `tern-chat`: the terminal chat client (docs/protocols.md, docs/tools.md).
struct TernChat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern-chat",
        abstract: "Chat with everyone connected to a chat server.",
        discussion: """
            On a terminal, messages scroll up the screen and the line being typed stays at
            the bottom behind the prompt NICK>, redrawn whenever a message arrives. The
            server's packets are shown as
                NICK: message
                *** NICK has joined the chat
                *** NICK has left the chat
                *** error from the server: message
            and, from servers with the extensions, "* NICK action" (/me), "[private] FROM
            -> TO: message" (/msg) and "*** here (N): ..." (/who).

            Type a line and press Enter to say it. /help lists the commands; /q quits, as
            do Ctrl-C, and Ctrl-D on an empty line. Editing keys: Left/Right, Home/End
            (Ctrl-A/Ctrl-E), Ctrl-Left/Right by word, Backspace (one whole character,
            accents and emoji included), Delete, Ctrl-U/Ctrl-K (delete to the start/end),
            Ctrl-W (delete a word), Up/Down (earlier lines), Ctrl-L (redraw).

            When standard input or output is not a terminal, tern-chat works line by line
            for scripts: each input line is sent, each message is printed as one line,
            and the end of input quits (or, with --keep-open, leaves the client listening
            until the server closes or a signal stops it).

            Everything shown is sanitized: control characters and escape sequences from
            other users never reach the terminal.

            Exit status: 0 when the user quit; 1 when the connection failed or the server
            closed it; 2 on bad usage (a nick with spaces or control characters, a bad port).
            """,
        version: TernVersion.number)

    @Argument(help: "Your nick: no spaces or control characters.")
    var nick: String

    @Argument(help: "The chat server: a name or an IPv4/IPv6 address.")
    var host: String

    @Argument(help: "The chat server's port (3490 on Tern).")
    var port: Int

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the connection.", valueName: "seconds"))
    var timeout = 10.0

    @Flag(name: .long, help: "Line mode: keep listening after standard input ends.")
    var keepOpen = false

    func validate() throws {
        guard !nick.isEmpty else { throw ValidationError("NICK must not be empty.") }
        guard !nick.unicodeScalars.contains(where: { TerminalText.isUnsafe($0) || $0.properties.isWhitespace }) else {
            throw ValidationError("NICK must not contain spaces or control characters.")
        }
        _ = try ClientArguments.port(port)
        _ = try ClientArguments.timeout(timeout)
    }

    func run() throws {
        let port = try ClientArguments.port(port)
        let socket = try ClientSocket.connectForTool(host: host, port: port, timeout: timeout)
        RawOutput.ignoreBrokenPipeSignal()
        let signals = SignalPipe.install([SIGWINCH, SIGINT, SIGTERM, SIGHUP])
        let session = ChatSession(nick: nick)
        let status: Int32
        if isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1, let terminal = RawTerminal(), terminal.enter() {
            let size = RawTerminal.size() ?? (columns: 80, rows: 24)
            var loop = ChatLoop(session: session, frontEnd: TerminalFrontEnd(nick: nick, columns: size.columns, rows: size.rows),
                                socket: socket, signalPipe: signals)
            status = loop.run(banner: [TerminalText.sanitized(
                "*** connected to \(socket.endpoint) as \(nick) (/help, /q to quit)")])
            terminal.restore()
        } else {
            var loop = ChatLoop(session: session, frontEnd: LineFrontEnd(keepOpenAfterInput: keepOpen),
                                socket: socket, signalPipe: signals)
            status = loop.run(banner: [])
        }
        socket.close()
        if status != 0 { throw ExitCode(status) }
    }
}
