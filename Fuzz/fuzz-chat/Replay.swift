#if !FUZZING
import FuzzSupport
import Glibc

/// Without libFuzzer: `fuzz-chat FILE|DIR…` runs saved inputs through the same checks.
@main
enum Replay {
    static func main() {
        ChatSimulation.trace = getenv("FUZZ_TRACE") != nil
        ReplayDriver.main(name: "fuzz-chat") { ChatScript.run($0) }
    }
}
#endif
