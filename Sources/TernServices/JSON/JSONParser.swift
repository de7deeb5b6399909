import TernWire

/// A strict JSON parser (RFC 8259) over UTF-8 bytes.
///
/// Strict means: the whole input must be valid UTF-8 and exactly one value surrounded by
/// optional whitespace; no comments, trailing commas, single quotes, leading zeros, `NaN`,
/// unescaped control characters, unknown escapes, unpaired surrogate escapes or duplicate keys.
/// Nesting of arrays and objects is bounded, so hostile input cannot exhaust the stack.
public enum JSONParser {
    public static let defaultMaximumDepth = 64

    public static func parse(_ bytes: UnsafeRawBufferPointer,
                             maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        if let bad = UTF8Validation.firstInvalidOffset(bytes) {
            throw JSONParseError(.invalidUTF8, at: bad)
        }
        var parser = Parser(bytes: bytes, maximumDepth: maximumDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw JSONParseError(.trailingCharacters, at: parser.position)
        }
        return value
    }

    public static func parse(_ bytes: [UInt8],
                             maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        // `withUnsafeBytes` does not forward typed throws, so carry the result out.
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBytes { raw in
            do throws(JSONParseError) {
                return .success(try parse(raw, maximumDepth: maximumDepth))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    public static func parse(_ text: String,
                             maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maximumDepth: maximumDepth)
    }
}

/// The recursive-descent parser. Input is already known to be valid UTF-8.
private struct Parser {
    let bytes: UnsafeRawBufferPointer
    let maximumDepth: Int
    var position = 0

    init(bytes: UnsafeRawBufferPointer, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    private func fail(_ reason: JSONParseError.Reason, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(reason, at: offset ?? position)
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw fail(.unexpectedEndOfInput) }
        switch bytes[position] {
        case UInt8(ascii: "{"): return .object(try parseObject(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try parseArray(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail(.unexpectedCharacter)
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        for k in 0..<count {
            guard position < bytes.count else { throw fail(.unexpectedEndOfInput) }
            guard bytes[position] == start[k] else { throw fail(.unexpectedCharacter) }
            position += 1
        }
    }

    private mutating func expect(_ byte: UInt8) throws(JSONParseError) {
        guard position < bytes.count else { throw fail(.unexpectedEndOfInput) }
        guard bytes[position] == byte else { throw fail(.unexpectedCharacter) }
        position += 1
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONObject {
        guard depth <= maximumDepth else { throw fail(.nestingTooDeep) }
        position += 1  // {
        var object = JSONObject()
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
            position += 1
            return object
        }
        while true {
            skipWhitespace()
            guard position < bytes.count else { throw fail(.unexpectedEndOfInput) }
            guard bytes[position] == UInt8(ascii: "\"") else { throw fail(.unexpectedCharacter) }
            let keyOffset = position
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let value = try parseValue(depth: depth)
            guard object.insertNew(key, value) else { throw fail(.duplicateKey, at: keyOffset) }
            skipWhitespace()
            guard position < bytes.count else { throw fail(.unexpectedEndOfInput) }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return object
            default: throw fail(.unexpectedCharacter)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> [JSONValue] {
        guard depth <= maximumDepth else { throw fail(.nestingTooDeep) }
        position += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
            position += 1
            return elements
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard position < bytes.count else { throw fail(.unexpectedEndOfInput) }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return elements
            default: throw fail(.unexpectedCharacter)
            }
        }
    }

    /// Parses a string starting at the opening quote.
    private mutating func parseString() throws(JSONParseError) -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes, so the string is the bytes between the quotes.
        while position < bytes.count {
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: bytes[start..<position], as: UTF8.self)
                position += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw fail(.unescapedControlCharacter) }
            position += 1
        }
        guard position < bytes.count else { throw fail(.unexpectedEndOfInput) }
        var decoded = Array(bytes[start..<position])
        while position < bytes.count {
            let b = bytes[position]
            switch b {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &decoded)
            case 0..<0x20:
                throw fail(.unescapedControlCharacter)
            default:
                decoded.append(b)
                position += 1
            }
        }
        throw fail(.unexpectedEndOfInput)
    }

    /// Parses one escape sequence starting at the backslash and appends its UTF-8.
    private mutating func parseEscape(into decoded: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = position
        position += 1
        guard position < bytes.count else { throw fail(.unexpectedEndOfInput) }
        let c = bytes[position]
        position += 1
        switch c {
        case UInt8(ascii: "\""): decoded.append(0x22)
        case UInt8(ascii: "\\"): decoded.append(0x5C)
        case UInt8(ascii: "/"): decoded.append(0x2F)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4()
            let scalarValue: UInt32
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed at once by an escaped low surrogate.
                guard position + 1 < bytes.count,
                      bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                else { throw fail(.loneSurrogate, at: escapeStart) }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw fail(.loneSurrogate, at: escapeStart) }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            case 0xDC00...0xDFFF:
                throw fail(.loneSurrogate, at: escapeStart)
            default:
                scalarValue = UInt32(unit)
            }
            appendUTF8(scalarValue, to: &decoded)
        default:
            throw fail(.invalidEscape, at: escapeStart)
        }
    }

    /// Appends the UTF-8 form of a scalar value already known to be valid (not a surrogate,
    /// at most U+10FFFF).
    private func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        switch v {
        case 0..<0x80:
            out.append(UInt8(v))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (v >> 18)))
            out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt16 {
        guard bytes.count - position >= 4 else { throw fail(.invalidUnicodeEscape) }
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let digit = ASCIIHex.value(of: bytes[position]) else { throw fail(.invalidUnicodeEscape) }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count else { throw fail(.invalidNumber) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else if isDigit(bytes[position]) {
            skipDigits()
        } else {
            throw fail(.invalidNumber)
        }
        if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail(.invalidNumber) }
            skipDigits()
        }
        if position < bytes.count && (bytes[position] | 0x20) == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")) {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail(.invalidNumber) }
            skipDigits()
        }
        // A digit right after a leading zero ("01") is not a number JSON allows.
        if position < bytes.count && isDigit(bytes[position]) { throw fail(.invalidNumber) }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let value = Double(text) else { throw fail(.invalidNumber, at: start) }
        guard value.isFinite else { throw fail(.numberOutOfRange, at: start) }
        return value
    }

    private func isDigit(_ b: UInt8) -> Bool {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while position < bytes.count && isDigit(bytes[position]) { position += 1 }
    }
}
