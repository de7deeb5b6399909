@testable import tern_chat

/// A small terminal emulator for the tests: it interprets what `tern-chat` writes — text,
/// CR, LF, and the escape sequences it uses (CUP, CHA, EL, ED) — the way xterm and tmux do,
/// so a test can look at the resulting screen and cursor rather than at escape codes.
///
/// It follows the VT100's deferred wrap: writing into the last column leaves the cursor
/// there with a wrap pending, and the next printable character starts a new row.
struct VirtualTerminal {
    let columns: Int
    let rows: Int
    /// Each cell holds the character drawn there, "" for the right half of a wide
    /// character, or " " when blank.
    private(set) var cells: [[String]]
    private(set) var row = 0
    private(set) var column = 0
    private var wrapPending = false
    /// Everything unexpected: an escape sequence this emulator does not know, the cursor
    /// sent off the screen. A test expects it to stay empty.
    private(set) var problems: [String] = []

    init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
        cells = Array(repeating: Array(repeating: " ", count: columns), count: rows)
    }

    /// The rows as text, trailing blanks removed.
    var lines: [String] {
        cells.map { cells in
            var line = cells.joined()
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }

    /// The bottom row as text.
    var bottomLine: String { lines[rows - 1] }

    mutating func feed(_ output: String) {
        let scalars = Array(output.unicodeScalars)
        var index = 0
        var text = String.UnicodeScalarView()
        func flush() {
            for character in String(text) { put(character) }
            text = String.UnicodeScalarView()
        }
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "\u{1B}":
                flush()
                index = escape(scalars, from: index)
                continue
            case "\r":
                flush()
                column = 0
                wrapPending = false
            case "\n":
                flush()
                lineFeed()
                wrapPending = false
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    flush()
                    problems.append("control character U+\(String(scalar.value, radix: 16)) written")
                } else {
                    text.append(scalar)
                }
            }
            index += 1
        }
        flush()
    }

    private mutating func put(_ character: Character) {
        let width = TerminalText.width(of: character)
        if width == 0 {
            // A combining character joins the cell before the cursor.
            let target = max(column - (wrapPending ? 0 : 1), 0)
            cells[row][target] += String(character)
            return
        }
        if wrapPending || column + width > columns {
            column = 0
            lineFeed()
            wrapPending = false
        }
        cells[row][column] = String(character)
        if width == 2, column + 1 < columns { cells[row][column + 1] = "" }
        column += width
        if column >= columns {
            column = columns - 1
            wrapPending = true
        }
    }

    private mutating func lineFeed() {
        if row == rows - 1 {
            cells.removeFirst()
            cells.append(Array(repeating: " ", count: columns))
        } else {
            row += 1
        }
    }

    /// Interprets the escape sequence at `start`; returns the index after it.
    private mutating func escape(_ scalars: [Unicode.Scalar], from start: Int) -> Int {
        guard start + 1 < scalars.count, scalars[start + 1] == "[" else {
            problems.append("a lone ESC or a non-CSI escape")
            return start + 1
        }
        var end = start + 2
        var parameters = ""
        while end < scalars.count, !(0x40...0x7E).contains(scalars[end].value) {
            parameters.unicodeScalars.append(scalars[end])
            end += 1
        }
        guard end < scalars.count else {
            problems.append("an unfinished CSI sequence")
            return end
        }
        let numbers = parameters.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) }
        let first = numbers.first.flatMap { $0 } ?? 1
        wrapPending = false
        switch scalars[end] {
        case "H":
            let second = numbers.count > 1 ? numbers[1] ?? 1 : 1
            move(row: first - 1, column: second - 1)
        case "G":
            move(row: row, column: first - 1)
        case "C":
            move(row: row, column: column + first)
        case "K" where parameters.isEmpty || parameters == "0":
            for index in column..<columns { cells[row][index] = " " }
        case "J" where parameters == "2":
            cells = Array(repeating: Array(repeating: " ", count: columns), count: rows)
        default:
            problems.append("unknown CSI \(parameters)\(scalars[end])")
        }
        return end + 1
    }

    private mutating func move(row newRow: Int, column newColumn: Int) {
        if !(0..<rows).contains(newRow) || !(0..<columns).contains(newColumn) {
            problems.append("cursor moved off the screen to \(newRow),\(newColumn)")
        }
        row = min(max(newRow, 0), rows - 1)
        column = min(max(newColumn, 0), columns - 1)
    }
}
