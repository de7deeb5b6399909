#!/usr/bin/env bash
# Builds fuzz targets with libFuzzer and AddressSanitizer and runs them.
#
#   Tools/fuzz.sh [TARGET|all] [SECONDS]    default: all, 60 s per target
#
# TARGET is NAME for the executable Fuzz/fuzz-NAME: wire (frame codecs), stack (the engine
# driven by scripts of frames, clock steps and socket calls), http (request parser and web
# server connection), chat (packet framing, chat packets and the chat room). `all` runs every
# Fuzz/fuzz-* target in turn for SECONDS each, goes on after a failure, and exits non-zero if
# any target failed.
#
# Each target starts from its committed seed corpus (Fuzz/corpus/NAME, never written to;
# Fuzz/golden-corpus.py and Fuzz/seed-corpora.py regenerate it) plus what earlier runs found
# (fuzz-out/NAME/corpus). A crash, a broken invariant, a leak or a timeout leaves its input
# in fuzz-out/NAME/ and makes the target fail; replay it without the sanitizers with
#   swift build --product fuzz-NAME && SWIFT_DETERMINISTIC_HASHING=1 .build/debug/fuzz-NAME fuzz-out/NAME/crash-…
# (fuzz-stack prints every frame in and out with FUZZ_TRACE=1).
#
# Environment: FUZZ_MAX_LEN (largest input; default 2048 bytes for wire, 8192 for stack, 4096
# for http and chat), FUZZ_ARGS (more libFuzzer flags, e.g. "-runs=1000000"), ASAN_OPTIONS
# (leak detection is on unless it says otherwise).
set -euo pipefail

target="${1:-all}"
seconds="${2:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
    echo "fuzz.sh: SECONDS must be a whole number, not '$seconds'" >&2
    exit 2
fi
if [[ "$target" == all ]]; then
    targets=()
    for directory in Fuzz/fuzz-*/; do
        name="$(basename "$directory")"
        targets+=("${name#fuzz-}")
    done
elif [[ -d "Fuzz/fuzz-$target" ]]; then
    targets=("$target")
else
    echo "fuzz.sh: no fuzz target Fuzz/fuzz-$target" >&2
    exit 2
fi

# A scratch path of its own, so the instrumented objects never mix with a normal build.
# swiftc honours only the last -sanitize= flag, hence the combined one after SwiftPM's own;
# --sanitize=fuzzer still tells SwiftPM that libFuzzer supplies main. FUZZING drops the
# replay driver (Replay.swift). The toolchain's lld links the sanitizer runtimes without the
# warnings gold prints.
flags=(-c release --scratch-path .build-fuzz
       --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld)

default_max_len() {
    case "$1" in
        wire) echo 2048 ;;
        stack) echo 8192 ;;
        *) echo 4096 ;;
    esac
}

# Runs one target; prints its summary line; returns non-zero when it failed.
run_target() {
    local name="$1" product="fuzz-$1"
    echo "fuzz.sh: building $product with libFuzzer and AddressSanitizer"
    # Called as `run_target … || …`, where errexit does not apply: every failure is checked.
    if ! swift build "${flags[@]}" --product "$product"; then
        echo "fuzz.sh: $product FAILED to build" >&2
        return 1
    fi
    local binary
    binary="$(swift build "${flags[@]}" --show-bin-path)/$product" || return 1

    local out="fuzz-out/$name"
    mkdir -p "$out/corpus" || return 1
    local log="$out/last-run.log"
    echo "fuzz.sh: running $product for $seconds s (log: $log)"

    local status=0
    # Swift's own crash reporter would stall the crash report; libFuzzer has to see the
    # signal. Deterministic hashing makes dictionary order, and so every run of an input,
    # the same from one process to the next.
    SWIFT_BACKTRACE=enable=no SWIFT_DETERMINISTIC_HASHING=1 \
        "$binary" "$out/corpus" "Fuzz/corpus/$name" \
        -max_total_time="$seconds" -max_len="${FUZZ_MAX_LEN:-$(default_max_len "$name")}" -timeout=10 \
        -artifact_prefix="$out/" -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1 || status=$?

    local executions elapsed coverage
    executions="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    elapsed="$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)"
    coverage="$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9a-zA-Z]+' "$log" | tail -1 || true)"
    if [[ $status -ne 0 ]] || grep -qE '^==[0-9]+==ERROR|deadly signal|SUMMARY: (AddressSanitizer|libFuzzer)' "$log"; then
        tail -n 40 "$log" >&2
        echo "fuzz.sh: $product FAILED after ${executions:-?} executions; input saved under $out/" >&2
        return 1
    fi
    echo "fuzz.sh: $product ran ${executions:-?} inputs in ${elapsed:-$seconds} s, no crash (${coverage:-no coverage line})"
}

failed=()
for name in "${targets[@]}"; do
    run_target "$name" || failed+=("$name")
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz.sh: failed: ${failed[*]}" >&2
    exit 1
fi
if [[ ${#targets[@]} -gt 1 ]]; then
    echo "fuzz.sh: all ${#targets[@]} targets ran $seconds s each without a failure"
fi
