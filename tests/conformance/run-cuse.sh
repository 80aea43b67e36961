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

CACHE=${FAKEDRI_VM_CACHE:-$HOME/.cache/fakedri-vm}
export FAKEDRI_VM_CACHE=$CACHE
if ! command -v "${FAKEDRI_VM_QEMU:-qemu-system-x86_64}" >/dev/null 2>&1 \
    || [ ! -f "$CACHE/kernel.env" ]; then
    if ! "$TOP/scripts/vm/fetch-kernel.sh" >/dev/null 2>&1; then
        echo "run-cuse: qemu or the 6.1 kernel are missing and cannot be fetched: skipped"
        exit 77
    fi
fi

mkdir -p "$CACHE/tmp"
W=$(mktemp -d "$CACHE/tmp/conformance-cuse.XXXXXX")
trap 'rm -rf "$W"' EXIT

# The guest waits for the nodes and for the daemon to have listed them in
# its sysroot (the shim reads that list), then prints the transcript with a
# "T:" prefix and its md5sum, so kernel console messages cannot corrupt it.
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
echo CONFORMANCE-MD5=$(md5sum < /tmp/t.txt | cut -d" " -f1)
sed "s/^/T:/" /tmp/t.txt'
rc=$?
set -e
if [ "$rc" != 0 ]; then
    echo "run-cuse: the VM run failed (status $rc)" >&2
    tail -n 30 "$W/console.log" >&2 || true
    exit 1
fi
sed -n 's/^T://p' "$W/console.log" > "$W/t.txt"
want=$(sed -n 's/^CONFORMANCE-MD5=//p' "$W/console.log" | tail -n 1)
got=$(md5sum < "$W/t.txt" | cut -d' ' -f1)
if [ -z "$want" ] || [ "$want" != "$got" ]; then
    echo "run-cuse: transcript corrupted on the console (md5 $got, guest said $want)" >&2
    exit 1
fi
[ -n "$OUT" ] && cp "$W/t.txt" "$OUT"
python3 "$HERE/compare.py" --deltas "$HERE/deltas.txt" "$HERE/reference-vgem-6.1.txt" "$W/t.txt"
