#!/bin/sh
# test_sweep.sh - `fakedri sweep` cases (tests/sweep/CMakeLists.txt).
# usage: test_sweep.sh CASE FAKEDRI PLANTED EXPECTED PIPELINE
#   planted_table     the text table of planted_bugs is exactly EXPECTED,
#                     and sweep exits 1 (it found the crash, the leak and
#                     the hang)
#   planted_parallel  the same table with --jobs 4
#   planted_json      --format json --output: the summary's counts and rows
#   planted_junit     --format junit --output: failures, and one testcase a run
#   planted_only      --only PRIME_HANDLE_TO_FD: only its rows, all leaking
#   planted_max_runs  --max-runs 4 --seed 7: 4 runs, the same 4 twice, and
#                     a different seed samples other runs
#   pipeline          fakedri-example-pipeline: the table and its summary,
#                     no run hung or crashed
case_=$1 fakedri=$2 planted=$3 expected=$4 pipeline=$5
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sweep-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*"
	for f in "$tmp"/out "$tmp"/err; do
		[ -f "$f" ] && { echo "--- $f"; cat "$f"; }
	done
	exit 1
}

# sweep ARGS... : runs fakedri sweep, stdout in $tmp/out, stderr in $tmp/err,
# the exit status in $rc
sweep() {
	"$fakedri" sweep "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# planted_bugs' hang costs one time limit per run that meets it; a run
# without a fault takes some 20 ms (200 ms under ASan)
T="--timeout 2s"


rows() { # the table's rows (not the header, not the summary)
	grep -E '^ *[0-9]+ ' "$1"
}

case $case_ in
planted_table|planted_parallel)
	jobs=1
	[ "$case_" = planted_parallel ] && jobs=4
	sweep $T --jobs $jobs -- "$planted"
	[ "$rc" = 1 ] || fail "exit status $rc, expected 1"
	diff -u "$expected" "$tmp/out" || fail "the table differs from $expected"
	;;
planted_json)
	sweep $T --format json --output "$tmp/r.json" -- "$planted"
	[ "$rc" = 1 ] || fail "exit status $rc, expected 1"
	crashed=$(grep -c 'SIGSEGV' "$expected")
	leaked=$(grep -c 'LEAK' "$expected")
	hung=$(grep -c 'HANG' "$expected")
	runs=$(rows "$expected" | wc -l)
	grep -q "\"summary\": {\"runs\": $((runs - 1)), \"crashed\": $crashed, \"hung\": $hung, \"leaked\": $leaked}" \
		"$tmp/r.json" || fail "summary: $(grep summary "$tmp/r.json")"
	[ "$(grep -c '"run": ' "$tmp/r.json")" = "$runs" ] || fail "not $runs rows in the JSON"
	[ "$(grep -c '"signal": "SIGSEGV"' "$tmp/r.json")" = "$crashed" ] || fail "SIGSEGV rows"
	[ "$(grep -c '"leak": true' "$tmp/r.json")" = "$leaked" ] || fail "leak rows"
	[ "$(grep -c '"hang": true' "$tmp/r.json")" = "$hung" ] || fail "hang rows"
	if command -v jq >/dev/null 2>&1; then
		jq -e ".runs | length == $runs" "$tmp/r.json" >/dev/null || fail "jq: not valid"
	fi
	diff -u "$expected" "$tmp/out" || fail "the text table on stdout differs"
	;;
planted_junit)
	sweep $T --format junit --output "$tmp/r.xml" -- "$planted"
	[ "$rc" = 1 ] || fail "exit status $rc, expected 1"
	bad=$(grep -cE 'SIGSEGV|LEAK|HANG' "$expected")
	runs=$(rows "$expected" | wc -l)
	grep -q "tests=\"$((runs - 1))\" failures=\"$bad\"" "$tmp/r.xml" || fail "testsuite counts"
	[ "$(grep -c '<testcase ' "$tmp/r.xml")" = "$((runs - 1))" ] || fail "testcases"
	[ "$(grep -c '<failure message="crashed (SIGSEGV)"' "$tmp/r.xml")" = "$(grep -c SIGSEGV "$expected")" ] ||
		fail "crash failures"
	[ "$(grep -c '<failure message="leaked 1 objects, 0 dma-bufs, 1 files"' "$tmp/r.xml")" = \
	  "$(grep -c LEAK "$expected")" ] || fail "leak failures"
	[ "$(grep -c '<failure message="hung (time limit)"' "$tmp/r.xml")" = "$(grep -c HANG "$expected")" ] ||
		fail "hang failures"
	if command -v xmllint >/dev/null 2>&1; then
		xmllint --noout "$tmp/r.xml" || fail "xmllint: not well-formed"
	fi
	;;
planted_only)
	sweep $T --only PRIME_HANDLE_TO_FD -- "$planted"
	[ "$rc" = 1 ] || fail "exit status $rc, expected 1"
	grep PRIME_HANDLE_TO_FD "$expected" | sed 's/^ *[0-9]* //' >"$tmp/want"
	rows "$tmp/out" | grep -v 'recording run' | sed 's/^ *[0-9]* //' >"$tmp/got"
	diff -u "$tmp/want" "$tmp/got" || fail "--only rows"
	n=$(wc -l <"$tmp/want")
	grep -q "^summary: $n runs: 0 crashed, 0 hung, $n leaked" "$tmp/out" || fail "summary"
	;;
planted_max_runs)
	sweep $T --max-runs 4 --seed 7 -- "$planted"
	grep -q '^summary: 4 runs:' "$tmp/out" || fail "not 4 runs"
	[ "$(rows "$tmp/out" | wc -l)" = 5 ] || fail "not 4 rows and the recording run"
	rows "$tmp/out" | sed 's/^ *[0-9]* //' >"$tmp/a"
	sweep $T --max-runs 4 --seed 7 -- "$planted"
	rows "$tmp/out" | sed 's/^ *[0-9]* //' >"$tmp/b"
	diff -u "$tmp/a" "$tmp/b" || fail "the same seed sampled other runs"
	# each sampled row is a row of the full table
	sed 's/^ *[0-9]* //' "$expected" >"$tmp/all"
	while IFS= read -r line; do
		grep -qxF "$line" "$tmp/all" || fail "row not in the full table: $line"
	done <"$tmp/a"
	sweep $T --max-runs 4 --seed 8 -- "$planted"
	rows "$tmp/out" | sed 's/^ *[0-9]* //' >"$tmp/c"
	cmp -s "$tmp/a" "$tmp/c" && fail "seeds 7 and 8 sampled the same runs"
	sweep $T --max-runs 4 -- "$planted"
	rows "$tmp/out" | sed 's/^ *[0-9]* //' >"$tmp/d"
	rows "$expected" | sed 's/^ *[0-9]* //' | head -n 5 >"$tmp/e"
	diff -u "$tmp/e" "$tmp/d" || fail "without a seed, not the first 4 runs"
	;;
pipeline)
	# The example's every error path ends cleanly: nothing crashes, hangs
	# or is left in the daemon (it hung on every failed ioctl until its
	# processes closed the socket ends they do not use). The default time
	# limit, so a hang would show as one.
	sweep --jobs 2 -- "$pipeline"
	[ "$rc" = 0 ] || fail "exit status $rc"
	grep -q '^ run   call  site' "$tmp/out" || fail "no table"
	n=$(sed -n 's/.*calls recorded ([0-9]* ioctls, [0-9]* GPU jobs), \([0-9]*\) runs.*/\1/p' "$tmp/err")
	[ -n "$n" ] && [ "$n" -gt 0 ] || fail "no runs planned"
	[ "$(rows "$tmp/out" | wc -l)" = $((n + 1)) ] || fail "not $n rows and the recording run"
	grep -q "^summary: $n runs: 0 crashed, 0 hung, 0 leaked; 0 did not fire" "$tmp/out" || fail "summary"
	grep -q 'daemon:' "$tmp/out" && fail "the daemon crashed"
	# a failed GPU job is handled: its rows exit 1 in time
	rows "$tmp/out" | grep ' job ' | grep -qv 'fence-error=EIO  yes      1  -              -     0' &&
		fail "a job row is not clean"
	rows "$tmp/out" | grep -q ' job ' || fail "no job rows"
	grep 'runs in' "$tmp/err"
	;;
*)
	echo "unknown case $case_"
	exit 2
	;;
esac
echo "PASS: $case_"
