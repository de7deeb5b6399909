/// Draws the chat on a terminal: messages scroll up from the bottom, and the input line
/// `NICK> …` stays on the bottom row.
///
/// Every method returns the characters and escape sequences to write; nothing here touches
/// the terminal, so the drawing can be checked without one.
///
/// How: the cursor lives on the bottom row. To show a message, the input row is cleared,
/// the message is written there followed by CR LF — which scrolls everything up one row
/// (or more, if the message wraps) — and the input line is drawn again on the new bottom
/// row, with the cursor where the user left it. What the user had typed is never lost,
/// only redrawn. The input line never wraps: when it is wider than the terminal it scrolls
/// sideways to keep the cursor in view, and it never uses the last column, so the terminal
/// never reaches its wrap-pending state on that row.
struct ChatScreen {
    /// The prompt as given (`NICK> `), already sanitized.
    let prompt: String
    private(set) var columns: Int
    private(set) var rows: Int
    /// The first character of the line shown after the prompt.
    private(set) var firstVisible = 0

    static let clearRow = "\r\u{1B}[K"

    init(prompt: String, columns: Int, rows: Int) {
        self.prompt = prompt
        self.columns = max(columns, 1)
        self.rows = max(rows, 1)
    }

    /// The prompt as drawn: the real one, or `> ` when the terminal is too narrow for it.
    var shownPrompt: String {
        TerminalText.width(of: prompt) * 2 <= columns - 1 ? prompt : "> "
    }

    /// Columns left for the typed text (at least 1).
    var inputColumns: Int {
        max(columns - 1 - TerminalText.width(of: shownPrompt), 1)
    }

    /// Moves to the bottom row and draws the input line.
    mutating func start(_ editor: LineEditor) -> String {
        "\u{1B}[\(rows);1H" + inputLine(editor)
    }

    /// Shows `lines` above the input line (each already sanitized) and redraws the input.
    mutating func show(_ lines: [String], _ editor: LineEditor) -> String {
        guard !lines.isEmpty else { return "" }
        var output = Self.clearRow
        for line in lines {
            output += line + "\r\n"
        }
        return output + inputLine(editor)
    }

    /// After a change of size: back to the bottom row, input redrawn.
    mutating func resize(columns: Int, rows: Int, _ editor: LineEditor) -> String {
        self.columns = max(columns, 1)
        self.rows = max(rows, 1)
        return start(editor)
    }

    /// Ctrl-L: clears the screen and draws the input line on the bottom row.
    mutating func redrawAll(_ editor: LineEditor) -> String {
        "\u{1B}[2J" + start(editor)
    }

    /// Removes the input line, leaving the cursor at the start of the bottom row for
    /// whatever the shell prints next.
    func finish() -> String {
        Self.clearRow
    }

    /// Draws the input row: prompt, the visible part of the line, and the cursor put back
    /// in place.
    mutating func inputLine(_ editor: LineEditor) -> String {
        let characters = editor.characters
        let cursor = editor.cursor
        scrollToShow(cursor: cursor, in: characters)
        var visible = ""
        var used = 0
        var index = firstVisible
        while index < characters.count {
            let width = TerminalText.width(of: characters[index])
            guard used + width <= inputColumns else { break }
            visible.append(characters[index])
            used += width
            index += 1
        }
        let cursorColumn = TerminalText.width(of: shownPrompt)
            + TerminalText.width(of: characters[firstVisible..<cursor])
        return Self.clearRow + shownPrompt + visible + "\r\u{1B}[\(cursorColumn + 1)G"
    }

    /// Chooses `firstVisible` so that the cursor's cell is on screen, and so that no
    /// column is left empty while text is hidden to the left.
    private mutating func scrollToShow(cursor: Int, in characters: [Character]) {
        let available = inputColumns - 1   // the cursor's own cell
        firstVisible = min(firstVisible, cursor)
        var width = TerminalText.width(of: characters[firstVisible..<cursor])
        while width > available, firstVisible < cursor {
            width -= TerminalText.width(of: characters[firstVisible])
            firstVisible += 1
        }
        // Pull hidden text back into view while everything from there to the end fits.
        var tail = TerminalText.width(of: characters[firstVisible...])
        while firstVisible > 0 {
            let previous = TerminalText.width(of: characters[firstVisible - 1])
            guard tail + previous <= available else { break }
            tail += previous
            firstVisible -= 1
        }
    }
}
