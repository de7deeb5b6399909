#!/bin/sh
# The container's entrypoint: creates the TAP device, gives the container's side of it an
# address, then replaces itself with ternd on that device. ternd starts as root (it needs
# CAP_NET_ADMIN to attach to the TAP) and drops to nobody with no capabilities at once.
#
#   docker run --rm --name tern --cap-add NET_ADMIN --device /dev/net/tun tern [ternd options]
#
# Arguments that start with "-" go to ternd after the ones set here, e.g. --echo-port 7 or
# --log-level debug; any other command runs instead of ternd (docker run -it tern sh).
#
# Environment (defaults in brackets):
#   TERN_TAP           the TAP device [tern0]
#   TERN_ADDRESS       the virtual host's address, ternd --address [10.0.0.2/24]
#   TERN_HOST_ADDRESS  the container's side of the TAP [10.0.0.1/24]
#   TERN_MTU           the link MTU, both sides [1500]
set -eu

if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    exec "$@"
fi

tap=${TERN_TAP:-tern0}
address=${TERN_ADDRESS:-10.0.0.2/24}
host_address=${TERN_HOST_ADDRESS:-10.0.0.1/24}
mtu=${TERN_MTU:-1500}

fail() {
    echo "container-entrypoint: $*" >&2
    exit 1
}

[ -c /dev/net/tun ] || fail "no /dev/net/tun in the container: run it with --device /dev/net/tun"
if ! ip link show dev "$tap" >/dev/null 2>&1; then
    ip tuntap add dev "$tap" mode tap 2>/dev/null \
        || fail "cannot create the TAP device $tap: run the container with --cap-add NET_ADMIN"
fi
ip link set dev "$tap" mtu "$mtu" || fail "cannot set the MTU of $tap to $mtu"
ip -4 address flush dev "$tap"
ip address add "$host_address" dev "$tap" || fail "cannot give $tap the address $host_address (TERN_HOST_ADDRESS)"
ip link set dev "$tap" up
echo "container-entrypoint: $tap is $host_address; ternd will be $address" >&2

exec ternd --tap "$tap" --address "$address" --mtu "$mtu" "$@"
