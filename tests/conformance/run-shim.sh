#!/bin/bash
# tests/conformance/run-shim.sh - target (c): the conformance program on the
# host under `fakedri run --personality vgem` (the LD_PRELOAD shim), compared
# with the checked-in vgem reference transcript and the deltas list.
#
# Usage: run-shim.sh [--fakedri BIN] [--program BIN] [-o TRANSCRIPT] [-- ARGS...]
#   --fakedri  the fakedri binary (default: <repo>/build/bin/fakedri)
#   --program  a dynamically linked conformance binary (default: build one
#              with gcc into a temporary directory)
#   -o FILE    keep the transcript there
#   ARGS       passed to the conformance program (e.g. --only prime.)
# Exit status: compare.py's (0 when there are no unlisted divergences).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
FAKEDRI=$TOP/build/bin/fakedri
PROG=""
OUT=""
while [ $# -gt 0 ]; do
    case $1 in
        --fakedri) FAKEDRI=$2; shift 2 ;;
        --program) PROG=$2; shift 2 ;;
        -o) OUT=$2; shift 2 ;;
        --) shift; break ;;
        *) echo "usage: $0 [--fakedri BIN] [--program BIN] [-o FILE] [-- ARGS...]" >&2; exit 2 ;;
    esac
done

W=$(mktemp -d "${TMPDIR:-/tmp}/fakedri-conformance.XXXXXX")
trap 'rm -rf "$W"' EXIT
if [ -z "$PROG" ]; then
    PROG=$W/conformance
    # shellcheck disable=SC2046
    gcc -O2 -Wall -Wextra $(pkg-config --cflags libdrm) -pthread \
        -o "$PROG" "$HERE/conformance.c" "$HERE/conf_util.c"
fi
[ -n "$OUT" ] || OUT=$W/shim.txt

"$FAKEDRI" run --personality vgem -- "$PROG" -o "$OUT" "$@"
python3 "$HERE/compare.py" --deltas "$HERE/deltas.txt" "$HERE/reference-vgem-6.1.txt" "$OUT"
