#!/usr/bin/env bash
# tern-chat in line mode (standard input and output not a terminal) against a Python chat
# server speaking the chat protocol (docs/protocols.md), in a namespace of its own.
source "$(dirname "$0")/lib.sh"
setup tern-chat

start python3 "$SERVERS/chat_server.py" --port 3490 --greet
start python3 "$SERVERS/chat_server.py" --port 3491 --no-extensions
wait_for_port 3490; wait_for_port 3491

# A listener: bob reads nothing (--keep-open keeps him connected after his input ends).
# (ip netns exec, not the in_ns function, so that $! is the client's own PID.)
ip netns exec "$NS" "$BIN/tern-chat" bob 127.0.0.1 3490 --keep-open </dev/null >"$WORK/bob" 2>&1 &
BOB=$!
STARTED_PIDS+=($BOB)
wait_until 5 grep -q "bob has joined" "$WORK/bob" || fail "bob joined"

# alice says her lines and leaves when her input ends.
printf '%s\n' "hello from a script" "/me waves" "/msg bob psst" "naïve 漢字 👍🏽" "//not a command" "/nope" |
    in_ns "$BIN/tern-chat" alice 127.0.0.1 3490 >"$WORK/alice" 2>&1
check "alice: status 0 at the end of her input" [ $? -eq 0 ]
check "alice: an unknown command is reported locally, not sent" grep -qx "\*\*\* unknown command /nope (/help lists them; //TEXT says TEXT)" "$WORK/alice"
wait_until 5 grep -q "alice has left" "$WORK/bob" || true
cat >"$WORK/expected" <<'TEXT'
*** bob has joined the chat
*** alice has joined the chat
alice: hello from a script
* alice waves
[private] alice -> bob: psst
alice: naïve 漢字 👍🏽
alice: /not a command
*** alice has left the chat
TEXT
if cmp -s "$WORK/bob" "$WORK/expected"; then
    pass "bob sees join, chat, /me, /msg, UTF-8 and leave in order; the unknown packet type is ignored"
else
    fail "bob sees join, chat, /me, /msg, UTF-8 and leave in order; the unknown packet type is ignored" "$(diff "$WORK/expected" "$WORK/bob")"
fi

# carol asks who is here and stays; a signal ends her session cleanly.
printf '/who\n' | ip netns exec "$NS" "$BIN/tern-chat" carol 127.0.0.1 3490 --keep-open >"$WORK/carol" 2>&1 &
CAROL=$!
STARTED_PIDS+=($CAROL)
wait_until 5 grep -q "^\*\*\* here" "$WORK/carol"
check "/who lists who is here" grep -qx "\*\*\* here (2): bob, carol" "$WORK/carol"

# A hostile client: escape sequences in its nick and message must not reach bob's output.
in_ns python3 - <<'PY'
import json, socket, struct, time
s = socket.create_connection(("127.0.0.1", 3490))
for packet in ({"type": "hello", "nick": "mallory\u001b[2J"}, {"type": "chat", "message": "\u001b]0;pwned\u0007hi\r\n*** fake"}):
    payload = json.dumps(packet).encode()
    s.sendall(struct.pack("!H", len(payload)) + payload)
time.sleep(0.3)
s.close()
PY
wait_until 5 grep -q "has left" <(grep mallory "$WORK/bob")
check "escape sequences from others are replaced, never printed" \
    eval '! grep -q $'"'"'\x1b'"'"' "$WORK/bob" && grep -qx "mallory�\[2J: �\]0;pwned�hi��\*\*\* fake" "$WORK/bob"'

kill -TERM "$CAROL"
wait "$CAROL"
check "SIGTERM: carol leaves cleanly, status 0" [ $? -eq 0 ]
wait_until 5 grep -q "carol has left" "$WORK/bob"
check "bob sees carol leave" grep -qx "\*\*\* carol has left the chat" "$WORK/bob"

# Errors from the server are shown, and its close ends the client with status 1.
in_ns "$BIN/tern-chat" bob 127.0.0.1 3490 --keep-open </dev/null >"$WORK/bob2" 2>&1
STATUS=$?
check "a taken nick: the server's error, its close, status 1" \
    eval '[ $STATUS -eq 1 ] && [ "$(cat "$WORK/bob2")" = "$(printf "*** error from the server: the nick bob is taken\n*** the server closed the connection")" ]'
printf '/who\n' | in_ns "$BIN/tern-chat" dave 127.0.0.1 3491 --keep-open >"$WORK/dave" 2>&1
STATUS=$?
check "a server without the extensions rejects /who: shown, status 1" \
    eval '[ $STATUS -eq 1 ] && grep -q "^\*\*\* error from the server: unknown or malformed packet of type who" "$WORK/dave"'

kill -TERM "$BOB"
wait "$BOB"
check "bob: SIGTERM ends the session, status 0" [ $? -eq 0 ]

expect_failure "connection refused" 1 "127.0.0.1 port 3499: connection refused" "$BIN/tern-chat" alice 127.0.0.1 3499
run_tool "$BIN/tern-chat" "two words" 127.0.0.1 3490
check "a nick with a space is bad usage: status 2" eval '[ $STATUS -eq 2 ] && [[ "$ERR" == *"NICK must not contain spaces"* ]]'
finish
