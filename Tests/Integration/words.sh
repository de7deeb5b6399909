#!/usr/bin/env bash
# The word service (docs/protocols.md, "Words") end to end over the TAP: tern-words with read sizes 1, 5 and
# 4096 prints 1–10 lines per connection, each a word of the service's built-in list; a raw
# Python client checks the framing itself (whole packets, then the server's FIN).
source "$(dirname "$0")/lib.sh"
it_begin words
it_require "$TERN_BIN/tern-words"
it_namespace

# The service's words, one a line, read from the list in the source.
"$PY" - "$IT_ROOT/Sources/TernServices/Words/BuiltInWords.swift" >"$IT_WORK/words.txt" <<'EOF_PY'
import re
import sys
source = open(sys.argv[1], encoding="utf-8").read()
for word in re.findall(r'"((?:[^"\\]|\\.)*)"', source):
    print(word)
EOF_PY
if [ "$(wc -l <"$IT_WORK/words.txt")" -lt 10 ]; then
    fail "the word list" "only $(wc -l <"$IT_WORK/words.txt") words read from BuiltInWords.swift"
    it_end
fi

if ! tap_host "$NS" --words-port 7000; then
    fail "ternd starts with --words-port 7000" "no ready line"
    it_end
fi

# words_ok CHUNK: ten runs of tern-words --chunk CHUNK; each exits 0 and prints 1–10 lines,
# every one a word of the list.
words_ok() {
    local chunk=$1 run lines counts=()
    for run in $(seq 10); do
        if ! ip netns exec "$NS" timeout 10 "$TERN_BIN/tern-words" 10.0.0.2 7000 --chunk "$chunk" \
            >"$IT_WORK/out" 2>"$IT_WORK/err"; then
            echo "run $run: exit status $?: $(cat "$IT_WORK/err")"
            return 1
        fi
        lines=$(wc -l <"$IT_WORK/out")
        if [ "$lines" -lt 1 ] || [ "$lines" -gt 10 ]; then
            echo "run $run: $lines lines"
            return 1
        fi
        if grep -vxF -f "$IT_WORK/words.txt" "$IT_WORK/out" >"$IT_WORK/unknown"; then
            echo "run $run: not words of the service: $(head -3 "$IT_WORK/unknown" | tr '\n' '|')"
            return 1
        fi
        counts+=("$lines")
    done
    echo "10 connections, words per connection: ${counts[*]}; e.g. $(tr '\n' ' ' <"$IT_WORK/out")"
}

check_noted "tern-words --chunk 1: 1–10 words per connection, each from the service's list" words_ok 1
check_noted "tern-words --chunk 5: the same" words_ok 5
check_noted "tern-words --chunk 4096: the same" words_ok 4096
check_noted "raw client: 1–10 whole length-prefixed words per connection, then FIN; the count varies" \
    client "$NS" words-raw 10.0.0.2 7000 30 "$IT_WORK/words.txt"
stop_ternd "$TERND_PID"
it_end
