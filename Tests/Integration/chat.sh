#!/usr/bin/env bash
# The chat service (SPEC §3.4) with Python socket clients: three clients see exactly the
# right join/chat/leave packets in order (packets also split byte by byte and two in one
# segment); each kind of bad input gets an error and a close while the others are not
# disturbed; the service keeps working afterwards; with the room full, clients that connect
# together and say hello at once all get "the chat is full" and a graceful close.
source "$(dirname "$0")/lib.sh"
it_begin chat
it_namespace

if ! tap_host "$NS"; then
    fail "ternd starts" "no ready line"
    it_end
fi

check "three clients: join, chat and leave, in order, each seeing exactly what it should" client "$NS" chat-three 10.0.0.2 3490
check_noted "bad input (invalid JSON and UTF-8, chat before hello, unknown type, zero length, second hello, taken nick): error and close, others undisturbed" \
    client "$NS" chat-bad-input 10.0.0.2 3490
check "after all that, three new clients chat as before" client "$NS" chat-three 10.0.0.2 3490
if kill -0 "$TERND_PID" 2>/dev/null; then pass "ternd still running"; else fail "ternd" "it exited"; fi
stop_ternd "$TERND_PID"

IT_LABEL=full
if tap_host "$NS"; then
    check_noted "256 joined, then 20 clients at once, five times: each gets 'the chat is full' and a FIN, no reset" \
        client "$NS" chat-full 10.0.0.2 3490 256 20 5
    stop_ternd "$TERND_PID"
else
    fail "ternd starts again" "no ready line"
fi
it_end
