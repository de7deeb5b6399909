/// Text on a terminal: how many columns it takes, and what must never reach the terminal.
///
/// Everything the chat shows comes from other people, so a nick or a message could carry
/// escape sequences that move the cursor, retitle the window or fake a line. Sanitizing
/// replaces every such character with U+FFFD before it is printed.
enum TerminalText {
    /// Characters that must not reach a terminal as they are: C0 and C1 controls (ESC, line
    /// breaks…), DEL, the line and paragraph separators, and the bidirectional embeddings,
    /// overrides and isolates, which could make a line read as something else.
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// `text` safe to print: unsafe characters become U+FFFD, a tab a space.
    static func sanitized(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\t" {
                scalars.append(" ")
            } else {
                scalars.append(isUnsafe(scalar) ? "\u{FFFD}" : scalar)
            }
        }
        return String(scalars)
    }

    /// The columns `text` takes.
    static func width(of text: some Sequence<Character>) -> Int {
        text.reduce(0) { $0 + width(of: $1) }
    }

    /// The columns one character (grapheme cluster) takes: 2 for East Asian wide and
    /// emoji-presentation characters, 0 for a lone combining or format character, else 1.
    /// This follows what wcwidth(3)-based terminals such as xterm and tmux do for the
    /// common cases, without depending on the locale.
    static func width(of character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        // A text-style emoji turned into an emoji by VS16 is drawn two columns wide.
        if first.properties.isEmoji, scalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        let base = width(of: first)
        if base == 0, let widest = scalars.dropFirst().map(width(of:)).max() { return widest }
        return base
    }

    private static func width(of scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x20 || (0x7F...0x9F).contains(value) { return 0 }
        if value < 0x300 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if (0x1160...0x11FF).contains(value) { return 0 }   // Hangul medial vowels and final consonants
        if scalar.properties.isEmojiPresentation { return 2 }
        return wideRanges.contains { $0.contains(value) } ? 2 : 1
    }

    /// East Asian Wide and Fullwidth blocks (Unicode Standard Annex #11), coarsely.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
        0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
        0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF,
        0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]
}
