#!/bin/bash
# scripts/vm/test-cuse.sh -- the CUSE tests in the VM (ctest: vm.cuse).
#
# Usage: scripts/vm/test-cuse.sh [BUILD_DIR] [run-in-vm.sh options...]
#   BUILD_DIR  a configured and built fakedri build tree (default: ./build)
#
# Builds the static test programs of tests/cuse/ with `gcc -static` (libc
# and <drm.h> only), takes fakedrid, the shim, tests/cuse/cuse_exporter and
# the integration tests (tests/integration/itest_*) from BUILD_DIR (the
# exporter is compiled here if the build has none), boots the VM once
# (run-in-vm.sh: Debian's 6.1 kernel under qemu TCG with fuse, cuse, drm,
# drm_shmem_helper and vgem) and runs scripts/vm/test-cuse-guest.sh in it:
# fakedrid --cuse with /dev/fakedri, /dev/dri/card1 and /dev/dri/renderD129,
# the static client test, the daemon SIGKILL test, the core PRIME+mmap
# integration test on the CUSE nodes with the shim (SKIP until the shim
# binds CUSE nodes), and a second fakedrid with two devices (vgem and
# fakedri) whose nodes each serve their own device (test_cuse_devices). Results are printed on the serial console
# ("TEST-CUSE: PASS|FAIL|SKIP ...", "TEST-CUSE-SUMMARY: ...").
#
# Exit status: 0 all passed (skips allowed), 1 a test failed, 77 qemu or the
# kernel cannot be fetched (ctest SKIP), 2 usage or build error, other
# non-zero: run-in-vm.sh's harness errors (124 VM timeout, 125 crash, 126).
# Time limit: FAKEDRI_VM_TIMEOUT seconds for the VM (default 300).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$SRC/build}
[ $# -gt 0 ] && shift
CACHE=${FAKEDRI_VM_CACHE:-$HOME/.cache/fakedri-vm}
export FAKEDRI_VM_CACHE=$CACHE
CC=${CC:-gcc}

say() { echo "test-cuse: $*"; }
t_start=$(date +%s.%N)
elapsed() { awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }

# ---- prerequisites: qemu + kernel, or SKIP ----------------------------------
FETCHLOG=$(mktemp)
if ! "$HERE/fetch-kernel.sh" >/dev/null 2>"$FETCHLOG"; then
    cat "$FETCHLOG" >&2
    rm -f "$FETCHLOG"
    say "SKIP: qemu or the kernel cannot be fetched (scripts/vm/fetch-kernel.sh failed)"
    exit 77
fi
rm -f "$FETCHLOG"
command -v "${FAKEDRI_VM_QEMU:-qemu-system-x86_64}" >/dev/null 2>&1 \
    || { say "SKIP: qemu-system-x86_64 not available"; exit 77; }
[ -f "$CACHE/kernel.env" ] || { say "SKIP: no kernel in $CACHE"; exit 77; }

# ---- what to run --------------------------------------------------------------
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { say "ERROR: no build dir ${1:-build}"; exit 2; }
FAKEDRID=$BUILD/bin/fakedrid
SHIM=$(find "$BUILD" -name libfakedri-shim.so -path '*/fakedri/*' -print -quit 2>/dev/null)
[ -x "$FAKEDRID" ] || { say "ERROR: $FAKEDRID not built"; exit 2; }
[ -n "$SHIM" ] || { say "ERROR: libfakedri-shim.so not built in $BUILD"; exit 2; }

mkdir -p "$CACHE/tmp"
STAGE=$(mktemp -d "$CACHE/tmp/cuse.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
TREE=$STAGE/opt/fakedri
mkdir -p "$TREE/bin" "$TREE/lib" "$TREE/tests"

DRM_CFLAGS=$(pkg-config --cflags libdrm) || { say "ERROR: pkg-config libdrm"; exit 2; }
CFLAGS="-O2 -g -Wall -Wextra $DRM_CFLAGS -I$SRC/uapi"
for t in test_cuse_static test_daemon_kill test_cuse_devices; do
    # shellcheck disable=SC2086
    $CC $CFLAGS -static -o "$TREE/tests/$t" "$SRC/tests/cuse/$t.c" \
        || { say "ERROR: building $t (gcc -static) failed"; exit 2; }
done
[ -x "$BUILD/tests/cuse/test_cuse_other_user" ] && cp "$BUILD/tests/cuse/test_cuse_other_user" "$TREE/tests/"
if [ -x "$BUILD/tests/cuse/cuse_exporter" ]; then
    cp "$BUILD/tests/cuse/cuse_exporter" "$TREE/tests/"
else
    # shellcheck disable=SC2086
    $CC $CFLAGS -o "$TREE/tests/cuse_exporter" "$SRC/tests/cuse/cuse_exporter.c" \
        || { say "ERROR: building cuse_exporter failed"; exit 2; }
fi
cp "$FAKEDRID" "$TREE/bin/"
cp "$SHIM" "$TREE/lib/"
for f in "$BUILD"/tests/integration/itest_*; do
    [ -f "$f" ] && [ -x "$f" ] && cp "$f" "$TREE/tests/"
done
cp "$HERE/test-cuse-guest.sh" "$TREE/"
say "staged in $(elapsed) s: $(cd "$TREE" && find . -type f | sort | tr '\n' ' ')"

# ---- the VM ---------------------------------------------------------------------
ENVS=()
for v in FAKEDRI_CUSE_ITESTS FAKEDRI_CUSE_DEBUG ASAN_OPTIONS UBSAN_OPTIONS; do
    [ -n "${!v:-}" ] && ENVS+=(--env "$v=${!v}")
done
"$HERE/run-in-vm.sh" --timeout "${FAKEDRI_VM_TIMEOUT:-300}" ${ENVS[@]+"${ENVS[@]}"} "$@" -- \
    "$STAGE/opt/fakedri:/opt/fakedri" \
    -- 'sh /opt/fakedri/test-cuse-guest.sh'
rc=$?
case $rc in
    0) say "PASS (total $(elapsed) s)" ;;
    124|125|126) say "FAIL: VM harness error $rc (total $(elapsed) s)" ;;
    *) say "FAIL: guest status $rc (total $(elapsed) s)" ;;
esac
exit "$rc"
