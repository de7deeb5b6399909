#!/usr/bin/env bash
# Tools/lab.sh's graph mode: one ternd router per router of a tern-route graph, static
# routes from tern-route's shortest-path trees; traceroute between two LAN hosts must list
# exactly the routers tern-route prints. Also a ring, both again over IPv6 (--ipv6, with
# traceroute -6), and the lab cleaning up after itself.
source "$(dirname "$0")/lib.sh"
it_begin lab
it_require traceroute python3
export TERND
export TERN_ROUTE=$TERN_BIN/tern-route
it_require "$TERN_ROUTE"
lab="$IT_ROOT/Tools/lab.sh"
prefix="tern-it-lab-$$"

# lab_check NAME ARGS...: runs the lab with --check; PASS when traceroute follows tern-route.
lab_check() {
    local name=$1 output
    shift
    if output=$(timeout 300 "$lab" "$@" --prefix "$prefix" 2>&1); then
        pass "$name: $(echo "$output" | grep '^traceroute')"
    else
        fail "$name" "$(echo "$output" | tail -3 | tr '\n' '|')"
    fi
}
examples="$IT_ROOT/Tools/tern-route/examples"
lab_check "campus graph, 6 routers: traceroute follows tern-route's path" graph "$examples/campus.json" \
    --check 10.10.1.5 10.10.6.9
lab_check "campus graph, the other way" graph "$examples/campus.json" --check 10.10.5.7 10.10.1.9
lab_check "ties graph: the tie-break tern-route makes is the one the packets take" graph "$examples/ties.json" \
    --check 192.168.0.7 192.168.8.20
lab_check "a ring of 5 routers" ring 5 --check 10.1.0.9 10.4.0.9
# The same over IPv6 (dual-stack): traceroute -6 through the ternd routers.
lab_check "campus graph over IPv6: traceroute -6 follows tern-route's path" graph "$examples/campus.json" --ipv6 \
    --check 10.10.1.5 10.10.6.9
lab_check "a ring of 5 routers over IPv6" ring 5 --ipv6 --check 10.1.0.9 10.4.0.9
if ip netns list | grep -q "^$prefix"; then
    fail "the lab removes its namespaces" "$(ip netns list | grep "^$prefix" | tr '\n' ' ')"
else
    pass "the lab removes its namespaces"
fi
it_end
