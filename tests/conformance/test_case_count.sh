#!/bin/sh
# test_case_count.sh CONFORMANCE_PROGRAM - the docs do not carry a stale
# count of the conformance cases: every line of README.md, docs/*.md and
# tests/conformance/README.md that mentions the conformance suite (or a
# "differential suite") with "N cases" must say the number that
# `conformance --list` counts. Prints "case count: PASS (N cases, M
# mentions)" or each stale line.
set -eu
prog=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
n=$("$prog" --list 2>&1 >/dev/null | sed -n 's/^\([0-9][0-9]*\) cases$/\1/p')
[ -n "$n" ] || { echo "case count: FAIL: $prog --list printed no 'N cases' line"; exit 1; }
bad=0
mentions=0
for f in "$top/README.md" "$top"/docs/*.md "$top/tests/conformance/README.md"; do
	# each LINE:TEXT that counts the suite's cases
	while IFS= read -r line; do
		num=${line#*:}
		num=$(echo "$num" | grep -oE '[0-9]+ cases' | head -n 1 | cut -d' ' -f1)
		[ -n "$num" ] || continue
		mentions=$((mentions + 1))
		if [ "$num" != "$n" ]; then
			echo "case count: stale: ${f#"$top"/}:${line%%:*}: says $num cases, the suite has $n"
			bad=1
		fi
	done <<EOT
$(grep -niE '(conformance|differential).*[0-9]+ cases|[0-9]+ cases.*(conformance|vgem)' "$f" || true)
EOT
done
[ "$bad" = 0 ] || { echo "case count: FAIL"; exit 1; }
echo "case count: PASS ($n cases, $mentions mentions)"
