#!/usr/bin/env bash
# Installs the Debian packages the benchmark needs (those missing; the list is
# TERN_BENCH_PACKAGES in Tools/lib/packages.sh) and builds the C programs (lwip/, tapraw/)
# into $BENCH_OUT/bin (BENCH_OUT default /tmp/tern-bench). Idempotent; needs root and the package
# registry (it runs in the caller's namespace, before any measurement).
# Writes nothing into this folder, which may be a read-only copy.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
if ((EUID != 0)); then echo "setup.sh: needs root (apt-get)" >&2; exit 1; fi
source "$HERE/../lib/packages.sh"
packages_ensure setup.sh "${TERN_BENCH_PACKAGES[@]}"
mkdir -p "$BIN"
make -s -C "$HERE/lwip" BIN="$BIN"
make -s -C "$HERE/tapraw" BIN="$BIN"
echo "setup ok: binaries in $BIN"
