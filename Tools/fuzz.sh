#!/usr/bin/env bash
# Builds a fuzz target with libFuzzer and AddressSanitizer and runs it.
#
#   Tools/fuzz.sh [TARGET] [SECONDS]      TARGET: wire (default); SECONDS: 60 (default)
#
# The target is the executable Fuzz/fuzz-TARGET. It starts from the committed seed corpus
# (Fuzz/corpus/TARGET, never written to) plus what earlier runs found (fuzz-out/TARGET/corpus).
# A crash leaves its input in fuzz-out/TARGET/ and makes this script exit non-zero; replay it
# with `swift build --product fuzz-TARGET && .build/debug/fuzz-TARGET fuzz-out/TARGET/crash-…`.
#
# Environment: FUZZ_MAX_LEN (largest input, default 2048 bytes), FUZZ_ARGS (more libFuzzer
# flags, e.g. "-runs=1000000"), ASAN_OPTIONS (leak detection is on unless it says otherwise).
set -euo pipefail

target="${1:-wire}"
seconds="${2:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

product="fuzz-$target"
if [[ ! -d "Fuzz/$product" ]]; then
    echo "fuzz.sh: no fuzz target Fuzz/$product" >&2
    exit 2
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
    echo "fuzz.sh: SECONDS must be a whole number, not '$seconds'" >&2
    exit 2
fi

# A scratch path of its own, so the instrumented objects never mix with a normal build.
# swiftc honours only the last -sanitize= flag, hence the combined one after SwiftPM's own;
# --sanitize=fuzzer still tells SwiftPM that libFuzzer supplies main. FUZZING drops the
# replay driver (Replay.swift). The toolchain's lld links the sanitizer runtimes without the
# warnings gold prints.
echo "fuzz.sh: building $product with libFuzzer and AddressSanitizer"
flags=(-c release --scratch-path .build-fuzz
       --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld)
swift build "${flags[@]}" --product "$product"
binary="$(swift build "${flags[@]}" --show-bin-path)/$product"

out="fuzz-out/$target"
mkdir -p "$out/corpus"
log="$out/last-run.log"
echo "fuzz.sh: running $product for $seconds s (log: $log)"

status=0
# Swift's own crash reporter would stall the crash report; libFuzzer has to see the signal.
SWIFT_BACKTRACE=enable=no \
    "$binary" "$out/corpus" "Fuzz/corpus/$target" \
    -max_total_time="$seconds" -max_len="${FUZZ_MAX_LEN:-2048}" -timeout=10 \
    -artifact_prefix="$out/" -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1 || status=$?

executions="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
elapsed="$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)"
coverage="$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9a-zA-Z]+' "$log" | tail -1 || true)"
if [[ $status -ne 0 ]] || grep -qE '^==[0-9]+==ERROR|deadly signal|SUMMARY: (AddressSanitizer|libFuzzer)' "$log"; then
    tail -n 40 "$log" >&2
    echo "fuzz.sh: $product FAILED after ${executions:-?} executions; input saved under $out/" >&2
    exit 1
fi
echo "fuzz.sh: $product ran ${executions:-?} inputs in ${elapsed:-$seconds} s, no crash (${coverage:-no coverage line})"
