#!/bin/sh
# The container's entrypoint: starts ternd on a TAP device that ternd creates, with the
# container's side of the TAP as the kernel's address and the virtual host's gateway, and
# forwards the services' ports arriving on the container's own interface to the virtual
# host, so that `docker run -p 8080:80` reaches its web server. ternd starts as root (it
# needs CAP_NET_ADMIN for the TAP) and drops to nobody with no capabilities at once; the
# TAP is not persistent and goes away with it.
#
#   docker run -d --rm --name tern --cap-add NET_ADMIN --device /dev/net/tun \
#       --sysctl net.ipv4.ip_forward=1 -p 8080:80 tern [ternd options]
#
# Arguments that start with "-" go to ternd after the ones set here, e.g. --echo-port 7 or
# --log-level debug; --help and --version go to ternd alone (no devices needed); any other
# command runs instead of ternd (docker run -it tern sh).
#
# Environment (defaults in brackets):
#   TERN_TAP           the TAP device [tern0]
#   TERN_ADDRESS       the virtual host's address, ternd --address [10.0.0.2/24]
#   TERN_HOST_ADDRESS  the container's side of the TAP, also ternd's --gateway [10.0.0.1/24]
#   TERN_MTU           the link MTU, both sides [1500]
#   TERN_PUBLISH       auto or off [auto]: forward the services' ports to the virtual host
#                      when net.ipv4.ip_forward is 1 in a network namespace of the
#                      container's own (never in the host's, with --network host)
set -eu

if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    exec "$@"
fi
for argument in "$@"; do
    case $argument in
        -h | --help | --version) exec ternd "$@" ;;
    esac
done

tap=${TERN_TAP:-tern0}
address=${TERN_ADDRESS:-10.0.0.2/24}
host_address=${TERN_HOST_ADDRESS:-10.0.0.1/24}
mtu=${TERN_MTU:-1500}
publish=${TERN_PUBLISH:-auto}

say() { echo "container-entrypoint: $*" >&2; }
fail() {
    say "$*"
    exit 1
}

[ -c /dev/net/tun ] || fail "no /dev/net/tun in the container: run it with --device /dev/net/tun"
# CAP_NET_ADMIN is bit 12 of the effective set.
effective=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
[ $(((0x$effective >> 12) & 1)) -eq 1 ] || fail "no NET_ADMIN capability: run the container with --cap-add NET_ADMIN"

# The ports ternd's services will listen on: its defaults, changed by the arguments.
http=80 time=37 chat=3490 more=""
previous=""
for argument in "$@"; do
    case $argument in --*-port=*) previous=${argument%%=*} argument=${argument#*=} ;; esac
    case $previous in
        --http-port) http=$argument ;;
        --time-port) time=$argument ;;
        --chat-port) chat=$argument ;;
        --echo-port | --discard-port | --chargen-port | --words-port) more="$more $argument" ;;
    esac
    previous=$argument
done
ports=$(for port in $http $time $chat $more; do [ "$port" = 0 ] || echo "$port"; done | sort -un | paste -sd, - | sed 's/,/, /g')

virtual_ip=${address%/*}
gateway=${host_address%/*}
if [ "$publish" = off ]; then
    say "TERN_PUBLISH=off: no ports are forwarded to the virtual host"
elif ip -o link show type bridge 2>/dev/null | grep -q .; then
    # A bridge (docker0, say) means this is the Docker host's own namespace (--network
    # host): its forwarding and firewall are the host's business, not ours.
    say "host network: no ports are forwarded; the virtual host is $virtual_ip on $tap"
elif [ "$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null)" != 1 ]; then
    say "ports published with -p will not reach the virtual host: run the container with --sysctl net.ipv4.ip_forward=1"
elif [ -n "$ports" ]; then
    printf '%s\n' \
        'table ip tern' \
        'delete table ip tern' \
        'table ip tern {' \
        '    chain prerouting {' \
        '        type nat hook prerouting priority dstnat; policy accept;' \
        "        iifname != \"$tap\" meta l4proto { tcp, udp } th dport { $ports } dnat to $virtual_ip" \
        '    }' \
        '}' | nft -f - || fail "cannot forward the ports $ports to the virtual host with nftables"
    say "ports $ports of this container go to the virtual host $virtual_ip"
fi

exec ternd --tap "$tap" --address "$address" --host-address "$host_address" --mtu "$mtu" --gateway "$gateway" "$@"
