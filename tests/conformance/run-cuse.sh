#!/bin/bash
# tests/conformance/run-cuse.sh - target (b): the conformance program against
# fakedri's CUSE nodes (vgem personality) in the 6.1 VM, with the shim
# loaded (PRIME exports and mmap need it), compared with the checked-in
# vgem reference and deltas.txt.
#
# Usage: run-cuse.sh BUILD_DIR [-o TRANSCRIPT]
# Exit: compare.py's status; 77 if qemu or the kernel are missing and cannot
# be fetched (ctest skip); otherwise failure.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:?usage: $0 BUILD_DIR [-o FILE]}" && pwd)
shift
OUT=""
[ "${1:-}" = "-o" ] && OUT=$2

# shellcheck source=vm-common.sh
. "$HERE/vm-common.sh"
vm_ready run-cuse

# The guest waits for the nodes and for the daemon to have listed them in
# its sysroot (the shim reads that list), then prints the transcript.
set +e
# sanitizer builds: the guest needs the same runtime options as ctest gives
envs=()
for v in ASAN_OPTIONS UBSAN_OPTIONS; do
    [ -n "${!v:-}" ] && envs+=(--env "$v=${!v}")
done
"$TOP/scripts/vm/run-in-vm.sh" --quiet --timeout 200 --log "$W/console.log" "${envs[@]}" -- \
    "$BUILD/bin/fakedrid:/opt/fakedri/bin/fakedrid" \
    "$BUILD/lib/fakedri/libfakedri-shim.so:/opt/fakedri/lib/libfakedri-shim.so" \
    "$BUILD/tests/conformance/conformance:/opt/fakedri/bin/conformance" -- \
    'S=/run/fakedri/fakedri.sock
/opt/fakedri/bin/fakedrid --personality vgem --cuse --cuse-node dri/card1:primary \
    --cuse-node dri/renderD129:render >/tmp/d.log 2>&1 &
i=0
until [ -c /dev/dri/card1 ] && [ -c /dev/dri/renderD129 ] && \
      [ "$(grep -c "^cuse" $S.root/nodes 2>/dev/null)" = 2 ]; do
    i=$((i + 1)); [ $i -lt 400 ] || { cat /tmp/d.log; exit 4; }; sleep 0.05
done
LD_PRELOAD=/opt/fakedri/lib/libfakedri-shim.so FAKEDRI_SOCKET=$S \
    /opt/fakedri/bin/conformance --card /dev/dri/card1 --render /dev/dri/renderD129 \
    -o /tmp/t.txt || exit 3
'"$GUEST_PRINT"
rc=$?
set -e
vm_transcript run-cuse "$rc"
[ -n "$OUT" ] && cp "$W/t.txt" "$OUT"
python3 "$HERE/compare.py" --deltas "$HERE/deltas.txt" "$HERE/reference-vgem-6.1.txt" "$W/t.txt"
