/// The line being typed: its characters, the cursor, and the editing keys.
///
/// The line is a sequence of `Character`s (grapheme clusters), so backspace removes what
/// the user sees as one character — `é` written as `e` plus a combining accent, an emoji
/// with its modifiers, a flag — never half of it.
struct LineEditor {
    /// The longest line, in UTF-8 bytes; typing stops there. A message of this size stays
    /// far below the 65,535-byte packet limit once wrapped in JSON.
    static let maximumBytes = 8192
    /// Lines kept for the Up and Down keys.
    static let historyLimit = 100

    private(set) var characters: [Character] = []
    /// The cursor, as an index into `characters` (0…count).
    private(set) var cursor = 0
    private var byteCount = 0

    private var history: [String] = []
    /// Where Up and Down are in `history`; nil while editing a fresh line.
    private var historyPosition: Int?
    /// The fresh line, kept while the user browses the history.
    private var draft: [Character] = []

    var text: String { String(characters) }
    var isEmpty: Bool { characters.isEmpty }

    /// Applies an editing key; returns whether the line or the cursor changed. Enter,
    /// Ctrl-C, Ctrl-D and Ctrl-L are not editing keys: the caller handles them.
    @discardableResult
    mutating func apply(_ key: Key) -> Bool {
        switch key {
        case .text(let text): return insert(text)
        case .backspace:
            guard cursor > 0 else { return false }
            remove(cursor - 1..<cursor)
        case .deleteForward:
            guard cursor < characters.count else { return false }
            remove(cursor..<cursor + 1)
        case .left:
            guard cursor > 0 else { return false }
            cursor -= 1
        case .right:
            guard cursor < characters.count else { return false }
            cursor += 1
        case .home:
            guard cursor > 0 else { return false }
            cursor = 0
        case .end:
            guard cursor < characters.count else { return false }
            cursor = characters.count
        case .wordLeft:
            let start = wordStart(before: cursor)
            guard start != cursor else { return false }
            cursor = start
        case .wordRight:
            let end = wordEnd(after: cursor)
            guard end != cursor else { return false }
            cursor = end
        case .deleteWordBackward:
            let start = wordStart(before: cursor)
            guard start != cursor else { return false }
            remove(start..<cursor)
        case .deleteToStart:
            guard cursor > 0 else { return false }
            remove(0..<cursor)
        case .deleteToEnd:
            guard cursor < characters.count else { return false }
            remove(cursor..<characters.count)
        case .historyPrevious: return recall(older: true)
        case .historyNext: return recall(older: false)
        case .enter, .interrupt, .endOfInput, .redraw: return false
        }
        return true
    }

    /// Inserts `text` at the cursor, as much of it as fits under `maximumBytes`. A
    /// combining character joins the character before the cursor, as it would on paper.
    @discardableResult
    mutating func insert(_ text: String) -> Bool {
        var piece = ""
        var pieceBytes = 0
        for character in text {
            let size = character.utf8.count
            guard byteCount + pieceBytes + size <= Self.maximumBytes else { break }
            piece.append(character)
            pieceBytes += size
        }
        guard !piece.isEmpty else { return false }
        if cursor > 0 {
            let previous = characters[cursor - 1]
            let merged = Array(String(previous) + piece)
            characters.replaceSubrange(cursor - 1..<cursor, with: merged)
            cursor += merged.count - 1
            byteCount += pieceBytes
        } else {
            let added = Array(piece)
            characters.insert(contentsOf: added, at: 0)
            cursor = added.count
            byteCount += pieceBytes
        }
        historyPosition = nil
        return true
    }

    /// Takes the line for sending: returns it, empties the editor, and remembers the line
    /// for Up.
    mutating func submit() -> String {
        let line = text
        if !line.isEmpty, history.last != line {
            history.append(line)
            if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
        }
        replaceLine(with: [])
        historyPosition = nil
        draft = []
        return line
    }

    private mutating func remove(_ range: Range<Int>) {
        byteCount -= characters[range].reduce(0) { $0 + $1.utf8.count }
        characters.removeSubrange(range)
        cursor = range.lowerBound
        historyPosition = nil
    }

    private mutating func replaceLine(with line: [Character]) {
        characters = line
        cursor = line.count
        byteCount = line.reduce(0) { $0 + $1.utf8.count }
    }

    private mutating func recall(older: Bool) -> Bool {
        guard !history.isEmpty else { return false }
        let position: Int?
        switch (historyPosition, older) {
        case (nil, true): position = history.count - 1
        case (nil, false): return false
        case (let current?, true): position = max(current - 1, 0)
        case (let current?, false): position = current + 1 < history.count ? current + 1 : nil
        }
        if historyPosition == nil { draft = characters }
        let line = position.map { Array(history[$0]) } ?? draft
        replaceLine(with: line)
        historyPosition = position
        return true
    }

    private func wordStart(before index: Int) -> Int {
        var start = index
        while start > 0, characters[start - 1].isWhitespace { start -= 1 }
        while start > 0, !characters[start - 1].isWhitespace { start -= 1 }
        return start
    }

    private func wordEnd(after index: Int) -> Int {
        var end = index
        while end < characters.count, characters[end].isWhitespace { end += 1 }
        while end < characters.count, !characters[end].isWhitespace { end += 1 }
        return end
    }
}
