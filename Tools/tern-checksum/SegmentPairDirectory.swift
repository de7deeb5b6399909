import TernToolSupport

/// Finding the `tcp_addrs_N.txt` / `tcp_data_N.dat` pairs in a directory.
enum SegmentPairDirectory {
    /// A numbered entry: a complete pair, or a file whose partner is missing.
    struct Entry: Equatable, Sendable {
        /// N as written in the file names.
        var number: String
        var pair: SegmentPair
        /// Why the pair cannot be checked (a partner file is missing), or nil.
        var problem: String?
    }

    /// Every N for which `tcp_addrs_N.txt` or `tcp_data_N.dat` exists in `directory`, in
    /// numeric order of N (`2` before `10`). Other files are ignored.
    static func entries(in directory: String) throws(ToolFailure) -> [Entry] {
        var addresses: Set<String> = []
        var data: Set<String> = []
        for name in try FileInput.directoryEntries(atPath: directory) {
            if let n = number(in: name, prefix: "tcp_addrs_", suffix: ".txt") { addresses.insert(n) }
            if let n = number(in: name, prefix: "tcp_data_", suffix: ".dat") { data.insert(n) }
        }
        return addresses.union(data).sorted(by: numericOrder).map { n in
            let pair = SegmentPair(addressesPath: FileInput.path(directory, "tcp_addrs_\(n).txt"),
                                   dataPath: FileInput.path(directory, "tcp_data_\(n).dat"))
            let problem: String? = if !data.contains(n) {
                "tcp_addrs_\(n).txt has no tcp_data_\(n).dat"
            } else if !addresses.contains(n) {
                "tcp_data_\(n).dat has no tcp_addrs_\(n).txt"
            } else {
                nil
            }
            return Entry(number: n, pair: pair, problem: problem)
        }
    }

    /// The digits between `prefix` and `suffix`, or nil if `name` is not of that shape.
    static func number(in name: String, prefix: String, suffix: String) -> String? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return String(digits)
    }

    /// Orders digit strings by their value without converting them (any length works):
    /// fewer significant digits first, then digit by digit; `07` and `7` by their text.
    static func numericOrder(_ a: String, _ b: String) -> Bool {
        let sa = a.drop(while: { $0 == "0" }), sb = b.drop(while: { $0 == "0" })
        if sa.count != sb.count { return sa.count < sb.count }
        if sa != sb { return sa < sb }
        return a < b
    }
}
