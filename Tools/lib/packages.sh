# Debian packages the project's scripts need, and one way to install the missing ones.
# Sourced (bash) by Tools/test.sh, Tools/demo.sh, .ci/run and the benchmark; the lists
# below are the one place that names them.
#
#   source Tools/lib/packages.sh
#   packages_ensure demo.sh "${TERN_DEMO_PACKAGES[@]}"

# Building ternd (libcap for the privilege drop) and what the demo runs.
TERN_BUILD_PACKAGES=(libcap-dev)
TERN_DEMO_PACKAGES=(libcap-dev iproute2 iputils-ping curl)
# The unit and integration tests.
TERN_TEST_PACKAGES=(libcap-dev iproute2 iputils-ping iputils-arping tcpdump tshark nmap netcat-openbsd
    socat python3 python3-scapy python3-h11 curl apache2-utils ethtool tmux wrk traceroute iputils-tracepath
    mtr-tiny iperf3 ndisc6)
# The container test: a Docker engine of its own and the stand-in base images it makes.
TERN_CONTAINER_PACKAGES=(docker.io debootstrap tmux curl iproute2)
# The side-by-side benchmark (Tools/bench).
TERN_BENCH_PACKAGES=(liblwip-dev nginx-light wrk apache2-utils nghttp2-client curl iproute2 iputils-ping ethtool procps
    gcc make pkg-config python3)

# packages_missing NAME...: prints those of the packages that are not installed.
packages_missing() {
    local package
    for package in "$@"; do
        dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q "install ok installed" || echo "$package"
    done
}

# packages_ensure WHO NAME...: installs the missing ones with apt-get (as root), saying which.
# Without root it names them and fails. Services that a package would start on installing
# (docker.io's daemon, say) are kept from starting: the project starts what it needs itself,
# in namespaces of its own.
packages_ensure() {
    local who=$1
    shift
    local missing
    mapfile -t missing < <(packages_missing "$@")
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "$who: missing Debian packages: ${missing[*]} (run as root to have them installed)" >&2
        return 1
    fi
    echo "$who: installing ${missing[*]}"
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
    fi
    local status=0
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || status=1
    [ "$made_policy" -eq 1 ] && rm -f "$policy"
    if [ "$status" -ne 0 ]; then
        echo "$who: could not install ${missing[*]}" >&2
        return 1
    fi
}
