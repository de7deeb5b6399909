#!/usr/bin/env bash
# tern-get against `python3 -m http.server` and misbehaving servers, in a namespace of its own.
source "$(dirname "$0")/lib.sh"
setup tern-get

WWW=$WORK/www
mkdir -p "$WWW"
printf '<!doctype html>\n<title>Tern</title>\n<p>Hello from the test server.</p>\n' >"$WWW/index.html"
head -c 1048576 /dev/urandom >"$WWW/random.bin"
printf 'a file with a space in its name\n' >"$WWW/a b.txt"
printf 'un café\n' >"$WWW/café.txt"

start python3 -m http.server 80 --bind 127.0.0.1 --directory "$WWW"
start python3 -m http.server 8080 --bind 127.0.0.1 --directory "$WWW"
start python3 "$SERVERS/stub_server.py" --port 82 --mode silent
start python3 "$SERVERS/stub_server.py" --port 83 --mode close
wait_for_port 80; wait_for_port 8080; wait_for_port 82; wait_for_port 83
make_black_hole

# Splits $WORK/out into header and body at the first blank line; checks the body is file $1.
body_is() {
    python3 - "$WORK/out" "$1" <<'PY'
import sys
response = open(sys.argv[1], "rb").read()
head, separator, body = response.partition(b"\r\n\r\n")
sys.exit(0 if separator and body == open(sys.argv[2], "rb").read() else 1)
PY
}
first_line() { head -n 1 "$WORK/out" | tr -d '\r'; }

run_tool "$BIN/tern-get" 127.0.0.1
check "GET / on the default port: a 200 with a header, a blank line and a body" \
    eval '[ $STATUS -eq 0 ] && [[ "$(first_line)" == "HTTP/1.0 200 OK" ]] && grep -qi "^Content-Type: text/html" "$WORK/out"'
echo "        $(first_line)"
run_tool "$BIN/tern-get" 127.0.0.1 8080 /index.html
check "HOST PORT PATH: the body is the file, byte for byte" eval '[ $STATUS -eq 0 ] && body_is "$WWW/index.html"'
run_tool "$BIN/tern-get" 127.0.0.1 /index.html
check "HOST /PATH: port 80" eval '[ $STATUS -eq 0 ] && body_is "$WWW/index.html"'
run_tool "$BIN/tern-get" localhost 8080 random.bin
check "a 1 MiB binary body is copied byte for byte, path without a leading /" \
    eval '[ $STATUS -eq 0 ] && body_is "$WWW/random.bin"'
run_tool "$BIN/tern-get" 127.0.0.1 8080 "/a b.txt"
check "a space in the path is percent-encoded" eval '[ $STATUS -eq 0 ] && body_is "$WWW/a b.txt"'
run_tool "$BIN/tern-get" 127.0.0.1 8080 "/café.txt"
check "a non-ASCII path is percent-encoded as UTF-8" eval '[ $STATUS -eq 0 ] && body_is "$WWW/café.txt"'
run_tool "$BIN/tern-get" 127.0.0.1 8080 /missing
check "a 404 is a response like any other: printed, status 0" \
    eval '[ $STATUS -eq 0 ] && [[ "$(first_line)" == "HTTP/1.0 404 File not found" ]]'
in_ns bash -o pipefail -c '"$0" 127.0.0.1 8080 /random.bin | head -c 100 >/dev/null' "$BIN/tern-get" 2>"$WORK/err"
STATUS=$?
check "a reader that stops early (| head) ends the copy quietly" eval '[ $STATUS -eq 0 ] && [ ! -s "$WORK/err" ]'

expect_failure "connection refused" 1 "127.0.0.1 port 81: connection refused" "$BIN/tern-get" 127.0.0.1 81
expect_failure "a server that never answers times out" 1 "127.0.0.1 port 82: the server sent nothing for 1 s" \
    "$BIN/tern-get" 127.0.0.1 82 / --timeout 1
expect_failure "a server that closes without a byte" 1 "127.0.0.1 port 83: the server closed the connection without sending a response" \
    "$BIN/tern-get" 127.0.0.1 83
expect_failure "an unanswered connection attempt times out" 1 "$BLACK_HOLE port 80: no answer to the connection attempt within 1 s" \
    "$BIN/tern-get" "$BLACK_HOLE" --timeout 1
expect_failure "no route to the network" 1 "198.51.100.1 port 80: network is unreachable" "$BIN/tern-get" 198.51.100.1
expect_failure "a host name that does not resolve" 1 "cannot resolve 'no-such-host.invalid'" "$BIN/tern-get" no-such-host.invalid
expect_failure "a control character in the path: status 2" 2 "the path contains a control character" \
    "$BIN/tern-get" 127.0.0.1 80 "$(printf '/a\rb')"
finish
