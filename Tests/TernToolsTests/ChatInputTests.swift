import Testing
@testable import tern_chat

@Suite("tern-chat: keys and the line editor")
struct ChatInputTests {
    @Test("escape sequences of the editing keys", arguments: [
        ("\u{1B}[D", Key.left), ("\u{1B}[C", .right), ("\u{1B}OD", .left), ("\u{1B}[H", .home), ("\u{1B}[F", .end),
        ("\u{1B}[1~", .home), ("\u{1B}[4~", .end), ("\u{1B}[7~", .home), ("\u{1B}[8~", .end), ("\u{1B}OH", .home),
        ("\u{1B}[3~", .deleteForward), ("\u{1B}[1;5D", .wordLeft), ("\u{1B}[1;5C", .wordRight), ("\u{1B}b", .wordLeft),
        ("\u{1B}[A", .historyPrevious), ("\u{1B}[B", .historyNext),
    ])
    func escapeSequences(_ sequence: String, _ key: Key) {
        var decoder = KeyDecoder()
        #expect(decoder.decode(Array(sequence.utf8)) == [key])
    }

    @Test("control keys", arguments: [
        (UInt8(0x0D), Key.enter), (0x0A, .enter), (0x7F, .backspace), (0x08, .backspace), (0x01, .home), (0x05, .end),
        (0x03, .interrupt), (0x04, .endOfInput), (0x15, .deleteToStart), (0x0B, .deleteToEnd), (0x17, .deleteWordBackward),
        (0x0C, .redraw),
    ])
    func controlKeys(_ byte: UInt8, _ key: Key) {
        var decoder = KeyDecoder()
        #expect(decoder.decode([byte]) == [key])
    }

    @Test("an escape sequence split across reads is decoded once it is whole")
    func splitEscape() {
        var decoder = KeyDecoder()
        #expect(decoder.decode([0x1B]) == [])
        #expect(decoder.decode(Array("[".utf8)) == [])
        #expect(decoder.decode(Array("3".utf8)) == [])
        #expect(decoder.decode(Array("~x".utf8)) == [.deleteForward, .text("x")])
    }

    @Test("text runs are kept together, keys in between keep their order")
    func mixed() {
        var decoder = KeyDecoder()
        #expect(decoder.decode(Array("ab\u{1B}[Dcé\r".utf8)) == [.text("ab"), .left, .text("cé"), .enter])
    }

    @Test("unknown sequences, invalid UTF-8, C1 and bidi controls are dropped")
    func dropped() {
        var decoder = KeyDecoder()
        #expect(decoder.decode(Array("\u{1B}[99zA".utf8)) == [.text("A")])
        #expect(decoder.decode([0xFF, 0x42, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0x43]) == [.text("BC")])
        #expect(decoder.decode(Array("x\u{85}\u{202E}y\u{7}".utf8)) == [.text("xy")])
        #expect(decoder.decode(Array("\u{1B}[".utf8) + Array(repeating: UInt8(ascii: "1"), count: 40) + Array("z".utf8)).allSatisfy {
            if case .text = $0 { return true } else { return false }
        })
    }

    @Test("a lone Escape is dropped and the next key read on its own")
    func loneEscape() {
        var decoder = KeyDecoder()
        #expect(decoder.decode([0x1B]) == [])
        #expect(decoder.decode(Array("x".utf8)) == [.text("x")])
    }

    static func editor(_ text: String, cursor: Int? = nil) -> LineEditor {
        var editor = LineEditor()
        editor.insert(text)
        if let cursor {
            editor.apply(.home)
            for _ in 0..<cursor { editor.apply(.right) }
        }
        return editor
    }

    @Test("backspace removes one whole character", arguments: [
        ("cafe\u{301}", "caf"), ("ok👍🏽", "ok"), ("🇫🇷🇩🇪", "🇫🇷"), ("a👨‍👩‍👧", "a"), ("漢字", "漢"), ("", ""),
    ])
    func backspace(_ text: String, _ after: String) {
        var editor = Self.editor(text)
        editor.apply(.backspace)
        #expect(editor.text == after)
    }

    @Test("a combining mark typed after a letter joins it")
    func combiningJoins() {
        var editor = Self.editor("e")
        editor.insert("\u{301}")
        #expect(editor.characters == ["e\u{301}"])
        #expect(editor.cursor == 1)
        editor.insert("\u{1F1EB}")
        editor.insert("\u{1F1F7}")
        #expect(editor.characters.count == 2)
    }

    @Test("moving and deleting by word, to the start and to the end")
    func wordsAndKills() {
        var editor = Self.editor("hello big world")
        editor.apply(.deleteWordBackward)
        #expect(editor.text == "hello big ")
        editor.apply(.wordLeft)
        #expect(editor.cursor == 6)
        editor.apply(.deleteToEnd)
        #expect(editor.text == "hello ")
        editor.apply(.left)
        editor.apply(.deleteToStart)
        #expect(editor.text == " " && editor.cursor == 0)
        editor.apply(.wordRight)
        #expect(editor.cursor == 1)
    }

    @Test("editing in the middle")
    func middle() {
        var editor = Self.editor("held", cursor: 3)
        editor.insert("lo worl")
        #expect(editor.text == "hello world")
        #expect(editor.cursor == 10)
        editor.apply(.deleteForward)
        #expect(editor.text == "hello worl")
        editor.apply(.home)
        editor.apply(.end)
        #expect(editor.cursor == 10)
    }

    @Test("Up and Down walk the lines sent, and come back to the draft")
    func history() {
        var editor = LineEditor()
        editor.insert("first")
        _ = editor.submit()
        editor.insert("second")
        _ = editor.submit()
        editor.insert("draft")
        editor.apply(.historyPrevious)
        #expect(editor.text == "second")
        editor.apply(.historyPrevious)
        editor.apply(.historyPrevious)
        #expect(editor.text == "first")
        editor.apply(.historyNext)
        #expect(editor.text == "second")
        editor.apply(.historyNext)
        #expect(editor.text == "draft")
        let moved = editor.apply(.historyNext)
        #expect(!moved)
    }

    @Test("the line stops growing at its byte limit, never splitting a character")
    func limit() {
        var editor = LineEditor()
        editor.insert(String(repeating: "é", count: LineEditor.maximumBytes))
        #expect(editor.text.utf8.count == LineEditor.maximumBytes)
        let overflow = editor.insert("x")
        #expect(!overflow)
        editor.apply(.backspace)
        let wide = editor.insert("漢")
        #expect(!wide, "3 bytes do not fit in the 2 freed")
        let narrow = editor.insert("x")
        #expect(narrow)
        #expect(editor.text.utf8.count == LineEditor.maximumBytes - 1)
    }

    @Test("columns on a terminal", arguments: [
        ("a", 1), ("é", 1), ("e\u{301}", 1), ("漢", 2), ("ｱ", 1), ("Ａ", 2), ("👍", 2), ("👍🏽", 2), ("❤\u{FE0F}", 2),
        ("🇫🇷", 2), ("\u{301}", 0), ("한", 2),
    ])
    func widths(_ text: String, _ columns: Int) {
        #expect(TerminalText.width(of: text) == columns)
    }

    @Test("sanitizing keeps text and replaces what could drive the terminal")
    func sanitize() {
        #expect(TerminalText.sanitized("naïve 漢字 👍") == "naïve 漢字 👍")
        #expect(TerminalText.sanitized("a\tb") == "a b")
        #expect(TerminalText.sanitized("x\u{1B}]0;title\u{7}y\u{9B}z\u{202E}\n") == "x\u{FFFD}]0;title\u{FFFD}y\u{FFFD}z\u{FFFD}\u{FFFD}")
    }
}
