#if !FUZZING
import Glibc

/// Without libFuzzer: `fuzz-wire FILE…` runs each saved input through the same checks, to
/// reproduce a crash without the sanitizers or to replay a corpus.
@main
enum Replay {
    static func main() {
        let files = CommandLine.arguments.dropFirst()
        if files.isEmpty || files.first == "--help" {
            print("usage: fuzz-wire FILE…   replays saved inputs (Tools/fuzz.sh builds the libFuzzer binary)")
            exit(files.isEmpty ? 2 : 0)
        }
        for path in files {
            guard let bytes = read(path) else {
                print("fuzz-wire: cannot read \(path): \(String(cString: strerror(errno)))")
                exit(1)
            }
            bytes.withUnsafeBytes { WireFuzzTarget.run($0) }
        }
        print("fuzz-wire: \(files.count) inputs, no failure")
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
#endif
