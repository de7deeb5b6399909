#!/usr/bin/env bash
# Runs the client tools' integration tests (tern-time, tern-get, tern-words, tern-chat in
# line mode and in tmux) and prints a summary. Each script creates and removes its own
# network namespace; they need root and skip without it.
#
#   Tests/Integration/tools/run.sh            all of them
#   Tests/Integration/tools/run.sh chat.sh    some of them
#
# The tools are taken from .build/debug, or from TERN_BIN; missing ones are built first
# (swift build) unless TERN_BIN is set.
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$DIR/../../.." && pwd)
TOOLS=(tern-time tern-get tern-words tern-chat)

if [ -z "${TERN_BIN:-}" ]; then
    for tool in "${TOOLS[@]}"; do
        if [ ! -x "$ROOT/.build/debug/$tool" ]; then
            echo "building the client tools..."
            (cd "$ROOT" && swift build --product tern-time && swift build --product tern-get \
                && swift build --product tern-words && swift build --product tern-chat) || exit 1
            break
        fi
    done
fi

if [ $# -gt 0 ]; then
    SCRIPTS=("$@")
else
    SCRIPTS=(time.sh get.sh words.sh chat.sh chat_tmux.sh)
fi

passed=() failed=() skipped=()
for script in "${SCRIPTS[@]}"; do
    name=$(basename "$script")
    echo "== $name"
    bash "$DIR/$name"
    case $? in
        0) passed+=("$name") ;;
        77) skipped+=("$name") ;;
        *) failed+=("$name") ;;
    esac
done

echo
echo "client tools integration: ${#passed[@]} passed, ${#failed[@]} failed, ${#skipped[@]} skipped"
[ ${#failed[@]} -gt 0 ] && echo "  failed: ${failed[*]}"
[ ${#skipped[@]} -gt 0 ] && echo "  skipped: ${skipped[*]}"
[ ${#failed[@]} -eq 0 ]
