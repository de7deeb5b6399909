import Testing
import TernWire

/// Compares our reading of a golden frame with tshark's, field by field, and remembers which
/// fields it compared so a test can insist that none was left out.
struct FieldChecker {
    let frame: GoldenFrame
    private(set) var compared: Set<String> = []

    init(_ frame: GoldenFrame) {
        self.frame = frame
    }

    private static func key(_ name: String, _ occurrence: Int) -> String { "\(name)[\(occurrence)]" }

    /// A numeric field.
    mutating func callAsFunction(_ name: String, _ ours: some BinaryInteger, _ occurrence: Int = 0,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        compared.insert(FieldChecker.key(name, occurrence))
        let theirs = frame.integer(name, occurrence)
        #expect(theirs == UInt64(ours), "\(frame.testDescription) \(name)[\(occurrence)]: tshark \(frame.value(name, occurrence) ?? "absent"), ours \(ours)",
                sourceLocation: sourceLocation)
    }

    /// A field compared as text (addresses).
    mutating func callAsFunction(_ name: String, text ours: String, _ occurrence: Int = 0,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        compared.insert(FieldChecker.key(name, occurrence))
        let theirs = frame.value(name, occurrence)
        #expect(theirs == ours, "\(frame.testDescription) \(name)[\(occurrence)]: tshark \(theirs ?? "absent"), ours \(ours)",
                sourceLocation: sourceLocation)
    }

    /// A boolean field (tshark writes 0 or 1).
    mutating func callAsFunction(_ name: String, flag ours: Bool, _ occurrence: Int = 0,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        self(name, ours ? 1 : 0, occurrence, sourceLocation: sourceLocation)
    }

    /// A field with one value per occurrence, compared as a whole list.
    mutating func callAsFunction(list name: String, _ ours: [UInt64],
                        sourceLocation: SourceLocation = #_sourceLocation) {
        let theirs = frame.integers(name)
        for i in 0..<max(theirs.count, 1) { compared.insert(FieldChecker.key(name, i)) }
        #expect(theirs == ours, "\(frame.testDescription) \(name): tshark \(theirs), ours \(ours)",
                sourceLocation: sourceLocation)
    }

    /// tshark's checksum verdict: 1 good, 2 not verified, 3 not present. Ours must agree.
    mutating func callAsFunction(status name: String, valid: Bool?, _ occurrence: Int = 0,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        compared.insert(FieldChecker.key(name, occurrence))
        let theirs = frame.integer(name, occurrence)
        switch theirs {
        case 1?:
            #expect(valid == true, "\(frame.testDescription) \(name): tshark says good, ours \(String(describing: valid))",
                    sourceLocation: sourceLocation)
        case 2?, 3?:
            // Not verified or not present: we must not call it bad either.
            #expect(valid != false, "\(frame.testDescription) \(name): tshark \(theirs!), ours invalid",
                    sourceLocation: sourceLocation)
        default:
            Issue.record("\(frame.testDescription) \(name): unexpected tshark value \(String(describing: theirs))",
                         sourceLocation: sourceLocation)
        }
    }

    /// The fields tshark read that were not compared.
    var uncompared: [String] {
        var result: [String] = []
        for (name, values) in frame.fields where name != "frame.number" {
            for i in values.indices where !compared.contains(FieldChecker.key(name, i)) {
                result.append(FieldChecker.key(name, i))
            }
        }
        return result.sorted()
    }
}
