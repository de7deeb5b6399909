#!/usr/bin/env bash
# Uploads into ternd and downloads from it under loss, the kernel's TCP at the other end:
# for 1 %, 5 % and 10 % of frames dropped each way by ternd's fault injector (--no-offload,
# fixed seeds), 20 MiB to the discard service, then 10 MiB from chargen. Each upload must
# end (the server's FIN after ours) within 60 s — a receiver the Linux sender cannot recover
# against leaves it in retransmission timeouts backing off to minutes — and ternd's count
# of data bytes received in order must be exactly the upload. No segment may be refused
# for want of room for out-of-order data. Each download must be the RFC 864 pattern byte
# for byte and end within 60 s: ternd is the sender there, recovering every loss itself.
source "$(dirname "$0")/lib.sh"
it_begin tcp_upload_loss
it_namespace
MIB=$((1 << 20))
SIZE=$((20 * MIB))
DOWNLOAD=$((10 * MIB))

seed=11
for drop in 0.01 0.05 0.10; do
    percent=$(awk "BEGIN { printf \"%d\", $drop * 100 }")
    IT_LABEL=ternd-$percent
    if ! tap_host "$NS" --no-offload --discard-port 9 --chargen-port 19 --fault-drop "$drop" --fault-seed "$seed"; then
        fail "ternd starts with --fault-drop $drop" "no ready line"
        continue
    fi
    seed=$((seed + 1))
    output=$(timeout 60 ip netns exec "$NS" "$PY" "$CLIENTS" tcp-discard 10.0.0.2 9 "$SIZE" 2>&1 | tail -1)
    status=${PIPESTATUS[0]}
    if [ "$status" -eq 0 ]; then
        pass "$percent% drop: 20 MiB uploaded to discard within 60 s"
    else
        fail "$percent% drop: 20 MiB to discard" "status $status (124: stalled past 60 s): $output"
    fi
    echo "#   $output"
    output=$(timeout 60 ip netns exec "$NS" "$PY" "$CLIENTS" tcp-chargen 10.0.0.2 19 "$DOWNLOAD" 2>&1 | tail -1)
    status=${PIPESTATUS[0]}
    if [ "$status" -eq 0 ]; then
        pass "$percent% drop: 10 MiB downloaded from chargen within 60 s, every byte the pattern"
    else
        fail "$percent% drop: 10 MiB from chargen" "status $status (124: stalled past 60 s): $output"
    fi
    echo "#   $output"
    kill -USR1 "$TERND_PID"
    sleep 0.3
    counters=$(grep "counters:" "$IT_WORK/$IT_LABEL.err" | tail -1)
    stop_ternd "$TERND_PID"
    received=$(echo "$counters" | grep -oE "TCP data bytes received in order: [0-9]+" | grep -oE "[0-9]+$")
    if [ "${received:-0}" -eq "$SIZE" ]; then
        pass "$percent% drop: ternd received exactly $SIZE bytes in order"
    else
        fail "$percent% drop: byte count" "ternd received ${received:-none} bytes in order, $SIZE sent"
    fi
    refused=$(echo "$counters" | grep -oE "no room for out-of-order data: [0-9]+" | grep -oE "[0-9]+$")
    if [ -z "$refused" ]; then
        pass "$percent% drop: every out-of-order segment in the window was kept"
    else
        fail "$percent% drop: out-of-order data" "$refused segments refused for want of room"
    fi
    dropped_in=$(echo "$counters" | sed -n 's/.*faults in: dropped \([0-9]*\).*/\1/p')
    echo "#   $(echo "$counters" | grep -oE "TCP segments (received|sent): [0-9]+|TCP retransmission timeouts: [0-9]+|faults (in|out): dropped [0-9]+" | paste -sd, - | sed 's/,/, /g')"
    if [ "${dropped_in:-0}" -eq 0 ]; then
        fail "$percent% drop: fault injection" "nothing was dropped"
    fi
done
it_end
