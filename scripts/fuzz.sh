#!/bin/sh
# fuzz.sh [SECONDS] - builds tests/fuzz/fuzz_core.c with clang's libFuzzer,
# ASan and UBSan, and fuzzes the core for SECONDS (default 60). Crashes and
# leaks abort with the input saved as crash-* in build-fuzz/. Corpus:
# build-fuzz/corpus.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
out=build-fuzz
mkdir -p "$out/corpus"
inc="-Idaemon/core -Iuapi -Icommon $(pkg-config --cflags libdrm)"
# shellcheck disable=SC2086
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-DFAKEDRI_LIBFUZZER $inc -o "$out/fuzz_core" tests/fuzz/fuzz_core.c daemon/core/*.c
cd "$out"
./fuzz_core -max_total_time="$secs" -max_len=4096 corpus
