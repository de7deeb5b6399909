#!/usr/bin/env bash
# The demo as a newcomer meets it: `Tools/demo.sh --once`, run as it is, must show three
# ping replies from the virtual host and the HTTP status of its page, then clean up after
# itself (its namespace gone, ternd stopped).
source "$(dirname "$0")/lib.sh"
it_begin demo

out=$IT_WORK/demo.out
timeout 900 "$IT_ROOT/Tools/demo.sh" --once >"$out" 2>&1
code=$?
sed 's/^/#   /' "$out"
if [ "$code" -eq 0 ]; then
    pass "demo.sh --once exits 0"
else
    fail "demo.sh --once" "exit status $code"
fi
replies=$(grep -cE "^[0-9]+ bytes from 10\.0\.0\.2: icmp_seq=[0-9]+" "$out")
if [ "$replies" -eq 3 ] && grep -q " 3 received, 0% packet loss" "$out"; then
    pass "the demo shows three ping replies from 10.0.0.2"
else
    fail "ping replies in the demo's output" "$replies reply lines"
fi
if grep -qE "^HTTP/1\.1 200 OK" "$out" && grep -q "Hello from Tern" "$out"; then
    pass "the demo shows curl's HTTP status (HTTP/1.1 200 OK) and the page"
else
    fail "curl in the demo's output" "no 'HTTP/1.1 200 OK' with the page"
fi
ns=$(grep -oE "namespace tern-demo-[0-9]+ removed" "$out" | awk '{print $2}')
if [ -n "$ns" ] && ! ip netns list | grep -qw "$ns"; then
    pass "the demo removed its namespace $ns"
else
    fail "demo cleanup" "namespace '${ns:-?}' still there or not reported"
fi
it_end
