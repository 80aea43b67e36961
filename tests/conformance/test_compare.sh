#!/bin/sh
# test_compare.sh CASE - compare.py, fed a doctored kernel transcript, names
# what changed. The transcript is the checked-in reference with one step's
# result changed and another kernel recorded, as after a kernel update that
# changes vgem's behaviour:
#   changed_case  GEM_CLOSE 1's errno changed: compare.py exits 1 and its
#                 summary names the case, the expected and observed lines
#                 and both kernels
#   missing_case  a case the new kernel's run lacks is named as missing
#   identical     the reference against itself: exit 0, no summary
# Prints "compare check: PASS" or what was wrong.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ref=$here/reference-vgem-6.1.txt
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
fail() { echo "compare check: FAIL: $*"; cat "$w/out"; exit 1; }
newk="6.1.0-99-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.999-1 (2099-01-01)"

grep -v '^#' "$ref" > "$w/body"
case $1 in
changed_case)
	{ echo "# kernel: $newk"
	  sed 's/^\(gem.close_zero_unknown | GEM_CLOSE 1 | \)-1 EINVAL$/\1-1 ENOENT/' "$w/body"; } > "$w/t.txt"
	cmp -s "$w/body" "$w/t.txt" && fail "the doctoring did not change anything"
	status=0
	python3 "$here/compare.py" --quiet --kernel-check "$ref" "$w/t.txt" > "$w/out" || status=$?
	[ "$status" = 1 ] || fail "exit status $status, not 1"
	grep -q '^=== vgem behaves otherwise' "$w/out" || fail "no summary"
	grep -q '^    1 case(s) changed$' "$w/out" || fail "no count of changed cases"
	grep -q '^  case gem.close_zero_unknown:$' "$w/out" || fail "the case is not named"
	grep -q '^    expected: gem.close_zero_unknown | GEM_CLOSE 1 | -1 EINVAL$' "$w/out" ||
		fail "no expected line"
	grep -q '^    observed: gem.close_zero_unknown | GEM_CLOSE 1 | -1 ENOENT$' "$w/out" ||
		fail "no observed line"
	grep -q "^    this run:    $newk (another kernel)$" "$w/out" || fail "the new kernel is not named"
	refk=$(sed -n 's/^# kernel: //p' "$ref")
	[ -n "$refk" ] || fail "the reference records no kernel"
	grep -qF "    recorded on: $refk" "$w/out" || fail "the reference's kernel is not named"
	[ "$(tail -n 1 "$w/out")" = "$(($(grep -v '^#' "$ref" | cut -d'|' -f1 | sort -u | wc -l) - 1)) passed, 1 failed" ] ||
		fail "last line: $(tail -n 1 "$w/out")"
	;;
missing_case)
	{ echo "# kernel: $newk"; grep -v '^dmabuf.mmap_offset_page_1 ' "$w/body"; } > "$w/t.txt"
	status=0
	python3 "$here/compare.py" --quiet --kernel-check "$ref" "$w/t.txt" > "$w/out" || status=$?
	[ "$status" = 1 ] || fail "exit status $status, not 1"
	grep -q '^  case dmabuf.mmap_offset_page_1:$' "$w/out" || fail "the case is not named"
	grep -q '^      missing from the target$' "$w/out" || fail "not said missing"
	;;
identical)
	status=0
	python3 "$here/compare.py" --quiet --kernel-check "$ref" "$ref" > "$w/out" || status=$?
	[ "$status" = 0 ] || fail "exit status $status, not 0"
	grep -q '^=== ' "$w/out" && fail "a summary for identical transcripts"
	;;
*)
	echo "usage: test_compare.sh changed_case|missing_case|identical" >&2
	exit 2
	;;
esac
echo "compare check: PASS"
