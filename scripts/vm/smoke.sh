#!/bin/bash
# scripts/vm/smoke.sh -- owned by the VM test harness (scripts/vm/).
#
# Smoke test of the VM harness: builds scripts/vm/vgem-smoke.c twice
# (gcc -static, and dynamically linked to exercise the ldd library copying),
# boots the VM via run-in-vm.sh and runs both against the real vgem driver
# (card0/renderD128: VERSION, dumb buffer + mmap, PRIME export, dma-buf mmap
# read-back, PRIME import) and checks /dev/cuse.
# The dynamic binary is shipped as a directory tree copied to /opt/fakedri,
# like a later fakedri daemon + tests would be.
# Usage: scripts/vm/smoke.sh [run-in-vm.sh options...]   (e.g. --timeout 600)
# Exit status: 0 on success, otherwise run-in-vm.sh's status.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${FAKEDRI_VM_CACHE:-$HOME/.cache/fakedri-vm}
export FAKEDRI_VM_CACHE=$CACHE

"$HERE/fetch-kernel.sh" >/dev/null

mkdir -p "$CACHE/tmp"
B=$(mktemp -d "$CACHE/tmp/smoke.XXXXXX")
trap 'rm -rf "$B"' EXIT

CFLAGS="-O2 -Wall -Wextra $(pkg-config --cflags libdrm)"
# shellcheck disable=SC2086
gcc $CFLAGS -static -o "$B/vgem-smoke-static" "$HERE/vgem-smoke.c"
mkdir -p "$B/tree/bin"
# shellcheck disable=SC2086
gcc $CFLAGS -o "$B/tree/bin/vgem-smoke-dyn" "$HERE/vgem-smoke.c"

set +e
"$HERE/run-in-vm.sh" "$@" -- \
    "$B/vgem-smoke-static:/usr/local/bin/vgem-smoke-static" \
    "$B/tree:/opt/fakedri" \
    -- 'set -e
echo "== static =="; vgem-smoke-static
echo "== dynamic (/opt/fakedri) =="; /opt/fakedri/bin/vgem-smoke-dyn
echo "== modprobe in guest =="; rmmod vgem && modprobe vgem && ls /dev/dri'
rc=$?
set -e
if [ "$rc" = 0 ]; then
    echo "smoke: PASS"
else
    echo "smoke: FAIL (status $rc)" >&2
fi
exit "$rc"
