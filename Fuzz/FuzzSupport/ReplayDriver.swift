import Glibc

/// The `main` of a fuzz target built without libFuzzer: `fuzz-NAME FILE…` runs each saved
/// input through the same checks, to reproduce a crash without the sanitizers or to replay a
/// corpus. A directory argument replays every file in it.
public enum ReplayDriver {
    public static func main(name: String, run: (UnsafeRawBufferPointer) -> Void) -> Never {
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.isEmpty || arguments.first == "--help" {
            print("usage: \(name) FILE|DIR…   replays saved inputs (Tools/fuzz.sh builds the libFuzzer binary)")
            exit(arguments.isEmpty ? 2 : 0)
        }
        var count = 0
        for argument in arguments {
            for path in files(at: argument) {
                guard let bytes = read(path) else {
                    print("\(name): cannot read \(path): \(String(cString: strerror(errno)))")
                    exit(1)
                }
                bytes.withUnsafeBytes { run($0) }
                count += 1
            }
        }
        print("\(name): \(count) inputs, no failure")
        exit(0)
    }

    /// The path itself, or the regular files in it when it is a directory (sorted).
    private static func files(at path: String) -> [String] {
        guard let directory = opendir(path) else { return [path] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." && entry.pointee.d_type == UInt8(DT_REG) { names.append(name) }
        }
        return names.sorted().map { path + "/" + $0 }
    }

    private static func read(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            bytes += chunk[0..<n]
            if n < chunk.count { return ferror(file) == 0 ? bytes : nil }
        }
    }
}
