#!/bin/bash
# tests/conformance/run-vgem.sh - target (a): the conformance program against
# the real vgem driver of Debian's 6.1 kernel, in the qemu VM
# (scripts/vm/run-in-vm.sh).
#
# Usage: run-vgem.sh [-o TRANSCRIPT] [--compare] [--binary STATIC_BIN]
#   -o FILE     where to write the transcript (default: the checked-in
#               tests/conformance/reference-vgem-6.1.txt, i.e. regenerate it)
#   --compare   write to a temporary file instead and compare it with the
#               checked-in reference (compare.py); exit status is compare's
#   --binary    use this static conformance binary instead of building one
# Exit: 0 ok; 77 if qemu or the kernel are missing and cannot be fetched
# (ctest skip); otherwise failure.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
REF=$HERE/reference-vgem-6.1.txt
OUT=$REF
COMPARE=0
BIN=""
while [ $# -gt 0 ]; do
    case $1 in
        -o) OUT=$2; shift 2 ;;
        --compare) COMPARE=1; shift ;;
        --binary) BIN=$2; shift 2 ;;
        *) echo "usage: $0 [-o FILE] [--compare] [--binary BIN]" >&2; exit 2 ;;
    esac
done

CACHE=${FAKEDRI_VM_CACHE:-$HOME/.cache/fakedri-vm}
export FAKEDRI_VM_CACHE=$CACHE
if ! command -v "${FAKEDRI_VM_QEMU:-qemu-system-x86_64}" >/dev/null 2>&1 \
    || [ ! -f "$CACHE/kernel.env" ]; then
    # fetch-kernel.sh installs qemu and fetches the kernel; without network
    # or apt this fails: skip then
    if ! "$TOP/scripts/vm/fetch-kernel.sh" >/dev/null 2>&1; then
        echo "run-vgem: qemu or the 6.1 kernel are missing and cannot be fetched: skipped"
        exit 77
    fi
fi

mkdir -p "$CACHE/tmp"
W=$(mktemp -d "$CACHE/tmp/conformance.XXXXXX")
trap 'rm -rf "$W"' EXIT

if [ -z "$BIN" ]; then
    BIN=$W/conformance
    # shellcheck disable=SC2046
    gcc -O2 -Wall -Wextra $(pkg-config --cflags libdrm) -static -pthread \
        -o "$BIN" "$HERE/conformance.c" "$HERE/conf_util.c"
fi

# The guest writes the transcript to a file, then prints it with a "T:"
# prefix and its md5sum, so kernel console messages cannot corrupt it.
set +e
"$TOP/scripts/vm/run-in-vm.sh" --quiet --timeout 170 --log "$W/console.log" -- \
    "$BIN:/usr/local/bin/conformance" -- \
    'conformance -o /tmp/t.txt || exit 3
echo CONFORMANCE-MD5=$(md5sum < /tmp/t.txt | cut -d" " -f1)
sed "s/^/T:/" /tmp/t.txt'
rc=$?
set -e
if [ "$rc" != 0 ]; then
    echo "run-vgem: the VM run failed (status $rc)" >&2
    tail -n 30 "$W/console.log" >&2 || true
    exit 1
fi
sed -n 's/^T://p' "$W/console.log" > "$W/t.txt"
want=$(sed -n 's/^CONFORMANCE-MD5=//p' "$W/console.log" | tail -n 1)
got=$(md5sum < "$W/t.txt" | cut -d' ' -f1)
if [ -z "$want" ] || [ "$want" != "$got" ]; then
    echo "run-vgem: transcript corrupted on the console (md5 $got, guest said $want)" >&2
    grep -v '^T:' "$W/console.log" | tail -n 20 >&2
    exit 1
fi

if [ "$COMPARE" = 1 ]; then
    # kernel against kernel: no deltas apply
    python3 "$HERE/compare.py" --quiet "$REF" "$W/t.txt"
    exit $?
fi
cp "$W/t.txt" "$OUT"
echo "run-vgem: $(wc -l < "$OUT") lines written to $OUT"
