#!/usr/bin/env bash
# nmap -sS (SYN scan, raw packets) and -sT (the kernel's connect) over TCP ports 1–1024:
# exactly the enabled services open, every other port closed (answered with a reset, none
# filtered), with all services on and again with most of them off. The services still work
# after being scanned.
source "$(dirname "$0")/lib.sh"
it_begin nmap
it_require nmap
it_namespace

# scan_matches NS TYPE EXPECTED_OPEN: runs `nmap -sTYPE -p 1-1024` and checks every port's
# state and reason against the space-separated list of open ports.
scan_matches() {
    local ns=$1 type=$2 expected=$3
    ip netns exec "$ns" timeout 120 nmap "-s$type" -p 1-1024 -n -Pn -oX "$IT_WORK/scan-$type.xml" 10.0.0.2 \
        >"$IT_WORK/scan-$type.txt" 2>&1 || { echo "nmap failed: $(tail -1 "$IT_WORK/scan-$type.txt")"; return 1; }
    "$PY" - "$IT_WORK/scan-$type.xml" "$type" "$expected" <<'EOF'
import sys
import xml.etree.ElementTree as ET

path, scan, expected = sys.argv[1], sys.argv[2], {int(p) for p in sys.argv[3].split()}
closed_reason = {"S": "reset", "T": "conn-refused"}[scan]
ports = {}
host = ET.parse(path).getroot().find("host")
if host is None:
    sys.exit("no host in the scan report")
for extra in host.iter("extraports"):
    for reasons in extra.iter("extrareasons"):
        for item in reasons.get("ports", "").split(","):
            if not item:
                continue
            low, _, high = item.partition("-")
            for port in range(int(low), int(high or low) + 1):
                ports[port] = (extra.get("state"), reasons.get("reason"))
for port in host.iter("port"):
    state = port.find("state")
    ports[int(port.get("portid"))] = (state.get("state"), state.get("reason"))
missing = sorted(set(range(1, 1025)) - set(ports))
if missing:
    sys.exit(f"{len(missing)} ports not reported, e.g. {missing[:5]}")
opened = {p for p, (state, _) in ports.items() if state == "open"}
if opened != expected:
    sys.exit(f"open: {sorted(opened)}, expected {sorted(expected)}")
odd = {p: s for p, s in ports.items() if p not in expected and s != ("closed", closed_reason)}
if odd:
    sys.exit(f"not closed by {closed_reason}: {dict(list(odd.items())[:5])}")
print(f"open {sorted(opened)}; the other {1024 - len(opened)} closed ({closed_reason})")
EOF
}

IT_LABEL=all
if ! tap_host "$NS" --echo-port 7 --discard-port 9 --chargen-port 19 --words-port 1000; then
    fail "ternd starts" "no ready line"
    it_end
fi
# Chat (3490) is on but outside the range.
check_noted "nmap -sS 1–1024: exactly echo, discard, chargen, time, http and words open" scan_matches "$NS" S "7 9 19 37 80 1000"
check_noted "nmap -sT 1–1024: the same" scan_matches "$NS" T "7 9 19 37 80 1000"
check "echo works after the scans" client "$NS" tcp-echo 10.0.0.2 7 65536
check "time works after the scans" client "$NS" tcp-time 10.0.0.2 37
stop_ternd "$TERND_PID"

IT_LABEL=few
if ! tap_host "$NS" --http-port 0 --time-port 0 --chat-port 0 --discard-port 9; then
    fail "ternd starts with services off" "no ready line"
    it_end
fi
check_noted "services off: nmap -sS finds only discard open" scan_matches "$NS" S "9"
check_noted "services off: nmap -sT finds only discard open" scan_matches "$NS" T "9"
check "discard works after the scans" client "$NS" tcp-discard 10.0.0.2 9 65536
stop_ternd "$TERND_PID"
it_end
