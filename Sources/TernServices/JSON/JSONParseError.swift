/// Why a byte string is not the strict JSON this parser accepts, and where.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        case unexpectedEndOfInput
        case unexpectedCharacter
        case invalidUTF8
        case invalidEscape
        case invalidUnicodeEscape
        /// A `\uD800`–`\uDFFF` escape not part of a high-then-low pair.
        case loneSurrogate
        /// A byte below 0x20 inside a string; JSON requires it to be escaped.
        case unescapedControlCharacter
        case invalidNumber
        /// A number whose magnitude does not fit a Double.
        case numberOutOfRange
        case trailingCharacters
        case nestingTooDeep
        case duplicateKey
    }

    public var reason: Reason
    /// Byte offset in the input where the problem was found.
    public var offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        let what: String
        switch reason {
        case .unexpectedEndOfInput: what = "unexpected end of input"
        case .unexpectedCharacter: what = "unexpected character"
        case .invalidUTF8: what = "invalid UTF-8"
        case .invalidEscape: what = "invalid escape"
        case .invalidUnicodeEscape: what = "invalid \\u escape"
        case .loneSurrogate: what = "unpaired surrogate escape"
        case .unescapedControlCharacter: what = "unescaped control character in string"
        case .invalidNumber: what = "invalid number"
        case .numberOutOfRange: what = "number out of range"
        case .trailingCharacters: what = "characters after the value"
        case .nestingTooDeep: what = "nesting too deep"
        case .duplicateKey: what = "duplicate key"
        }
        return "\(what) at byte \(offset)"
    }
}
