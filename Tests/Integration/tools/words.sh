#!/usr/bin/env bash
# tern-words against a Python word server sending words of 1 and 65,535 bytes in small
# segments, at read sizes 1, 5 and 4096, in a namespace of its own.
source "$(dirname "$0")/lib.sh"
setup tern-words

start python3 "$SERVERS/words_server.py" --port 7000 --expect "$WORK/expected"
start python3 "$SERVERS/words_server.py" --port 7001 --truncate
start python3 "$SERVERS/words_server.py" --port 7002 --zero-length
start python3 "$SERVERS/stub_server.py" --port 7003 --mode silent
wait_for_port 7000; wait_for_port 7001; wait_for_port 7002; wait_for_port 7003

for chunk in 1 5 4096; do
    run_tool "$BIN/tern-words" 127.0.0.1 7000 --chunk "$chunk"
    check "--chunk $chunk: every word on its own line, the 1- and 65,535-byte words whole" \
        eval '[ $STATUS -eq 0 ] && cmp -s "$WORK/out" "$WORK/expected"'
done
check "line 1 is the 1-byte word, line 2 the 65,535-byte word" \
    eval '[ "$(sed -n 1p "$WORK/out")" = a ] && [ "$(sed -n 2p "$WORK/out" | wc -c)" -eq 65536 ]'
run_tool "$BIN/tern-words" 127.0.0.1 7000
check "the default read size works too" eval '[ $STATUS -eq 0 ] && cmp -s "$WORK/out" "$WORK/expected"'

run_tool "$BIN/tern-words" 127.0.0.1 7001 --chunk 5
check "a stream that ends mid-packet: the whole words printed, then an error, status 1" \
    eval '[ $STATUS -eq 1 ] && [ "$(wc -l <"$WORK/out")" -eq 5 ] && [[ "$ERR" == "tern-words: the connection closed in the middle of a packet, after 5 complete words" ]]'
expect_failure "a length of zero is an error" 1 "the server sent a packet length of zero after 1 word" \
    "$BIN/tern-words" 127.0.0.1 7002 --chunk 1
expect_failure "connection refused" 1 "127.0.0.1 port 7004: connection refused" "$BIN/tern-words" 127.0.0.1 7004
expect_failure "a server that never sends times out" 1 "127.0.0.1 port 7003: the server sent nothing for 1 s" \
    "$BIN/tern-words" 127.0.0.1 7003 --timeout 1
run_tool "$BIN/tern-words" 127.0.0.1 7000 --chunk 4097
check "--chunk 4097 is bad usage: status 2" eval '[ $STATUS -eq 2 ] && [[ "$ERR" == *"--chunk must be a read size from 1 to 4096"* ]]'
finish
