/// What the user's side of the chat asked for.
enum FrontEndEvent: Equatable {
    /// A line to say (or a command).
    case line(String)
    case quit
}

/// The user's side of the chat: turns what the user types into lines, and draws what is
/// shown. Output is returned as text to write to standard output; the front ends do no I/O.
protocol ChatFrontEnd {
    /// What to draw first, with `banner` lines shown where the front end shows such things.
    mutating func start(banner: [String]) -> String
    /// Bytes read from standard input.
    mutating func input(_ bytes: [UInt8]) -> (output: String, events: [FrontEndEvent])
    /// Standard input has ended.
    mutating func inputEnded() -> (output: String, events: [FrontEndEvent])
    /// Shows lines (already sanitized): messages from the server, or local notices.
    mutating func show(_ lines: [String]) -> String
    /// The terminal changed size.
    mutating func resize(columns: Int, rows: Int) -> String
    /// What to draw last, before the terminal goes back to the shell.
    mutating func finish() -> String
}

/// The terminal front end: a raw-mode input line at the bottom, messages scrolling above.
struct TerminalFrontEnd: ChatFrontEnd {
    private var keys = KeyDecoder()
    private(set) var editor = LineEditor()
    private(set) var screen: ChatScreen

    init(nick: String, columns: Int, rows: Int) {
        screen = ChatScreen(prompt: TerminalText.sanitized(nick) + "> ", columns: columns, rows: rows)
    }

    mutating func start(banner: [String]) -> String {
        screen.start(editor) + screen.show(banner, editor)
    }

    mutating func input(_ bytes: [UInt8]) -> (output: String, events: [FrontEndEvent]) {
        var output = ""
        var events: [FrontEndEvent] = []
        var changed = false
        for key in keys.decode(bytes) {
            switch key {
            case .enter:
                let line = editor.submit()
                changed = true
                if !line.isEmpty { events.append(.line(line)) }
            case .interrupt:
                events.append(.quit)
            case .endOfInput where editor.isEmpty:
                events.append(.quit)
            case .endOfInput:
                changed = editor.apply(.deleteForward) || changed
            case .redraw:
                output += screen.redrawAll(editor)
                changed = false
            default:
                changed = editor.apply(key) || changed
            }
            if events.last == .quit { break }
        }
        if changed { output += screen.inputLine(editor) }
        return (output, events)
    }

    mutating func inputEnded() -> (output: String, events: [FrontEndEvent]) {
        ("", [.quit])
    }

    mutating func show(_ lines: [String]) -> String {
        screen.show(lines, editor)
    }

    mutating func resize(columns: Int, rows: Int) -> String {
        screen.resize(columns: columns, rows: rows, editor)
    }

    mutating func finish() -> String {
        screen.finish()
    }
}

/// The line front end, for when standard input or output is not a terminal: one line of
/// input is one message, each message shown is one line of output, no escape sequences.
struct LineFrontEnd: ChatFrontEnd {
    /// Whether the chat goes on after standard input ends (to keep listening).
    let keepOpenAfterInput: Bool
    private var pending: [UInt8] = []

    /// A line longer than this is cut and sent in pieces.
    static let longestLine = LineEditor.maximumBytes

    init(keepOpenAfterInput: Bool) {
        self.keepOpenAfterInput = keepOpenAfterInput
    }

    func start(banner: [String]) -> String { "" }

    mutating func input(_ bytes: [UInt8]) -> (output: String, events: [FrontEndEvent]) {
        pending += bytes
        var events: [FrontEndEvent] = []
        while let newline = pending.firstIndex(of: 0x0A) {
            events.append(.line(Self.text(pending[..<newline])))
            pending.removeFirst(newline + 1)
        }
        while pending.count > Self.longestLine {
            // Cut at a character boundary: not inside a UTF-8 sequence.
            var cut = Self.longestLine
            while cut > 0, pending[cut] & 0xC0 == 0x80 { cut -= 1 }
            if cut == 0 { cut = Self.longestLine }
            events.append(.line(Self.text(pending[..<cut])))
            pending.removeFirst(cut)
        }
        return ("", events)
    }

    mutating func inputEnded() -> (output: String, events: [FrontEndEvent]) {
        var events: [FrontEndEvent] = []
        if !pending.isEmpty {
            events.append(.line(Self.text(pending[...])))
            pending.removeAll()
        }
        if !keepOpenAfterInput { events.append(.quit) }
        return ("", events)
    }

    func show(_ lines: [String]) -> String {
        lines.map { $0 + "\n" }.joined()
    }

    func resize(columns: Int, rows: Int) -> String { "" }

    func finish() -> String { "" }

    /// A line of input as text: a final CR dropped (CRLF line ends), bytes that are not
    /// UTF-8 replaced, control characters removed.
    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        let line = bytes.last == 0x0D ? bytes.dropLast() : bytes
        let decoded = String(decoding: line, as: UTF8.self)
        var scalars = String.UnicodeScalarView()
        for scalar in decoded.unicodeScalars where !TerminalText.isUnsafe(scalar) || scalar == "\t" {
            scalars.append(scalar == "\t" ? " " : scalar)
        }
        return String(scalars)
    }
}
