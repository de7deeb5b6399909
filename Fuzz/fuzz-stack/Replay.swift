#if !FUZZING
import FuzzSupport
import Glibc

/// Without libFuzzer: `fuzz-stack FILE|DIR…` runs saved inputs through the same checks.
@main
enum Replay {
    static func main() {
        StackWorld.trace = getenv("FUZZ_TRACE") != nil
        ReplayDriver.main(name: "fuzz-stack") { StackScript.run($0) }
    }
}
#endif
