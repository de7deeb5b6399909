/// Turns the bytes a terminal in raw mode sends into keys: UTF-8 text, control keys, and
/// the escape sequences of the arrow and editing keys.
///
/// Input arrives in reads of any size, so a UTF-8 character or an escape sequence may be
/// split between two reads; the decoder holds such a partial sequence until the rest comes.
/// Bytes that are not valid UTF-8, unknown escape sequences and unsafe characters (see
/// `TerminalText.isUnsafe`) are dropped.
struct KeyDecoder {
    private var pending: [UInt8] = []

    /// Escape sequences longer than this are not keys; they are dropped.
    static let longestSequence = 32

    /// The keys in `bytes`, given what came before.
    mutating func decode(_ bytes: some Sequence<UInt8>) -> [Key] {
        pending.append(contentsOf: bytes)
        var keys: [Key] = []
        var text = String.UnicodeScalarView()
        func flushText() {
            if !text.isEmpty {
                keys.append(.text(String(text)))
                text = String.UnicodeScalarView()
            }
        }
        var index = 0
        decoding: while index < pending.count {
            let byte = pending[index]
            switch byte {
            case 0x1B:
                switch escapeSequence(at: index) {
                case .incomplete:
                    break decoding
                case .sequence(let length, let key):
                    if let key {
                        flushText()
                        keys.append(key)
                    }
                    index += length
                }
            case 0x20..<0x7F:
                text.append(Unicode.Scalar(byte))
                index += 1
            case 0x80...:
                switch utf8Scalar(at: index) {
                case .incomplete:
                    break decoding
                case .invalid:
                    index += 1
                case .scalar(let scalar, let length):
                    if !TerminalText.isUnsafe(scalar) { text.append(scalar) }
                    index += length
                }
            default:
                if let key = Self.controlKey(byte) {
                    flushText()
                    keys.append(key)
                }
                index += 1
            }
        }
        flushText()
        pending.removeFirst(index)
        return keys
    }

    static func controlKey(_ byte: UInt8) -> Key? {
        switch byte {
        case 0x0D, 0x0A: .enter
        case 0x7F, 0x08: .backspace
        case 0x01: .home
        case 0x02: .left
        case 0x03: .interrupt
        case 0x04: .endOfInput
        case 0x05: .end
        case 0x06: .right
        case 0x0B: .deleteToEnd
        case 0x0C: .redraw
        case 0x0E: .historyNext
        case 0x10: .historyPrevious
        case 0x15: .deleteToStart
        case 0x17: .deleteWordBackward
        default: nil
        }
    }

    private enum Escape {
        case incomplete
        /// `length` bytes starting with ESC, meaning `key` (nil: nothing the editor uses).
        case sequence(length: Int, key: Key?)
    }

    private func escapeSequence(at start: Int) -> Escape {
        let available = pending.count - start
        guard available >= 2 else { return .incomplete }
        switch pending[start + 1] {
        case UInt8(ascii: "["):
            // CSI: parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, a final byte.
            var end = start + 2
            while end < pending.count {
                let byte = pending[end]
                if (0x40...0x7E).contains(byte) {
                    let parameters = String(decoding: pending[(start + 2)..<end], as: UTF8.self)
                    return .sequence(length: end - start + 1, key: Self.csiKey(parameters: parameters, final: byte))
                }
                guard (0x20...0x3F).contains(byte), end - start < Self.longestSequence else {
                    return .sequence(length: end - start, key: nil)
                }
                end += 1
            }
            return .incomplete
        case UInt8(ascii: "O"):
            guard available >= 3 else { return .incomplete }
            return .sequence(length: 3, key: Self.ss3Key(pending[start + 2]))
        case UInt8(ascii: "b"):
            return .sequence(length: 2, key: .wordLeft)
        case UInt8(ascii: "f"):
            return .sequence(length: 2, key: .wordRight)
        case 0x7F, 0x08:
            return .sequence(length: 2, key: .deleteWordBackward)
        default:
            // A lone Escape, or Alt with a key the editor does not use: drop the ESC and let
            // what follows be read on its own.
            return .sequence(length: 1, key: nil)
        }
    }

    private static func csiKey(parameters: String, final: UInt8) -> Key? {
        let modified = parameters.hasSuffix(";5") || parameters.hasSuffix(";3")   // Ctrl or Alt
        switch final {
        case UInt8(ascii: "A"): return .historyPrevious
        case UInt8(ascii: "B"): return .historyNext
        case UInt8(ascii: "C"): return modified ? .wordRight : .right
        case UInt8(ascii: "D"): return modified ? .wordLeft : .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        case UInt8(ascii: "~"):
            switch parameters {
            case "1", "7": return .home
            case "4", "8": return .end
            case "3": return .deleteForward
            default: return nil
            }
        default: return nil
        }
    }

    private static func ss3Key(_ final: UInt8) -> Key? {
        switch final {
        case UInt8(ascii: "A"): .historyPrevious
        case UInt8(ascii: "B"): .historyNext
        case UInt8(ascii: "C"): .right
        case UInt8(ascii: "D"): .left
        case UInt8(ascii: "H"): .home
        case UInt8(ascii: "F"): .end
        default: nil
        }
    }

    private enum UTF8Read {
        case incomplete
        case invalid
        case scalar(Unicode.Scalar, length: Int)
    }

    /// The UTF-8 sequence starting at `start` (a byte of 0x80 or more).
    private func utf8Scalar(at start: Int) -> UTF8Read {
        let lead = pending[start]
        let length: Int
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return .invalid
        }
        let end = min(start + length, pending.count)
        for index in (start + 1)..<max(end, start + 1) where pending[index] & 0xC0 != 0x80 {
            return .invalid
        }
        guard end == start + length else { return .incomplete }
        guard let text = String(validating: pending[start..<end], as: UTF8.self),
              let scalar = text.unicodeScalars.first
        else { return .invalid }
        return .scalar(scalar, length: length)
    }
}
