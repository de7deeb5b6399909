#if !FUZZING
import FuzzSupport

/// Without libFuzzer: `fuzz-wire FILE|DIR…` runs saved inputs through the same checks, to
/// reproduce a crash without the sanitizers or to replay a corpus.
@main
enum Replay {
    static func main() {
        ReplayDriver.main(name: "fuzz-wire") { WireFuzzTarget.run($0) }
    }
}
#endif
