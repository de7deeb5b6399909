import Testing
@testable import TernServices

@Suite struct JSONParserTests {
    private func reason(_ text: String) -> JSONParseError.Reason? {
        do {
            _ = try JSONParser.parse(text)
            return nil
        } catch {
            return error.reason
        }
    }

    private func reason(bytes: [UInt8]) -> JSONParseError.Reason? {
        do {
            _ = try JSONParser.parse(bytes)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func scalars() throws {
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse("true") == .bool(true))
        #expect(try JSONParser.parse(" false ") == .bool(false))
        #expect(try JSONParser.parse("0") == .number(0))
        #expect(try JSONParser.parse("-0") == .number(-0.0))
        #expect(try JSONParser.parse("-12.5e2") == .number(-1250))
        #expect(try JSONParser.parse("1E-2") == .number(0.01))
        #expect(try JSONParser.parse("1e+2") == .number(100))
        #expect(try JSONParser.parse("\"\"") == .string(""))
    }

    @Test func containers() throws {
        let value = try JSONParser.parse(#" { "a" : [1, {"b": null}, []], "c": {} } "#)
        #expect(value["a"]?.arrayValue?.count == 3)
        #expect(value["a"]?.arrayValue?[1]["b"] == .null)
        #expect(value["c"] == .object(JSONObject()))
        #expect(value.objectValue?.keys == ["a", "c"])
    }

    @Test func escapes() throws {
        let value = try JSONParser.parse(#""\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u20AC \uD83D\uDE00 \u0000""#)
        #expect(value == .string("\" \\ / \u{08} \u{0C} \n \r \t A é € 😀 \u{0}"))
    }

    @Test func rawUTF8InStrings() throws {
        #expect(try JSONParser.parse("\"héllo 世界 🐦\"") == .string("héllo 世界 🐦"))
    }

    @Test func loneSurrogatesAreRejected() {
        #expect(reason(#""\uD800""#) == .loneSurrogate)
        #expect(reason(#""\uDC00""#) == .loneSurrogate)
        #expect(reason(#""\uD800x""#) == .loneSurrogate)
        #expect(reason(#""\uD800\u0041""#) == .loneSurrogate)
        #expect(reason(#""\uD800\uD800""#) == .loneSurrogate)
        #expect(reason(#""\uDBFF\uDFFF""#) == nil)
    }

    @Test func badEscapes() {
        #expect(reason(#""\x""#) == .invalidEscape)
        #expect(reason(#""\'""#) == .invalidEscape)
        #expect(reason(#""\u12""#) == .invalidUnicodeEscape)
        #expect(reason(#""\u12G4""#) == .invalidUnicodeEscape)
        #expect(reason("\"\\") == .unexpectedEndOfInput)
    }

    @Test func controlCharactersMustBeEscaped() {
        #expect(reason("\"a\nb\"") == .unescapedControlCharacter)
        #expect(reason(bytes: [0x22, 0x00, 0x22]) == .unescapedControlCharacter)
        #expect(reason("\"a\\n\tb\"") == .unescapedControlCharacter)
    }

    @Test func invalidUTF8IsRejected() {
        #expect(reason(bytes: [0x22, 0xFF, 0x22]) == .invalidUTF8)
        #expect(reason(bytes: [0x22, 0xC0, 0x80, 0x22]) == .invalidUTF8)  // overlong NUL
        #expect(reason(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22]) == .invalidUTF8)  // encoded surrogate
        #expect(reason(bytes: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22]) == .invalidUTF8)  // above U+10FFFF
        #expect(reason(bytes: [0x22, 0xE2, 0x82, 0x22]) == .invalidUTF8)  // truncated
        #expect(reason(bytes: [0x22, 0x80, 0x22]) == .invalidUTF8)  // lone continuation
    }

    @Test func numbersFollowTheGrammar() {
        for bad in ["01", "-", "+1", "1.", ".5", "1e", "1e+", "0x10", "1.e3", "--1", "NaN", "Infinity", "-Infinity"] {
            #expect(reason(bad) != nil, "\(bad) should be rejected")
        }
        #expect(reason("1e999") == .numberOutOfRange)
        #expect(reason("-1e999") == .numberOutOfRange)
        #expect(reason("1e-999") == nil)  // underflows to zero, which is representable
    }

    @Test func structureErrors() {
        #expect(reason("") == .unexpectedEndOfInput)
        #expect(reason("   ") == .unexpectedEndOfInput)
        #expect(reason("[1,]") == .unexpectedCharacter)
        #expect(reason("{\"a\":1,}") == .unexpectedCharacter)
        #expect(reason("{a:1}") == .unexpectedCharacter)
        #expect(reason("{'a':1}") == .unexpectedCharacter)
        #expect(reason("[1 2]") == .unexpectedCharacter)
        #expect(reason("{\"a\" 1}") == .unexpectedCharacter)
        #expect(reason("[") == .unexpectedEndOfInput)
        #expect(reason("{\"a\":") == .unexpectedEndOfInput)
        #expect(reason("tru") == .unexpectedEndOfInput)
        #expect(reason("nul1") == .unexpectedCharacter)
        #expect(reason("// comment\n1") == .unexpectedCharacter)
    }

    @Test func trailingGarbageIsRejected() {
        #expect(reason("{} x") == .trailingCharacters)
        #expect(reason("1 2") == .trailingCharacters)
        #expect(reason("\"a\"\"b\"") == .trailingCharacters)
        #expect(reason("null\u{0}") == .trailingCharacters)
    }

    @Test func duplicateKeysAreRejected() {
        #expect(reason(#"{"type":"chat","type":"hello"}"#) == .duplicateKey)
        #expect(reason(#"{"a":{"b":1,"b":2}}"#) == .duplicateKey)
    }

    @Test func nestingIsBounded() throws {
        let deep = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONParser.parse(deep) }
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(reason(tooDeep) == .nestingTooDeep)
        // Far beyond the bound must fail cleanly, not exhaust the stack.
        #expect(reason(String(repeating: "[", count: 100_000)) == .nestingTooDeep)
        #expect(reason(String(repeating: "{\"a\":", count: 100_000)) == .nestingTooDeep)
        #expect(reason("[[[1]]]") == nil)
        #expect(throws: JSONParseError.self) { try JSONParser.parse("[[[1]]]", maximumDepth: 2) }
    }

    @Test func errorOffsetPointsAtTheProblem() {
        do {
            _ = try JSONParser.parse("[1, 2, x]")
            Issue.record("parsed")
        } catch {
            #expect(error.offset == 7)
            #expect(error.reason == .unexpectedCharacter)
        }
    }
}

@Suite struct JSONSerializerTests {
    @Test func compactOutput() {
        var object = JSONObject()
        object["type"] = "chat"
        object["list"] = [1, 2.5, true, nil, "x"]
        object["empty"] = .object(JSONObject())
        #expect(JSONValue.object(object).jsonText == #"{"type":"chat","list":[1,2.5,true,null,"x"],"empty":{}}"#)
    }

    @Test func stringEscaping() {
        let value = JSONValue.string("q\" b\\ n\n r\r t\t b\u{08} f\u{0C} nul\u{0} us\u{1F} del\u{7F} é 😀 /")
        #expect(value.jsonText == #""q\" b\\ n\n r\r t\t b\b f\f nul\u0000 us\u001f del"# + "\u{7F} é 😀 /\"")
    }

    @Test func numbers() {
        #expect(JSONValue.number(42).jsonText == "42")
        #expect(JSONValue.number(-7).jsonText == "-7")
        #expect(JSONValue.number(0.1).jsonText == "0.1")
        #expect(JSONValue.number(1e300).jsonText == "1e+300")
        #expect(JSONValue.number(.infinity).jsonText == "null")
        #expect(JSONValue.number(.nan).jsonText == "null")
    }

    @Test func roundTrip() throws {
        let texts = [
            #"{"a":[1,2,{"b":"c\"d"}],"e":null,"f":false,"g":-1.5e-7}"#,
            #"["\u0000\u001f",""," ","é𝄞"]"#,
        ]
        for text in texts {
            let value = try JSONParser.parse(text)
            let again = try JSONParser.parse(value.serialized())
            #expect(again == value)
        }
    }

    @Test func everyControlCharacterRoundTrips() throws {
        let s = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
        let text = JSONValue.string(s).serialized()
        #expect(!text.contains { $0 < 0x20 })
        #expect(try JSONParser.parse(text) == .string(s))
    }
}
