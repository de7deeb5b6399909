#!/usr/bin/env bash
# Regenerates the golden frames in this folder from real software: the Linux kernel talking
# to itself over a veth pair between two network namespaces, and the kernel talking to a
# scapy peer over a TAP device. Needs root, tcpdump, tshark, socat, ethtool, ping and
# python3-scapy (apt-get install -y tcpdump tshark socat ethtool iputils-ping python3-scapy).
#
# Everything happens inside namespaces created here and removed on exit; nothing is
# configured in the root namespace. The tests never run this: they read the committed output.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here}"
python=/usr/bin/python3

if [[ $(id -u) -ne 0 ]]; then
    echo "make-golden.sh: needs root (network namespaces, veth, TAP)" >&2
    exit 1
fi
for tool in ip tcpdump tshark socat ethtool ping; do
    command -v "$tool" >/dev/null || { echo "make-golden.sh: $tool is missing" >&2; exit 1; }
done
"$python" -c 'import scapy' 2>/dev/null || { echo "make-golden.sh: $python lacks scapy" >&2; exit 1; }

ns_a="tern-golden-a-$$"
ns_b="tern-golden-b-$$"
ns_t="tern-golden-t-$$"
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for ns in "$ns_a" "$ns_b" "$ns_t"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT
# A signal (including a closed output pipe) ends the script through the EXIT trap too.
trap 'exit 1' INT TERM HUP PIPE

# A namespace with IPv6 off, so no router solicitations or MLD reports join the capture.
make_namespace() {
    ip netns add "$1"
    ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$1" link set lo up
}

# Checksum offload off: otherwise a capture shows partial checksums the NIC would finish.
no_offloads() {
    ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
}

# Starts tcpdump in namespace $1 on interface $2 writing $3, and waits until it listens.
start_capture() {
    local log
    log="$(mktemp)"
    ip netns exec "$1" tcpdump -i "$2" -n -s 0 --immediate-mode -U -w "$3" 2>"$log" &
    pids+=($!)
    capture_pid=$!
    for _ in $(seq 50); do
        grep -q "listening on" "$log" && break
        sleep 0.1
    done
    rm -f "$log"
}

stop_capture() {
    sleep 0.5
    kill -INT "$1"
    wait "$1" || true
}

# Fields as tshark reads them, one line per frame. Reassembly and relative sequence
# numbers are off so every value is what that frame itself carries.
fields=(
    frame.number frame.len eth.dst eth.src eth.type
    arp.hw.type arp.proto.type arp.opcode arp.src.hw_mac arp.src.proto_ipv4 arp.dst.hw_mac arp.dst.proto_ipv4
    ip.version ip.hdr_len ip.dsfield ip.len ip.id ip.flags.rb ip.flags.df ip.flags.mf ip.frag_offset
    ip.ttl ip.proto ip.checksum ip.checksum.status ip.src ip.dst
    icmp.type icmp.code icmp.checksum icmp.checksum.status icmp.ident icmp.seq
    udp.srcport udp.dstport udp.length udp.checksum udp.checksum.status
    tcp.srcport tcp.dstport tcp.seq_raw tcp.ack_raw tcp.hdr_len tcp.flags tcp.window_size_value
    tcp.checksum tcp.checksum.status tcp.urgent_pointer tcp.len
    tcp.option_kind tcp.options.mss_val tcp.options.wscale.shift
    tcp.options.timestamp.tsval tcp.options.timestamp.tsecr tcp.options.sack_le tcp.options.sack_re
)

write_fields() {
    local args=()
    for f in "${fields[@]}"; do args+=(-e "$f"); done
    tshark -r "$1" -n -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=, \
        -o ip.defragment:FALSE -o ip.check_checksum:TRUE \
        -o tcp.check_checksum:TRUE -o tcp.relative_sequence_numbers:FALSE -o tcp.analyze_sequence_numbers:FALSE \
        -o tcp.desegment_tcp_streams:FALSE -o udp.check_checksum:TRUE \
        "${args[@]}" >"$2" 2>/dev/null
    tcpdump -r "$1" -n -e -vv -S 2>/dev/null >"$3"
}

# --- Part 1: kernel to kernel over a veth pair -------------------------------------------
make_namespace "$ns_a"
make_namespace "$ns_b"
ip -n "$ns_a" link add ga type veth peer name gb netns "$ns_b"
ip -n "$ns_a" link set ga address 02:54:45:52:4e:01
ip -n "$ns_b" link set gb address 02:54:45:52:4e:02
no_offloads "$ns_a" ga
no_offloads "$ns_b" gb
ip -n "$ns_a" addr add 192.0.2.1/24 dev ga
ip -n "$ns_b" addr add 192.0.2.2/24 dev gb
ip -n "$ns_a" link set ga up
ip -n "$ns_b" link set gb up

# Services on B: a UDP sink on 7777 and a TCP echo on 8080; port 7778 stays closed.
ip netns exec "$ns_b" socat -u UDP4-RECV:7777 OPEN:/dev/null &
pids+=($!)
ip netns exec "$ns_b" socat TCP4-LISTEN:8080,reuseaddr EXEC:/bin/cat &
pids+=($!)
sleep 0.5

start_capture "$ns_b" gb "$out/kernel-veth.pcap"
veth_capture=$capture_pid
# ARP request (A) and reply (B), then one echo request and reply.
ip netns exec "$ns_a" ping -n -c 1 -W 2 192.0.2.2 >/dev/null
# An echo request with the Record Route option (IHL 15): the reply carries it back.
ip netns exec "$ns_a" ping -n -c 1 -W 2 -R 192.0.2.2 >/dev/null
# 4000 bytes of echo data: three IPv4 fragments each way.
ip netns exec "$ns_a" ping -n -c 1 -W 2 -s 4000 192.0.2.2 >/dev/null
# A UDP datagram to the sink, then one to a closed port: B answers with an ICMP
# port unreachable that quotes it.
printf 'tern golden udp\n' | ip netns exec "$ns_a" socat -u - UDP4-SENDTO:192.0.2.2:7777
printf 'closed port\n' | ip netns exec "$ns_a" socat -u - UDP4-SENDTO:192.0.2.2:7778,sourceport=40001
sleep 0.2
# A TCP connection: SYN with MSS, SACK-permitted, timestamps and window scale; data both
# ways (B echoes); FIN from both sides.
printf 'GET /golden HTTP/1.0\r\n\r\n' | ip netns exec "$ns_a" socat -t 1 - TCP4:192.0.2.2:8080 >/dev/null
stop_capture "$veth_capture"
write_fields "$out/kernel-veth.pcap" "$out/kernel-veth.fields.tsv" "$out/kernel-veth.txt"

# --- Part 2: the kernel and a scapy peer over a TAP ----------------------------------------
make_namespace "$ns_t"
ip -n "$ns_t" tuntap add dev tern0 mode tap
ip -n "$ns_t" link set tern0 address 02:54:45:52:4e:0f
no_offloads "$ns_t" tern0
ip -n "$ns_t" addr add 198.51.100.1/24 dev tern0
ip -n "$ns_t" link set tern0 up
# The TAP carrier is up only while a process holds it open; the peer attaches below.
ip netns exec "$ns_t" socat -u TCP4-LISTEN:9000,reuseaddr OPEN:/dev/null &
pids+=($!)
sleep 0.3

start_capture "$ns_t" tern0 "$out/scapy-tap.pcap"
tap_capture=$capture_pid
ip netns exec "$ns_t" "$python" "$here/tap-peer.py" tern0
stop_capture "$tap_capture"
write_fields "$out/scapy-tap.pcap" "$out/scapy-tap.fields.tsv" "$out/scapy-tap.txt"

# tcpdump writes its files as its own unprivileged user; hand them back.
chown "$(id -u):$(id -g)" "$out"/kernel-veth.pcap "$out"/scapy-tap.pcap
echo "make-golden.sh: wrote kernel-veth.* and scapy-tap.* to $out"
