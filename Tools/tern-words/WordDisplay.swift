/// How a word is printed: its text as is, except what could break the one-word-per-line
/// output or play tricks on a terminal.
enum WordDisplay {
    /// The word's text. Bytes that are not UTF-8 and C0 controls (line breaks included) or
    /// DEL are shown as `\xNN`; C1 controls and the bidirectional overrides as `\u{NNNN}`.
    static func text(_ word: [UInt8]) -> String {
        if let text = String(validating: word, as: UTF8.self), !text.unicodeScalars.contains(where: needsEscape) {
            return text
        }
        var result = ""
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = word.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &bytes) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                if needsEscape(scalar) {
                    result += scalar.value < 0x80 ? byteEscape(UInt8(scalar.value)) : scalarEscape(scalar)
                } else {
                    result.unicodeScalars.append(scalar)
                }
                offset += encoded.count
            case .error(let length):
                for index in offset..<min(offset + length, word.count) {
                    result += byteEscape(word[index])
                }
                offset += length
            case .emptyInput:
                return result
            }
        }
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    private static func byteEscape(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "\\x" + (hex.count == 1 ? "0" + hex : hex)
    }

    private static func scalarEscape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "\\u{" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "}"
    }
}
