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

# shellcheck source=vm-common.sh
. "$HERE/vm-common.sh"
vm_ready run-vgem

if [ -z "$BIN" ]; then
    BIN=$W/conformance
    # shellcheck disable=SC2046
    gcc -O2 -Wall -Wextra $(pkg-config --cflags libdrm) -static -pthread \
        -o "$BIN" "$HERE/conformance.c" "$HERE/conf_util.c"
fi

set +e
"$TOP/scripts/vm/run-in-vm.sh" --quiet --timeout 170 --log "$W/console.log" -- \
    "$BIN:/usr/local/bin/conformance" -- \
    "conformance -o /tmp/c.txt || exit 3
{ echo \"# kernel: \$(uname -r) \$(uname -v)\"; cat /tmp/c.txt; } > /tmp/t.txt
$GUEST_PRINT"
rc=$?
set -e
vm_transcript run-vgem "$rc"

if [ "$COMPARE" = 1 ]; then
    # kernel against kernel: no deltas apply. A difference means the VM's
    # kernel (the newest linux-image-6.1.0-*, or FAKEDRI_VM_KPKG) behaves
    # otherwise than the one the reference was recorded on: compare.py
    # names the cases, the expected and observed lines and both kernels.
    python3 "$HERE/compare.py" --quiet --kernel-check "$REF" "$W/t.txt"
    exit $?
fi
cp "$W/t.txt" "$OUT"
echo "run-vgem: $(wc -l < "$OUT") lines written to $OUT"
