#!/usr/bin/env bash
# Regenerates the golden frames in this folder from real software: the Linux kernel talking
# to itself over a veth pair between two network namespaces, and the kernel talking to a
# scapy peer over a TAP device, over IPv4 and over IPv6. Needs root, tcpdump, tshark, socat,
# ethtool, ping, python3-scapy, and for IPv6 radvd and ndisc6
# (apt-get install -y tcpdump tshark socat ethtool iputils-ping python3-scapy radvd ndisc6).
#
#   make-golden.sh [--out DIR] [CAPTURE...]
#
# CAPTURE is kernel-veth, scapy-tap, kernel-veth6 or scapy-tap6 (default: all four); each
# makes CAPTURE.pcap, CAPTURE.fields.tsv and CAPTURE.txt in DIR (default: this folder).
#
# Everything happens inside namespaces created here and removed on exit; nothing is
# configured in the root namespace. The tests never run this: they read the committed output.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here"
python=/usr/bin/python3
captures=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        kernel-veth|scapy-tap|kernel-veth6|scapy-tap6) captures+=("$1"); shift ;;
        *) echo "make-golden.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[[ ${#captures[@]} -gt 0 ]] || captures=(kernel-veth scapy-tap kernel-veth6 scapy-tap6)
wants() {
    local c
    for c in "${captures[@]}"; do [[ "$c" == "$1" ]] && return 0; done
    return 1
}

if [[ $(id -u) -ne 0 ]]; then
    echo "make-golden.sh: needs root (network namespaces, veth, TAP)" >&2
    exit 1
fi
tools=(ip tcpdump tshark socat ethtool ping)
if wants kernel-veth6; then tools+=(radvd ndisc6 rdisc6); fi
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || { echo "make-golden.sh: $tool is missing" >&2; exit 1; }
done
"$python" -c 'import scapy' 2>/dev/null || { echo "make-golden.sh: $python lacks scapy" >&2; exit 1; }

ns_a="tern-golden-a-$$"
ns_b="tern-golden-b-$$"
ns_t="tern-golden-t-$$"
ns_a6="tern-golden-a6-$$"
ns_b6="tern-golden-b6-$$"
ns_t6="tern-golden-t6-$$"
scratch="$(mktemp -d)"
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for ns in "$ns_a" "$ns_b" "$ns_t" "$ns_a6" "$ns_b6" "$ns_t6"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$scratch"
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

# A namespace with IPv6 on and ICMPv6 errors not rate-limited (each provoked error must
# appear, however close together).
make_namespace6() {
    ip netns add "$1"
    ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
        net.ipv6.icmp.ratelimit=0
    ip -n "$1" link set lo up
}

# Waits (up to 10 s) until interface $2 in namespace $1 holds address $3 and it has left
# duplicate address detection.
wait_for_address() {
    for _ in $(seq 100); do
        if ip -n "$1" -6 addr show dev "$2" | grep -q "inet6 $3/"; then
            ip -n "$1" -6 addr show dev "$2" | grep "inet6 $3/" | grep -q tentative || return 0
        fi
        sleep 0.1
    done
    echo "make-golden.sh: $2 in $1 never got $3" >&2
    ip -n "$1" -6 addr show dev "$2" >&2
    return 1
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
transport_fields=(
    udp.srcport udp.dstport udp.length udp.checksum udp.checksum.status
    tcp.srcport tcp.dstport tcp.seq_raw tcp.ack_raw tcp.hdr_len tcp.flags tcp.window_size_value
    tcp.checksum tcp.checksum.status tcp.urgent_pointer tcp.len
    tcp.option_kind tcp.options.mss_val tcp.options.wscale.shift
    tcp.options.timestamp.tsval tcp.options.timestamp.tsecr tcp.options.sack_le tcp.options.sack_re
)
fields=(
    frame.number frame.len eth.dst eth.src eth.type
    arp.hw.type arp.proto.type arp.opcode arp.src.hw_mac arp.src.proto_ipv4 arp.dst.hw_mac arp.dst.proto_ipv4
    ip.version ip.hdr_len ip.dsfield ip.len ip.id ip.flags.rb ip.flags.df ip.flags.mf ip.frag_offset
    ip.ttl ip.proto ip.checksum ip.checksum.status ip.src ip.dst
    icmp.type icmp.code icmp.checksum icmp.checksum.status icmp.ident icmp.seq
    "${transport_fields[@]}"
)
# The IPv6 captures: the fixed header, every extension header and option, ICMPv6 with the
# fields of each Neighbor Discovery message and option.
fields6=(
    frame.number frame.len eth.dst eth.src eth.type
    ipv6.version ipv6.tclass ipv6.flow ipv6.plen ipv6.nxt ipv6.hlim ipv6.src ipv6.dst
    ipv6.hopopts.nxt ipv6.hopopts.len ipv6.dstopts.nxt ipv6.dstopts.len
    ipv6.opt.type ipv6.opt.length ipv6.opt.router_alert
    ipv6.routing.nxt ipv6.routing.len ipv6.routing.type ipv6.routing.segleft
    ipv6.fraghdr.nxt ipv6.fraghdr.reserved_octet ipv6.fraghdr.offset ipv6.fraghdr.reserved_bits
    ipv6.fraghdr.more ipv6.fraghdr.ident
    icmpv6.type icmpv6.code icmpv6.checksum icmpv6.checksum.status
    icmpv6.echo.identifier icmpv6.echo.sequence_number icmpv6.mtu icmpv6.pointer
    icmpv6.nd.ra.cur_hop_limit icmpv6.nd.ra.flag icmpv6.nd.ra.router_lifetime
    icmpv6.nd.ra.reachable_time icmpv6.nd.ra.retrans_timer
    icmpv6.nd.ns.target_address icmpv6.nd.na.flag icmpv6.nd.na.target_address
    icmpv6.opt.type icmpv6.opt.length icmpv6.opt.linkaddr
    icmpv6.opt.prefix.length icmpv6.opt.prefix.flag icmpv6.opt.prefix.valid_lifetime
    icmpv6.opt.prefix.preferred_lifetime icmpv6.opt.prefix icmpv6.opt.mtu
    "${transport_fields[@]}"
)

# write_fields PCAP TSV TXT FIELD...
write_fields() {
    local pcap="$1" tsv="$2" txt="$3"
    shift 3
    local args=()
    for f in "$@"; do args+=(-e "$f"); done
    tshark -r "$pcap" -n -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=, \
        -o ip.defragment:FALSE -o ip.check_checksum:TRUE -o ipv6.defragment:FALSE \
        -o tcp.check_checksum:TRUE -o tcp.relative_sequence_numbers:FALSE -o tcp.analyze_sequence_numbers:FALSE \
        -o tcp.desegment_tcp_streams:FALSE -o udp.check_checksum:TRUE \
        "${args[@]}" >"$tsv" 2>/dev/null
    tcpdump -r "$pcap" -n -e -vv -S 2>/dev/null >"$txt"
}

# --- Part 1: kernel to kernel over a veth pair -------------------------------------------
capture_kernel_veth() {
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
write_fields "$out/kernel-veth.pcap" "$out/kernel-veth.fields.tsv" "$out/kernel-veth.txt" "${fields[@]}"
chown "$(id -u):$(id -g)" "$out/kernel-veth.pcap"
}

# --- Part 2: the kernel and a scapy peer over a TAP ----------------------------------------
capture_scapy_tap() {
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
write_fields "$out/scapy-tap.pcap" "$out/scapy-tap.fields.tsv" "$out/scapy-tap.txt" "${fields[@]}"
chown "$(id -u):$(id -g)" "$out/scapy-tap.pcap"
}

# --- Part 3: two kernels over IPv6, one of them a router advertising a prefix ---------------
capture_kernel_veth6() {
make_namespace6 "$ns_a6"
make_namespace6 "$ns_b6"
ip -n "$ns_a6" link add ga type veth peer name gb netns "$ns_b6"
ip -n "$ns_a6" link set ga address 02:54:45:52:4e:01
ip -n "$ns_b6" link set gb address 02:54:45:52:4e:02
no_offloads "$ns_a6" ga
no_offloads "$ns_b6" gb
# B routes and advertises 2001:db8:1::/64 with radvd; A is a host that takes an address
# from the advertisement (stateless autoconfiguration: the prefix and its modified EUI-64
# interface identifier, 2001:db8:1:0:54:45ff:fe52:4e01).
ip netns exec "$ns_b6" sysctl -q -w net.ipv6.conf.all.forwarding=1
ip -n "$ns_b6" addr add 2001:db8:1::2/64 dev gb
cat >"$scratch/radvd.conf" <<'RADVD'
interface gb {
    AdvSendAdvert on;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 4;
    AdvCurHopLimit 64;
    AdvDefaultLifetime 1800;
    AdvReachableTime 30000;
    AdvRetransTimer 1000;
    AdvLinkMTU 1500;
    AdvOtherConfigFlag on;
    prefix 2001:db8:1::/64 {
        AdvOnLink on;
        AdvAutonomous on;
        AdvValidLifetime 86400;
        AdvPreferredLifetime 14400;
    };
    RDNSS 2001:db8:1::53 {
    };
};
RADVD
# Services on B: a UDP sink on 7777 and a TCP echo on 8080; port 7778 stays closed.
ip netns exec "$ns_b6" socat -u UDP6-RECV:7777 OPEN:/dev/null &
pids+=($!)
ip netns exec "$ns_b6" socat TCP6-LISTEN:8080,reuseaddr EXEC:/bin/cat &
pids+=($!)

# B's end comes up first and is captured from before A's end comes up, so the capture
# holds both kernels' duplicate address detection, multicast listener reports (hop-by-hop
# router alert), A's router solicitation and radvd's advertisements.
ip -n "$ns_b6" link set gb up
start_capture "$ns_b6" gb "$out/kernel-veth6.pcap"
veth6_capture=$capture_pid
ip netns exec "$ns_b6" radvd --nodaemon --config "$scratch/radvd.conf" --pidfile "$scratch/radvd.pid" \
    --logmethod stderr --debug 0 2>/dev/null &
pids+=($!)
ip -n "$ns_a6" link set ga up
wait_for_address "$ns_a6" ga 2001:db8:1:0:54:45ff:fe52:4e01
wait_for_address "$ns_b6" gb fe80::54:45ff:fe52:4e02
sleep 0.5
# Address resolution (a neighbour solicitation from A, B's solicited advertisement with its
# link-layer address), then one echo request and reply.
ip netns exec "$ns_a6" ping -6 -n -c 1 -W 2 2001:db8:1::2 >/dev/null
# 4000 bytes of echo data: three fragments each way (1448, 1448 and 1112 bytes).
ip netns exec "$ns_a6" ping -6 -n -c 1 -W 2 -s 4000 2001:db8:1::2 >/dev/null
# To B's link-local address, which A resolves separately.
ip netns exec "$ns_a6" ping -6 -n -c 1 -W 2 fe80::54:45ff:fe52:4e02%ga >/dev/null
# ndisc6 asks for B's link-layer address; rdisc6 solicits an advertisement and waits for it.
ip netns exec "$ns_a6" ndisc6 -q -r 1 -w 1000 2001:db8:1::2 ga >/dev/null
ip netns exec "$ns_a6" rdisc6 -q -r 1 -w 2000 ga >/dev/null
# A UDP datagram to the sink, then one to a closed port: B's port unreachable quotes it.
printf 'tern golden udp6\n' | ip netns exec "$ns_a6" socat -u - UDP6-SENDTO:[2001:db8:1::2]:7777
printf 'closed port\n' | ip netns exec "$ns_a6" socat -u - UDP6-SENDTO:[2001:db8:1::2]:7778,sourceport=40001
sleep 0.2
# A TCP connection over IPv6: SYN with options, data both ways, FINs.
printf 'GET /golden6 HTTP/1.0\r\n\r\n' | ip netns exec "$ns_a6" socat -t 1 - TCP6:[2001:db8:1::2]:8080 >/dev/null
stop_capture "$veth6_capture"
write_fields "$out/kernel-veth6.pcap" "$out/kernel-veth6.fields.tsv" "$out/kernel-veth6.txt" "${fields6[@]}"
chown "$(id -u):$(id -g)" "$out/kernel-veth6.pcap"
}

# --- Part 4: the kernel as an IPv6 host and router, provoked by a scapy peer over a TAP ------
capture_scapy_tap6() {
make_namespace6 "$ns_t6"
# No duplicate address detection or router solicitations, and multicast listener reports
# repeated within 10 ms: this capture is about what scapy sends and the kernel's answers.
# (The TAP's carrier comes up only when the peer opens it, so the kernel's first reports
# still join the capture.)
for conf in all default; do
    ip netns exec "$ns_t6" sysctl -q -w net.ipv6.conf.$conf.accept_dad=0 net.ipv6.conf.$conf.router_solicitations=0 \
        net.ipv6.conf.$conf.mldv2_unsolicited_report_interval=10
done
ip -n "$ns_t6" tuntap add dev tern0 mode tap
ip -n "$ns_t6" link set tern0 address 02:54:45:52:4e:0f
no_offloads "$ns_t6" tern0
ip netns exec "$ns_t6" sysctl -q -w net.ipv6.conf.all.forwarding=1
ip -n "$ns_t6" addr add 2001:db8:2::1/64 dev tern0 nodad
# A second link behind the kernel, with the smallest IPv6 MTU, to forward to (a veth pair
# whose far end stays in the namespace, unaddressed).
ip -n "$ns_t6" link add tern1 type veth peer name tern1p
ip -n "$ns_t6" link set tern1 mtu 1280 up
ip -n "$ns_t6" link set tern1p mtu 1280 up
ip -n "$ns_t6" addr add 2001:db8:3::1/64 dev tern1 nodad
ip -n "$ns_t6" link set tern0 up
ip netns exec "$ns_t6" socat -u UDP6-RECV:9001 OPEN:/dev/null &
pids+=($!)
sleep 0.3

start_capture "$ns_t6" tern0 "$out/scapy-tap6.pcap"
tap6_capture=$capture_pid
ip netns exec "$ns_t6" "$python" "$here/tap-peer6.py" tern0
stop_capture "$tap6_capture"
write_fields "$out/scapy-tap6.pcap" "$out/scapy-tap6.fields.tsv" "$out/scapy-tap6.txt" "${fields6[@]}"
chown "$(id -u):$(id -g)" "$out/scapy-tap6.pcap"
}

# tcpdump writes its files as its own unprivileged user; each part hands them back.
for capture in "${captures[@]}"; do
    case "$capture" in
        kernel-veth) capture_kernel_veth ;;
        scapy-tap) capture_scapy_tap ;;
        kernel-veth6) capture_kernel_veth6 ;;
        scapy-tap6) capture_scapy_tap6 ;;
    esac
done
echo "make-golden.sh: wrote ${captures[*]} to $out"
