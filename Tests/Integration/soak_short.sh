#!/usr/bin/env bash
# A short soak for every test run: a burst of 1,000 concurrent downloads (RSS back within
# 1.5 times start-up within 10 s), 5,000 sequential HTTP connections, 1,000 chat joins and
# leaves (RSS must stay flat), then 1,000 idle HTTP connections and 1,000 idle chat clients
# (at most 4 MiB of private memory each set), then 10,000 keep-alive connections idle after
# one request each from eight addresses (at most 2 KiB each). Tests/Soak/soak.sh runs the long one.
here=$(cd "$(dirname "$0")" && pwd)
export SOAK_NAME=soak_short SOAK_HTTP=${SOAK_HTTP:-5000} SOAK_CHAT=${SOAK_CHAT:-1000} SOAK_IDLE=${SOAK_IDLE:-1000} SOAK_BURST=${SOAK_BURST:-1000}
export TERND=${TERND:-$(cd "$here/../.." && pwd)/.build/debug/ternd}
exec bash "$here/../Soak/soak.sh"
