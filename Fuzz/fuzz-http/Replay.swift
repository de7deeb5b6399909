#if !FUZZING
import FuzzSupport
import Glibc

/// Without libFuzzer: `fuzz-http FILE|DIR…` runs saved inputs through the same checks.
@main
enum Replay {
    static func main() {
        HTTPScript.trace = getenv("FUZZ_TRACE") != nil
        ReplayDriver.main(name: "fuzz-http") { HTTPScript.run($0) }
    }
}
#endif
