#!/usr/bin/env bash
# tern-chat's terminal interface, driven in tmux (send-keys / capture-pane): two clients
# against a Python chat server in a namespace of its own. Checks what the user sees: a
# message typed in one client appears in the other, join and leave lines, and the line
# being typed survives messages arriving (same text, same cursor, one prompt on screen).
source "$(dirname "$0")/lib.sh"
setup tern-chat
command -v tmux >/dev/null || { echo "SKIP $(basename "$0"): tmux is not installed"; exit 77; }

start python3 "$SERVERS/chat_server.py" --port 3490 --greet
wait_for_port 3490

TMUX_SOCKET=tern-clients-$$
COLUMNS_=70
ROWS_=15
tm() { tmux -L "$TMUX_SOCKET" -f /dev/null "$@"; }

# Opens a tmux session NAME running tern-chat as NAME. When the client exits, the pane
# shows its exit status and whether the terminal is back in canonical mode ("icanon"; raw
# mode would show "-icanon"), and stays open for capture-pane.
open_client() {
    local name=$1
    tm new-session -d -s "$name" -x "$COLUMNS_" -y "$ROWS_" \
        "ip netns exec $NS $BIN/tern-chat $name 127.0.0.1 3490; echo \"[exit \$?]\"; stty -a | grep -o -- '-\\?icanon' | head -n 1; exec sleep 600"
}
screen_of() { tm capture-pane -p -t "$1"; }
row_of() { tm capture-pane -p -t "$1" -S "$2" -E "$2"; }
bottom_of() { row_of "$1" $((ROWS_ - 1)) | sed 's/ *$//'; }
cursor_of() { tm display -p -t "$1" '#{cursor_x},#{cursor_y}'; }
shows() { screen_of "$1" | grep -qxF -- "$2"; }
prompts_on() { screen_of "$1" | grep -c "^$1>"; }
type_in() { tm send-keys -t "$1" -l -- "$2"; }
press() { local target=$1; shift; tm send-keys -t "$target" "$@"; }
# Waits for the bottom row of $1 to read $2 exactly.
bottom_reads() { [ "$(bottom_of "$1")" = "$2" ]; }

open_client alice
wait_until 10 shows alice "*** alice has joined the chat" || fail "alice connected" "$(screen_of alice)"
open_client bob
wait_until 10 shows alice "*** bob has joined the chat"
check "alice sees bob join" shows alice "*** bob has joined the chat"
check "the prompt is on the bottom row" bottom_reads bob "bob>"

# alice starts typing; bob's message arrives in the middle of it.
type_in alice "draft"
type_in alice $'e\xcc\x81'    # e and a combining acute accent: one character
wait_until 5 bottom_reads alice "alice> drafte"$'\xcc\x81'
type_in bob "hello from bob, 漢字"
press bob Enter
wait_until 5 shows alice "bob: hello from bob, 漢字"
check "bob's message appears in alice's window" shows alice "bob: hello from bob, 漢字"
check "the message is on the row above alice's input line" eval '[ "$(row_of alice $((ROWS_ - 2)) | sed "s/ *\$//")" = "bob: hello from bob, 漢字" ]'
check "alice's half-typed line is redrawn intact" bottom_reads alice "alice> drafte"$'\xcc\x81'
check "alice's cursor is still at the end of her line" eval '[ "$(cursor_of alice)" = "13,$((ROWS_ - 1))" ]'
check "bob's own message is shown to him (the server echoes it)" shows bob "bob: hello from bob, 漢字"

press alice BSpace
wait_until 5 bottom_reads alice "alice> draft"
check "one backspace removes the whole accented character" eval '[ "$(cursor_of alice)" = "12,$((ROWS_ - 1))" ]'

# A burst of messages while alice keeps typing: nothing is lost, nothing is drawn twice.
for n in 1 2 3 4 5; do
    type_in bob "burst $n"
    press bob Enter
    type_in alice " $n"
done
wait_until 5 shows alice "bob: burst 5"
wait_until 5 bottom_reads alice "alice> draft 1 2 3 4 5"
check "every message of the burst arrives, in order" \
    eval '[ "$(screen_of alice | grep "^bob: burst" | tr "\n" " ")" = "bob: burst 1 bob: burst 2 bob: burst 3 bob: burst 4 bob: burst 5 " ]'
check "alice's line holds every key she typed during the burst" bottom_reads alice "alice> draft 1 2 3 4 5"
check "one prompt on alice's screen: no stale input line left in the output" eval '[ "$(prompts_on alice)" -eq 1 ]'
check "one prompt on bob's screen" eval '[ "$(prompts_on bob)" -eq 1 ]'

# alice sends; bob sees it.
press alice Enter
wait_until 5 shows bob "alice: draft 1 2 3 4 5"
check "alice's message appears in bob's window" shows bob "alice: draft 1 2 3 4 5"
check "alice's input line is empty after Enter" bottom_reads alice "alice>"

# A smaller window: the input line moves to the new bottom row.
type_in alice "after resize"
tm resize-window -t alice -x 50 -y 10
wait_until 5 eval '[ "$(row_of alice 9 | sed "s/ *\$//")" = "alice> after resize" ]'
check "after a resize the input line is on the new bottom row" eval '[ "$(row_of alice 9 | sed "s/ *\$//")" = "alice> after resize" ]'

# bob leaves with /q: alice sees it; bob's terminal is restored.
type_in bob "/q"
press bob Enter
wait_until 5 shows bob "[exit 0]"
check "/q: bob's client exits with status 0" shows bob "[exit 0]"
check "/q: bob's terminal is back in canonical mode" shows bob "icanon"
wait_until 5 shows alice "*** bob has left the chat"
check "alice sees bob leave" shows alice "*** bob has left the chat"

# Ctrl-C while typing, and Ctrl-D on an empty line, both exit and restore the terminal.
press alice C-c
wait_until 5 shows alice "[exit 0]"
check "Ctrl-C: alice's client exits with status 0" shows alice "[exit 0]"
check "Ctrl-C: alice's terminal is back in canonical mode" shows alice "icanon"
open_client carol
wait_until 10 shows carol "*** carol has joined the chat"
press carol C-d
wait_until 5 shows carol "[exit 0]"
check "Ctrl-D on an empty line: exit status 0, terminal restored" eval 'shows carol "[exit 0]" && shows carol icanon'

if [ "$FAILED" -ne 0 ]; then
    for name in alice bob carol; do
        echo "---- $name's screen"
        screen_of "$name" 2>/dev/null
    done
fi
finish
