#!/bin/sh
# test_man.sh SOURCE_DIR BUILD_DIR - the man pages document every option:
# each option of each command's --help (fakedri, run, daemon, fault, sweep,
# top; fakedrid) is an entry (*--opt*) of the page's scdoc source
# (docs/man/, with its shared option sections), and each entry of the
# sources is an option of some --help, so the two cannot drift. Then, when
# scdoc was found, the built pages hold every option and `cmake --install`
# puts them in share/man. Exits 77 after the source checks when scdoc is
# missing (the pages are not built then).
set -u
src=$1
build=$2
man=$src/docs/man
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# the options a --help text defines: its lines "  --opt ..." or "  -h, --help"
options() {
	"$@" --help | sed -n 's/^  \(-h, \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' | sort -u
}

# check PAGE COMMAND...: every option of COMMAND's --help is in PAGE's sources
check() {
	page=$1
	shift
	opts=$(options "$@") || { fail "'$* --help' failed"; return; }
	[ -n "$opts" ] || fail "'$* --help' lists no options"
	for o in $opts; do
		echo "$o" >>"$work/helped"
		cat "$man/$page.scd" "$man/device-options.scd" "$man/daemon-options.scd" |
			grep -qF -- "*$o*" || fail "$o of '$*' is not in $page's man page"
	done
}

fakedri=$build/bin/fakedri
check fakedri.1 "$fakedri"
check fakedri.1 "$fakedri" run
check fakedri.1 "$fakedri" daemon
check fakedri.1 "$fakedri" fault
check fakedri.1 "$fakedri" sweep
check fakedri.1 "$fakedri" top
check fakedrid.8 "$build/bin/fakedrid"
# the other way: each option entry of the sources is a real option
for o in $(cat "$man"/*.scd | sed -n 's/^\*\(--[a-z][a-z0-9-]*\)\*.*/\1/p' | sort -u); do
	grep -qx -- "$o" "$work/helped" || fail "the man page documents $o, which no --help has"
done
[ "$fails" = 0 ] || exit 1
echo "every option of every --help is in the man sources, and the other way"

if [ ! -f "$build/man/fakedri.1" ]; then
	command -v scdoc >/dev/null 2>&1 && { echo "FAIL: scdoc is here but no page was built"; exit 1; }
	echo "scdoc is not installed: the pages were not built; skipped"
	exit 77
fi
for page in fakedri.1 fakedrid.8; do
	[ -s "$build/man/$page" ] || fail "$build/man/$page is empty"
	head -n 20 "$build/man/$page" | grep -q '^\.TH "*'"${page%.*}"'"* "*'"${page#*.}" ||
		fail "$page has no .TH ${page%.*} ${page#*.} header"
done
for o in $(sort -u "$work/helped"); do
	grep -qF -- "$o" "$build/man/fakedri.1" || fail "$o is not in the built fakedri.1"
done
cmake --install "$build" --prefix "$work/prefix" >/dev/null || fail "cmake --install failed"
[ -s "$work/prefix/share/man/man1/fakedri.1" ] || fail "fakedri.1 is not installed in share/man/man1"
[ -s "$work/prefix/share/man/man8/fakedrid.8" ] || fail "fakedrid.8 is not installed in share/man/man8"
[ "$fails" = 0 ] || exit 1
echo "man pages: PASS"
