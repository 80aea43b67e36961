#!/bin/sh
# fuzz.sh [SECONDS] - builds tests/fuzz/fuzz_core.c with clang's libFuzzer,
# ASan and UBSan, and fuzzes the core for SECONDS (default 60). Crashes and
# leaks abort with the input saved as crash-* in build-fuzz/. Corpus:
# build-fuzz/corpus.
# Needs clang (libFuzzer is clang's; gcc has none): on Debian 12
# `apt-get install clang`, or `scripts/install-deps.sh --fuzz`. The plain
# build of the same harness (ctest -L fuzz) needs only gcc.
set -eu
cd "$(dirname "$0")/.."
case ${1:-} in
-h|--help)
	sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
esac
secs=${1:-60}
CC=${FUZZ_CC:-clang}
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz.sh: $CC not found: libFuzzer needs clang; install the Debian package 'clang' (apt-get install clang, or scripts/install-deps.sh --fuzz)" >&2
	exit 1
fi
out=build-fuzz
mkdir -p "$out/corpus"
inc="-Idaemon/core -Iuapi -Icommon $(pkg-config --cflags libdrm)"
# shellcheck disable=SC2086
"$CC" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-DFAKEDRI_LIBFUZZER $inc -o "$out/fuzz_core" tests/fuzz/fuzz_core.c daemon/core/*.c
cd "$out"
./fuzz_core -max_total_time="$secs" -max_len=4096 corpus
