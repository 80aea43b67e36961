#!/bin/sh
# fuzz-wire.sh [SECONDS] [LIBFUZZER-ARGS...] - builds tests/fuzz/fuzz_wire.c
# (the socket server under fuzz) with clang's libFuzzer, ASan and UBSan,
# and fuzzes for SECONDS (default 60). Findings are saved as crash-*,
# leak-* or timeout-* in build-fuzz-wire/; the corpus grows in
# build-fuzz-wire/corpus, seeded from tests/fuzz/wire-corpus.
# FUZZ_WIRE_AVOID=empty-fd,failed-bind steers around those two findings
# (fixed; see docs/fuzzing.md).
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
[ $# -gt 0 ] && shift
out=build-fuzz-wire
mkdir -p "$out/corpus"
inc="-Idaemon/core -Idaemon -Icommon -Iuapi $(pkg-config --cflags libdrm libevent_core)"
# shellcheck disable=SC2086
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-DFAKEDRI_LIBFUZZER $inc -o "$out/fuzz_wire" tests/fuzz/fuzz_wire.c \
	daemon/fdri_server.c daemon/fdri_host.c daemon/fdri_caps.c daemon/fdri_log.c \
	common/fdri_msg.c daemon/core/*.c $(pkg-config --libs libevent_core libdrm)
cp tests/fuzz/wire-corpus/seed-* "$out/corpus/" 2>/dev/null || true
cd "$out"
export FUZZ_WIRE_AVOID="${FUZZ_WIRE_AVOID-}"
./fuzz_wire -max_total_time="$secs" -max_len="${FUZZ_WIRE_MAX_LEN:-128}" "$@" corpus
