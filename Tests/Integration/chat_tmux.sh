#!/usr/bin/env bash
# tern-chat's terminal interface against the daemon's chat service, driven in tmux
# (send-keys / capture-pane): a message typed in one client appears in the other, with the
# join and leave lines, and /q ends the client cleanly.
source "$(dirname "$0")/lib.sh"
it_begin chat_tmux
it_require tmux "$TERN_BIN/tern-chat"
it_namespace

TMUX_SOCKET=tern-it-chat-$$
tm() { tmux -L "$TMUX_SOCKET" -f /dev/null "$@"; }
# The tmux server (and the clients in its panes) go before the namespace.
trap 'tm kill-server 2>/dev/null; it_cleanup' EXIT

if ! tap_host "$NS"; then
    fail "ternd starts" "no ready line"
    it_end
fi

ROWS=15
# open_client NICK: a tmux session NICK running tern-chat NICK against the virtual host;
# when the client exits the pane shows its exit status and stays open for capture-pane.
open_client() {
    tm new-session -d -s "$1" -x 70 -y "$ROWS" \
        "ip netns exec $NS $TERN_BIN/tern-chat $1 10.0.0.2 3490; echo \"[exit \$?]\"; exec sleep 600"
}
screen_of() { tm capture-pane -p -t "$1"; }
shows() { screen_of "$1" | grep -qxF -- "$2"; }
bottom_of() { tm capture-pane -p -t "$1" -S $((ROWS - 1)) -E $((ROWS - 1)) | sed 's/ *$//'; }
# wait_until SECONDS COMMAND...: polls the command until it succeeds.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.1
    done
}
screen_check() {
    local name=$1 who=$2 line=$3
    if wait_until 10 shows "$who" "$line"; then
        pass "$name"
    else
        fail "$name" "not on $who's screen: '$line'; it shows: $(screen_of "$who" | sed '/^ *$/d' | tr '\n' '|')"
    fi
}

open_client alice
screen_check "alice's client connects and shows her own join" alice "*** alice has joined the chat"
open_client bob
screen_check "alice sees bob join" alice "*** bob has joined the chat"
if wait_until 5 eval '[ "$(bottom_of bob)" = "bob>" ]'; then
    pass "bob's input line is at the bottom of his window"
else
    fail "bob's prompt" "bottom row: '$(bottom_of bob)'"
fi

tm send-keys -t bob -l "hello alice, from the virtual host 🐦"
tm send-keys -t bob Enter
screen_check "a message typed in bob's client appears in alice's" alice "bob: hello alice, from the virtual host 🐦"
screen_check "and in bob's own (the server sends it to everyone)" bob "bob: hello alice, from the virtual host 🐦"

tm send-keys -t alice -l "hi bob"
tm send-keys -t alice Enter
screen_check "alice's reply appears in bob's client" bob "alice: hi bob"

tm send-keys -t bob -l "/q"
tm send-keys -t bob Enter
screen_check "/q ends bob's client with status 0" bob "[exit 0]"
screen_check "alice sees bob leave" alice "*** bob has left the chat"

if [ "$IT_FAILED" -gt 0 ]; then
    for name in alice bob; do
        echo "# ---- $name's screen"
        screen_of "$name" 2>/dev/null | sed 's/^/# /'
    done
fi
tm kill-server 2>/dev/null
stop_ternd "$TERND_PID"
it_end
