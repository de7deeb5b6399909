#!/usr/bin/env bash
# tern-time against a Python Time Protocol server (TCP and UDP) and misbehaving servers, in a
# namespace of its own.
source "$(dirname "$0")/lib.sh"
setup tern-time

start python3 "$SERVERS/time_server.py" --port 37
start python3 "$SERVERS/time_server.py" --port 38 --value 4294967295
start python3 "$SERVERS/time_server.py" --port 39 --reply-bytes 2
start python3 "$SERVERS/stub_server.py" --port 41 --mode udp-silent
start python3 "$SERVERS/stub_server.py" --port 42 --mode silent
wait_for_port 37; wait_for_port 37 udp; wait_for_port 38; wait_for_port 39; wait_for_port 39 udp
wait_for_port 41 udp; wait_for_port 42
make_black_hole

# The two numbers of a report, and whether they are within 2 s of each other.
close_in_time() {
    local server system
    server=$(sed -n 's/^Server time: \([0-9]*\)$/\1/p' <<<"$OUT")
    system=$(sed -n 's/^System time: \([0-9]*\)$/\1/p' <<<"$OUT")
    [ -n "$server" ] && [ -n "$system" ] && [ "$(wc -l <<<"$OUT")" -eq 2 ] || return 1
    local difference=$((server - system))
    [ ${difference#-} -le 2 ]
}

run_tool "$BIN/tern-time"
check "TCP, default host and port: server and system time within 2 s" eval '[ $STATUS -eq 0 ] && close_in_time'
echo "        $(tr '\n' ' ' <<<"$OUT")"
run_tool "$BIN/tern-time" 127.0.0.1 --udp
check "UDP: server and system time within 2 s" eval '[ $STATUS -eq 0 ] && close_in_time'
run_tool "$BIN/tern-time" localhost --port 37
check "a host name resolves (localhost)" eval '[ $STATUS -eq 0 ] && close_in_time'
run_tool "$BIN/tern-time" 127.0.0.1 --port 38
check "the largest value is printed unsigned: 4294967295" eval '[ $STATUS -eq 0 ] && [[ "$OUT" == "Server time: 4294967295"* ]]'
run_tool "$BIN/tern-time" 127.0.0.1 --port 38 --udp
check "UDP: 4294967295 too" eval '[ $STATUS -eq 0 ] && [[ "$OUT" == "Server time: 4294967295"* ]]'

expect_failure "TCP: a 2-byte reply is reported" 1 "the server closed the connection after 2 of 4 bytes" \
    "$BIN/tern-time" 127.0.0.1 --port 39
expect_failure "UDP: a 2-byte datagram is reported" 1 "a datagram of 2 bytes; a time reply is 4 bytes" \
    "$BIN/tern-time" 127.0.0.1 --port 39 --udp
expect_failure "TCP: connection refused" 1 "127.0.0.1 port 40: connection refused" \
    "$BIN/tern-time" 127.0.0.1 --port 40
expect_failure "UDP: port unreachable reads as refused" 1 "127.0.0.1 port 40: connection refused" \
    "$BIN/tern-time" 127.0.0.1 --port 40 --udp
expect_failure "UDP: a server that never answers times out" 1 "127.0.0.1 port 41: the server sent nothing for 1 s" \
    "$BIN/tern-time" 127.0.0.1 --port 41 --udp --timeout 1
expect_failure "TCP: a server that accepts and never sends times out" 1 "127.0.0.1 port 42: the server sent nothing for 1 s" \
    "$BIN/tern-time" 127.0.0.1 --port 42 --timeout 1
expect_failure "TCP: an unanswered connection attempt times out" 1 "10.99.0.2 port 37: no answer to the connection attempt within 1 s" \
    "$BIN/tern-time" 10.99.0.2 --timeout 1
expect_failure "no route to the network" 1 "198.51.100.1 port 37: network is unreachable" \
    "$BIN/tern-time" 198.51.100.1
run_tool "$BIN/tern-time" --port 0
check "bad usage: status 2 and the usage" eval '[ $STATUS -eq 2 ] && [[ "$ERR" == *"--port must be a port number"*"Usage: tern-time"* ]]'
finish
