import TernServices
import Testing
@testable import tern_chat

/// The chat's terminal front end driven by keystrokes and incoming messages, its output
/// played on a `VirtualTerminal`: what the user would see.
@Suite("tern-chat: the terminal screen")
struct ChatTerminalTests {
    /// A front end and the terminal it draws on.
    struct Harness {
        var frontEnd: TerminalFrontEnd
        var terminal: VirtualTerminal
        var events: [FrontEndEvent] = []

        init(nick: String = "alice", columns: Int = 40, rows: Int = 8) {
            frontEnd = TerminalFrontEnd(nick: nick, columns: columns, rows: rows)
            terminal = VirtualTerminal(columns: columns, rows: rows)
            terminal.feed(frontEnd.start(banner: []))
        }

        mutating func type(_ text: String) {
            type(Array(text.utf8))
        }

        mutating func type(_ bytes: [UInt8]) {
            let (output, events) = frontEnd.input(bytes)
            terminal.feed(output)
            self.events += events
        }

        mutating func receive(_ lines: String...) {
            terminal.feed(frontEnd.show(lines))
        }

        /// The screen's rows above the input line, blank ones dropped.
        var messages: [String] { terminal.lines.dropLast().filter { !$0.isEmpty } }
        var cursor: (row: Int, column: Int) { (terminal.row, terminal.column) }
    }

    @Test("the input line starts on the bottom row, cursor after the prompt")
    func start() {
        let harness = Harness()
        #expect(harness.terminal.bottomLine == "alice>")
        #expect(harness.cursor == (7, 7))
        #expect(harness.terminal.problems.isEmpty)
    }

    @Test("a message arriving while the user types appears above, and the typed text is kept")
    func messageWhileTyping() {
        var harness = Harness()
        harness.type("hello wor")
        harness.receive("bob: hi there")
        #expect(harness.terminal.lines[6] == "bob: hi there")
        #expect(harness.terminal.bottomLine == "alice> hello wor")
        #expect(harness.cursor == (7, 16))
        harness.type("ld")
        harness.receive("*** carol has joined the chat", "carol: hey")
        #expect(harness.messages == ["bob: hi there", "*** carol has joined the chat", "carol: hey"])
        #expect(harness.terminal.bottomLine == "alice> hello world")
        #expect(harness.cursor == (7, 18))
        #expect(harness.events.isEmpty)
        #expect(harness.terminal.problems.isEmpty)
    }

    @Test("the cursor stays where the user put it when a message arrives")
    func cursorInTheMiddle() {
        var harness = Harness()
        harness.type("abcdef")
        harness.type([0x1B, 0x5B, 0x44, 0x1B, 0x5B, 0x44])   // Left, Left
        harness.receive("bob: interrupting")
        #expect(harness.terminal.bottomLine == "alice> abcdef")
        #expect(harness.cursor == (7, 11))
        harness.type("X")
        #expect(harness.terminal.bottomLine == "alice> abcdXef")
        #expect(harness.cursor == (7, 12))
    }

    @Test("a message wider than the screen wraps and scrolls, the input line stays whole")
    func longMessage() {
        var harness = Harness(columns: 20, rows: 6)
        harness.type("typing")
        harness.receive("bob: " + String(repeating: "x", count: 30))
        #expect(harness.messages == ["bob: xxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxx"])
        #expect(harness.terminal.bottomLine == "alice> typing")
        #expect(harness.terminal.problems.isEmpty)
    }

    @Test("a message exactly as wide as the screen takes one row")
    func exactWidthMessage() {
        var harness = Harness(columns: 20, rows: 6)
        harness.receive(String(repeating: "y", count: 20))
        harness.receive("next")
        #expect(harness.messages == [String(repeating: "y", count: 20), "next"])
        #expect(harness.terminal.bottomLine == "alice>")
    }

    @Test("Enter hands over the line and clears the input; blank lines are not sent")
    func enter() {
        var harness = Harness()
        harness.type("first\r")
        harness.type("\r")
        harness.type("second\r")
        #expect(harness.events == [.line("first"), .line("second")])
        #expect(harness.terminal.bottomLine == "alice>")
        #expect(harness.cursor == (7, 7))
    }

    @Test("UTF-8: wide characters move the cursor two columns, backspace removes whole characters")
    func unicode() {
        var harness = Harness()
        harness.type("漢字 e\u{301}")
        #expect(harness.terminal.bottomLine == "alice> 漢字 e\u{301}")
        #expect(harness.cursor == (7, 7 + 4 + 1 + 1))
        harness.type([0x7F])
        #expect(harness.frontEnd.editor.text == "漢字 ")
        harness.type([0x7F, 0x7F])
        #expect(harness.frontEnd.editor.text == "漢")
        #expect(harness.cursor == (7, 9))
        harness.type("👍🏽")
        #expect(harness.frontEnd.editor.characters.count == 2)
        harness.type([0x7F])
        #expect(harness.frontEnd.editor.text == "漢")
    }

    @Test("a UTF-8 character split across reads arrives whole")
    func splitUTF8() {
        var harness = Harness()
        let bytes = Array("é漢".utf8)
        for byte in bytes { harness.type([byte]) }
        #expect(harness.frontEnd.editor.text == "é漢")
        #expect(harness.terminal.bottomLine == "alice> é漢")
    }

    @Test("a line wider than the screen scrolls sideways, never into the last column")
    func horizontalScroll() {
        var harness = Harness(columns: 20, rows: 4)
        let line = "0123456789abcdefghijklmnop"
        harness.type(line)
        // 20 columns: 7 for the prompt, 12 for text, the last column unused.
        #expect(harness.terminal.bottomLine == "alice> fghijklmnop")
        #expect(harness.cursor.column == 18)
        harness.type([0x01])   // Ctrl-A: home
        #expect(harness.terminal.bottomLine == "alice> 0123456789ab")
        #expect(harness.cursor.column == 7)
        harness.type([0x05])   // Ctrl-E: end
        #expect(harness.cursor.column == 18)
        harness.receive("bob: still fine")
        #expect(harness.terminal.bottomLine == "alice> fghijklmnop")
        #expect(harness.frontEnd.editor.text == line)
        #expect(harness.terminal.problems.isEmpty)
    }

    @Test("wide characters scroll sideways without being cut in half")
    func horizontalScrollWide() {
        var harness = Harness(columns: 16, rows: 4)
        harness.type(String(repeating: "漢", count: 10))
        let visible = harness.terminal.bottomLine.dropFirst("alice> ".count)
        #expect(visible.allSatisfy { $0 == "漢" })
        #expect(harness.cursor.column <= 14)
        #expect(harness.terminal.problems.isEmpty)
    }

    @Test("deleting back from a scrolled line brings hidden text back into view")
    func scrollBack() {
        var harness = Harness(columns: 20, rows: 4)
        harness.type("0123456789abcdefghijklmnop")
        harness.type(Array(repeating: 0x7F, count: 10))
        // 16 characters left, 11 fit before the cursor's cell: the last 11 are shown.
        #expect(harness.frontEnd.editor.text == "0123456789abcdef")
        #expect(harness.terminal.bottomLine == "alice> 56789abcdef")
        #expect(harness.cursor.column == 18)
    }

    @Test("messages are shown as plain text: escape sequences from others never reach the terminal")
    func hostileMessage() throws {
        var harness = Harness(columns: 60)
        var session = ChatSession(nick: "alice")
        let evil = ChatPacket.chat(nick: "mallory\u{1B}[2J", message: "\u{1B}[1;1Hgotcha\r\n*** fake line\u{7}")
        let reception = session.receive(try evil.framed())
        harness.type("mine")
        harness.terminal.feed(harness.frontEnd.show(reception.lines))
        #expect(harness.messages == ["mallory\u{FFFD}[2J: \u{FFFD}[1;1Hgotcha\u{FFFD}\u{FFFD}*** fake line\u{FFFD}"])
        #expect(harness.terminal.bottomLine == "alice> mine")
        #expect(harness.terminal.problems.isEmpty)
    }

    @Test("Ctrl-C quits; Ctrl-D quits on an empty line and deletes forward otherwise")
    func quitKeys() {
        var typing = Harness()
        typing.type("ab")
        typing.type([0x01, 0x04])   // Home, Ctrl-D
        #expect(typing.events.isEmpty)
        #expect(typing.frontEnd.editor.text == "b")
        var empty = Harness()
        empty.type([0x04])
        #expect(empty.events == [.quit])
        var interrupted = Harness()
        interrupted.type("half")
        interrupted.type([0x03])
        #expect(interrupted.events == [.quit])
        #expect(interrupted.terminal.bottomLine == "alice> half")
    }

    @Test("keys after a quit in the same read are not acted on")
    func quitStopsInput() {
        var harness = Harness()
        harness.type("bye\u{3}more\r")
        #expect(harness.events == [.quit])
    }

    @Test("a resize redraws the input line on the new bottom row")
    func resize() {
        var harness = Harness(columns: 40, rows: 8)
        harness.type("kept")
        var smaller = VirtualTerminal(columns: 30, rows: 5)
        smaller.feed(harness.frontEnd.resize(columns: 30, rows: 5))
        #expect(smaller.bottomLine == "alice> kept")
        #expect(smaller.row == 4 && smaller.column == 11)
    }

    @Test("Ctrl-L clears the screen and keeps the typed line")
    func redraw() {
        var harness = Harness()
        harness.receive("old message")
        harness.type("draft")
        harness.type([0x0C])
        #expect(harness.messages.isEmpty)
        #expect(harness.terminal.bottomLine == "alice> draft")
    }

    @Test("finishing clears the input line and leaves the messages")
    func finish() {
        var harness = Harness()
        harness.receive("bob: bye")
        harness.type("unsent")
        harness.terminal.feed(harness.frontEnd.finish())
        #expect(harness.terminal.bottomLine == "")
        #expect(harness.messages == ["bob: bye"])
        #expect(harness.cursor == (7, 0))
    }

    @Test("a prompt too wide for a narrow terminal shrinks to '> '")
    func narrowTerminal() {
        var harness = Harness(nick: "a-rather-long-nickname", columns: 30, rows: 4)
        harness.type("hi")
        #expect(harness.terminal.bottomLine == "> hi")
        #expect(harness.terminal.problems.isEmpty)
    }
}
