/// A key the user pressed, as the line editor sees it.
enum Key: Equatable {
    /// Printable text: one character typed, or several pasted at once.
    case text(String)
    case enter
    case backspace
    case deleteForward
    case left
    case right
    case wordLeft
    case wordRight
    case home
    case end
    case historyPrevious
    case historyNext
    /// Ctrl-U: delete from the start of the line to the cursor.
    case deleteToStart
    /// Ctrl-K: delete from the cursor to the end of the line.
    case deleteToEnd
    /// Ctrl-W: delete the word before the cursor.
    case deleteWordBackward
    /// Ctrl-C.
    case interrupt
    /// Ctrl-D.
    case endOfInput
    /// Ctrl-L: redraw the screen.
    case redraw
}
