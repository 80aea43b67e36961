#!/bin/bash
# igt.sh - builds IGT (igt-gpu-tools) from a source tree or tarball, outside
# the repository in a cache directory, and runs a set of its suites under
# `fakedri run`, one process per subtest, printing pass/fail/skip counts per
# suite and in total. With --check, compares the results with
# tests/igt/expectations.txt and exits non-zero if any subtest did worse than
# expected. See docs/igt.md.
#
# Progress goes to stderr, results to stdout. Exit status: 0 ok (without
# --check: no subtest failed), 1 failures (with --check: regressions), 2 a
# usage or build error, 77 skipped: IGT's build dependencies are missing, or
# no source was given and none is beside the repository.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
prog=igt.sh

# suite name -> fakedri personality. The vgem ones also get
# IGT_FORCE_DRIVER=vgem: IGT's device selection excludes vgem otherwise.
all_suites="vgem_basic vgem_slow dmabuf_sync_file core_debugfs core_setmaster core_hotunplug syncobj_basic syncobj_wait syncobj_timeline syncobj_eventfd sw_sync"
personality() {
	case $1 in
	vgem_basic | vgem_slow | dmabuf_sync_file | core_debugfs | core_setmaster | core_hotunplug) echo vgem ;;
	*) echo fakedri ;;
	esac
}

# The options of shared/igt/README.md: only the generic tests, no GPU
# driver libraries, no docs.
meson_opts="-Dtests=enabled -Ddocs=disabled -Dman=disabled -Dtestplan=disabled -Doverlay=disabled
 -Dchamelium=disabled -Dvalgrind=disabled -Dlibdrm_drivers= -Drunner=enabled -Dxe_driver=disabled"
# What building IGT needs (Debian packages in scripts/install-deps.sh).
need_cmds="meson ninja flex bison pkg-config cc"
need_pc="libdrm pciaccess libkmod libproc2 libdw zlib liblzma cairo pixman-1 libudev glib-2.0 libunwind json-c"

usage() {
	cat <<EOF
usage: scripts/igt.sh [options]

Builds IGT outside the repository and runs its suites under fakedri.

  --source PATH          IGT source directory or .tar.* tarball (default: \$FAKEDRI_IGT_SOURCE,
                         else ../shared/igt/igt-gpu-tools-*.tar.xz beside the repository)
  --cache DIR            cache root; the build goes in DIR/<hash of the source>
                         (default: \$FAKEDRI_IGT_CACHE, else \${XDG_CACHE_HOME:-\$HOME/.cache}/fakedri/igt)
  --fakedri PATH         the fakedri launcher (default: build/bin/fakedri in the repository)
  --suite NAME           run only this suite (repeatable; see --list)
  --list                 print the suites and exit
  --check                compare with the expectations; exit 1 on a result worse than expected
  --expectations FILE    default: tests/igt/expectations.txt
  --update-expectations  rewrite the expectations file from this run (the suites run)
  --timeout SECS         time budget of one binary, all its subtests (default 600)
  --subtest-timeout SECS time limit of one subtest process (default 120)
  --whole-binary         run each binary once with all its subtests instead of
                         one process per subtest (faster, less robust)
  --build-only           build the test binaries and exit
  -v, --verbose          print every subtest's result, not only the counts
  -h, --help             this text
EOF
}

say() { echo "$prog: $*" >&2; }
die() {
	echo "$prog: $*" >&2
	exit 2
}

source_path=${FAKEDRI_IGT_SOURCE:-}
if [ -n "${XDG_CACHE_HOME:-}" ]; then
	cache_root=$XDG_CACHE_HOME/fakedri/igt
elif [ -n "${HOME:-}" ]; then
	cache_root=$HOME/.cache/fakedri/igt
else
	cache_root=/tmp/fakedri-igt-cache-$(id -u)
fi
cache_root=${FAKEDRI_IGT_CACHE:-$cache_root}
fakedri=$repo/build/bin/fakedri
suites=""
check=0
update=0
list=0
build_only=0
verbose=0
whole=0
bin_timeout=600
sub_timeout=120
expect_file=$repo/tests/igt/expectations.txt

while [ $# -gt 0 ]; do
	case $1 in
	--source | --cache | --fakedri | --suite | --expectations | --timeout | --subtest-timeout)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in
		--source) source_path=$2 ;;
		--cache) cache_root=$2 ;;
		--fakedri) fakedri=$2 ;;
		--suite) suites="$suites $2" ;;
		--expectations) expect_file=$2 ;;
		--timeout) bin_timeout=$2 ;;
		--subtest-timeout) sub_timeout=$2 ;;
		esac
		shift 2
		continue
		;;
	--check) check=1 ;;
	--update-expectations) update=1 ;;
	--list) list=1 ;;
	--build-only) build_only=1 ;;
	--whole-binary) whole=1 ;;
	-v | --verbose) verbose=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
	shift
done

if [ $list = 1 ]; then
	for s in $all_suites; do
		p=$(personality "$s")
		if [ "$p" = vgem ]; then
			echo "$s  (--personality vgem, IGT_FORCE_DRIVER=vgem)"
		else
			echo "$s  (--personality fakedri)"
		fi
	done
	exit 0
fi

case $bin_timeout$sub_timeout in *[!0-9]*) die "timeouts are whole seconds" ;; esac
[ -n "$suites" ] || suites=$all_suites
for s in $suites; do
	case " $all_suites " in *" $s "*) ;; *) die "unknown suite '$s' (see --list)" ;; esac
done

# --- the IGT build -----------------------------------------------------------

missing=""
for c in $need_cmds; do
	command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
if command -v pkg-config >/dev/null 2>&1; then
	for m in $need_pc; do
		pkg-config --exists "$m" 2>/dev/null || missing="$missing $m.pc"
	done
fi
if [ -n "$missing" ]; then
	echo "$prog: SKIPPED: IGT's build dependencies are missing:$missing" \
		"(scripts/install-deps.sh installs them)"
	exit 77
fi

if [ -z "$source_path" ]; then
	# the newest snapshot beside the repository, or beside the one this
	# clone was made from (a CI clone elsewhere of a checkout that has it)
	origin=$(git -C "$repo" remote get-url origin 2>/dev/null || true)
	looked="$repo/../shared/igt"
	for dir in "$repo/../shared/igt" ${origin:+"$origin/../shared/igt"}; do
		[ "$dir" = "$repo/../shared/igt" ] || looked="$looked, $dir"
		for f in "$dir"/igt-gpu-tools-*.tar.*; do
			[ -f "$f" ] && source_path=$f
		done
		[ -n "$source_path" ] && break
	done
	# nothing asked for and nothing found (a clone from elsewhere): skip,
	# saying how to run it; a --source that is not there is an error below
	if [ -z "$source_path" ]; then
		echo "$prog: SKIPPED: no IGT source: no igt-gpu-tools-*.tar.* in $looked;" \
			"give --source or FAKEDRI_IGT_SOURCE (a source tree or tarball of igt-gpu-tools)"
		exit 77
	fi
fi
[ -e "$source_path" ] || die "--source $source_path: no such file or directory"
source_path=$(realpath "$source_path")
if [ -d "$source_path" ]; then
	[ -f "$source_path/meson.build" ] || die "$source_path has no meson.build: not an IGT source tree"
	ident="dir $source_path"
else
	ident="tarball $(sha256sum "$source_path" | cut -d' ' -f1)"
fi
hash=$(printf 'igt.sh cache v1\n%s\n%s\n' "$ident" "$meson_opts" | sha256sum | cut -c1-16)
cache=$cache_root/$hash
mkdir -p "$cache"
cache=$(realpath "$cache")
say "IGT source $source_path"
say "cache $cache"

# One build at a time in a cache directory.
exec 9>"$cache/lock"
flock 9

if [ -d "$source_path" ]; then
	src=$source_path
else
	src=$cache/src
	if [ ! -f "$src/meson.build" ]; then
		say "unpacking $(basename "$source_path")"
		rm -rf "$cache/src" "$cache/src.tmp" "$cache/build"
		mkdir "$cache/src.tmp"
		tar -xf "$source_path" -C "$cache/src.tmp"
		if [ -f "$cache/src.tmp/meson.build" ]; then
			mv "$cache/src.tmp" "$src"
		else
			top=$(find "$cache/src.tmp" -mindepth 2 -maxdepth 2 -name meson.build -printf '%h\n')
			[ "$(printf '%s\n' "$top" | grep -c .)" = 1 ] ||
				die "$source_path: no single top directory with a meson.build"
			mv "$top" "$src"
			rm -rf "$cache/src.tmp"
		fi
	fi
fi

build=$cache/build
if [ ! -f "$build/build.ninja" ]; then
	say "meson setup $build (once per cache)"
	rm -rf "$build"
	# shellcheck disable=SC2086
	if ! meson setup "$build" "$src" $meson_opts >"$cache/meson-setup.log" 2>&1; then
		tail -n 30 "$cache/meson-setup.log" >&2
		rm -rf "$build"
		die "meson setup failed (log: $cache/meson-setup.log)"
	fi
fi
targets=""
for s in $suites; do
	targets="$targets tests/$s"
done
say "ninja:$targets"
t0=$SECONDS
# shellcheck disable=SC2086
if ! ninja -C "$build" -j"$(nproc 2>/dev/null || echo 2)" $targets >"$cache/ninja.log" 2>&1; then
	tail -n 30 "$cache/ninja.log" >&2
	die "building IGT failed (log: $cache/ninja.log)"
fi
say "built in $((SECONDS - t0)) s"
flock -u 9
[ $build_only = 1 ] && exit 0

# --- running the suites --------------------------------------------------------

[ -x "$fakedri" ] || die "no fakedri launcher at $fakedri: build the repository first (cmake -B build && cmake --build build), or give --fakedri"
fakedri=$(realpath "$fakedri")

mkdir -p "$cache/runs"
run_dir=$(mktemp -d "$cache/runs/$(date +%Y%m%d-%H%M%S).XXXX")
# keep the last five runs
find "$cache/runs" -mindepth 1 -maxdepth 1 -type d | sort | head -n -5 | xargs -r rm -rf
ln -sfn "$run_dir" "$cache/runs/last"
results=$run_dir/results.txt
: >"$results"
say "logs and results in $run_dir"

# IGT's own result lines, as "subtest result" ("parent@dynamic result" for
# dynamic subtests). Later lines win (IGT may print a result on stdout and
# stderr both).
parse_log() {
	sed -e 's/\x1b\[[0-9;]*m//g' -e 's/\r$//' "$1" | awk '
		/^Starting subtest: / { cur = $3 }
		/^Subtest [^ ]+: [A-Z]+/ { n = $2; sub(/:$/, "", n); print n, $3 }
		/^Dynamic subtest [^ ]+: [A-Z]+/ { n = $3; sub(/:$/, "", n); print cur "@" n, $4 }'
}

verdict() { # IGT result word -> pass|skip|fail
	case $1 in
	SUCCESS) echo pass ;;
	SKIP) echo skip ;;
	*) echo fail ;;
	esac
}

how_it_ended() { # exit status -> note for a subtest that printed no result
	case $1 in
	124 | 137) echo "timeout" ;;
	77) echo "binary skipped" ;;
	79) echo "invalid subtest" ;;
	*)
		if [ "$1" -gt 128 ]; then
			echo "crash (signal $(($1 - 128)))"
		else
			echo "exit $1, no result printed"
		fi
		;;
	esac
}

record() { # suite subtest result [note]
	echo "$1 $2 $3${4:+ # $4}" >>"$results"
	if [ $verbose = 1 ]; then
		echo "  $1 $2: $3${4:+ ($4)}"
	fi
}

# The results of one subtest from a log: its own line, or its dynamic
# subtests' lines (and its own when it failed outside them), or the way the
# process ended when it printed nothing.
record_subtest() { # suite subtest rc parsed-file [whole]
	local suite=$1 st=$2 rc=$3 parsed=$4 r dyn bad=0 n res note=""

	# a whole binary's exit status sums up all its subtests: it only says
	# how one that printed nothing ended
	[ "${5:-}" = whole ] && [ "$rc" != 124 ] && [ "$rc" != 137 ] && [ "$rc" -le 128 ] && rc=0

	r=$(awk -v n="$st" '$1 == n { r = $2 } END { print r }' "$parsed")
	dyn=$(awk -v p="$st@" 'index($1, p) == 1 { r[$1] = $2; if (!(($1) in seen)) { seen[$1] = 1; o[++k] = $1 } }
		END { for (i = 1; i <= k; i++) print o[i], r[o[i]] }' "$parsed")
	if [ -z "$r" ]; then
		if [ "$rc" = 77 ]; then
			r=SKIP
		else
			r=NONE
			note=$(how_it_ended "$rc")
		fi
	elif [ "$r" != FAIL ] && { [ "$rc" = 124 ] || [ "$rc" = 137 ] || [ "$rc" -gt 128 ]; }; then
		# a result, but then the process died or hung (e.g. in a fixture)
		note="$r, then $(how_it_ended "$rc")"
		r=NONE
	elif [ "$r" != FAIL ] && [ "$r" != NONE ] && [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		note="$r, then exit $rc"
		r=NONE
	fi
	[ "$r" = SUCCESS ] || [ "$r" = SKIP ] || [ "$r" = FAIL ] || [ -n "$note" ] || note=$r
	if [ -n "$dyn" ]; then
		while read -r n res; do
			[ "$(verdict "$res")" = fail ] && bad=1
			record "$suite" "$n" "$(verdict "$res")" "$([ "$res" = FAIL ] || [ "$res" = SUCCESS ] || [ "$res" = SKIP ] || echo "$res")"
		done <<<"$dyn"
		# the parent counts only for a failure none of its dynamic subtests shows
		[ "$(verdict "$r")" = fail ] && [ $bad = 0 ] && record "$suite" "$st" fail "$note"
		return 0
	fi
	record "$suite" "$st" "$(verdict "$r")" "$note"
}

run_fakedri() { # timeout suite log binary args...
	local t=$1 suite=$2 log=$3 pers
	shift 3
	pers=$(personality "$suite")
	rc=0
	# (the shell's report of a crash, "Segmentation fault", goes to the log too)
	if [ "$pers" = vgem ]; then
		{ IGT_FORCE_DRIVER=vgem timeout -k 10 "$t" "$fakedri" run --personality vgem -- "$@" \
			>"$log" 2>&1 </dev/null || rc=$?; } 2>>"$log"
	else
		{ env -u IGT_FORCE_DRIVER timeout -k 10 "$t" "$fakedri" run --personality "$pers" -- "$@" \
			>"$log" 2>&1 </dev/null || rc=$?; } 2>>"$log"
	fi
}

run_suite() {
	local suite=$1 bin=$build/tests/$1 dir=$run_dir/$1 subtests st left t start
	mkdir -p "$dir"
	rc=0
	subtests=$("$bin" --list-subtests 2>"$dir/list-subtests.err") || rc=$?
	if [ "$rc" != 0 ]; then
		record "$suite" "(list-subtests)" fail "exit $rc"
		return
	fi
	start=$SECONDS
	if [ -z "$subtests" ]; then
		# a binary without subtests: one result for the whole binary
		say "$suite (no subtests)"
		run_fakedri "$bin_timeout" "$suite" "$dir/$suite.log" "$bin"
		case $rc in
		0) record "$suite" "(binary)" pass ;;
		77) record "$suite" "(binary)" skip ;;
		*) record "$suite" "(binary)" fail "$(how_it_ended $rc)" ;;
		esac
		return
	fi
	say "$suite: $(echo "$subtests" | wc -l) subtests$([ $whole = 1 ] && echo ", one process")"
	if [ $whole = 1 ]; then
		run_fakedri "$bin_timeout" "$suite" "$dir/all.log" "$bin"
		parse_log "$dir/all.log" >"$dir/all.parsed"
		for st in $subtests; do
			record_subtest "$suite" "$st" "$rc" "$dir/all.parsed" whole
		done
		# a crash or hang after the last subtest's result
		case $rc in 0 | 77 | 98) ;; *)
			grep -q "^$suite [^ ]* fail # .*$(how_it_ended "$rc")" "$results" ||
				record "$suite" "(binary)" fail "$(how_it_ended "$rc")"
			;;
		esac
		return
	fi
	for st in $subtests; do
		left=$((bin_timeout - (SECONDS - start)))
		if [ $left -le 0 ]; then
			record "$suite" "$st" fail "not run: the binary's ${bin_timeout} s were used up"
			continue
		fi
		t=$sub_timeout
		[ $left -lt "$t" ] && t=$left
		run_fakedri "$t" "$suite" "$dir/$st.log" "$bin" --run-subtest "$st"
		parse_log "$dir/$st.log" >"$dir/$st.parsed"
		record_subtest "$suite" "$st" "$rc" "$dir/$st.parsed"
	done
}

t0=$SECONDS
for s in $suites; do
	ts=$SECONDS
	run_suite "$s"
	say "$s done in $((SECONDS - ts)) s"
done
say "ran in $((SECONDS - t0)) s"

# --- counts, expectations --------------------------------------------------------

tp=0 tf=0 ts=0
for s in $suites; do
	read -r p f k <<<"$(awk -v s="$s" '$1 == s { c[$3]++ } END { print c["pass"]+0, c["fail"]+0, c["skip"]+0 }' "$results")"
	echo "$s: $p pass, $f fail, $k skip"
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + k))
done
echo "total: $tp pass, $tf fail, $ts skip"

# expected results: "suite subtest result", comments after '#'
declare -A expected=()
if [ -f "$expect_file" ]; then
	while read -r s st r _; do
		case $s in '' | '#'*) continue ;; esac
		case $r in
		fail | skip) expected["$s $st"]=$r ;;
		*) die "$expect_file: '$s $st $r': the result must be fail or skip" ;;
		esac
	done <"$expect_file"
elif [ $check = 1 ]; then
	die "no expectations file $expect_file"
fi

rank() { case $1 in pass) echo 2 ;; skip) echo 1 ;; *) echo 0 ;; esac }

status=0
if [ $check = 1 ]; then
	worse=0 better=0
	declare -A seen=()
	while read -r s st r rest; do
		rest=${rest#\# }
		seen["$s $st"]=1
		e=${expected["$s $st"]:-pass}
		[ "$r" = "$e" ] && continue
		if [ "$(rank "$r")" -lt "$(rank "$e")" ]; then
			echo "WORSE: $s $st: $r, expected $e${rest:+ ($rest)}"
			worse=$((worse + 1))
		else
			[ "$r" = pass ] && w=passes || w=skips
			echo "now $w: $s $st (expected $e): update expectations"
			better=$((better + 1))
		fi
	done <"$results"
	for key in "${!expected[@]}"; do
		s=${key%% *}
		case " $suites " in *" $s "*) ;; *) continue ;; esac
		[ -n "${seen[$key]:-}" ] || echo "stale expectation: $key ${expected[$key]}: no such subtest ran"
	done
	if [ $worse -gt 0 ]; then
		echo "check: FAILED, $worse result(s) worse than expected (logs: $run_dir)"
		status=1
	else
		echo "check: ok, no result worse than expected ($better better)"
	fi
elif [ $tf -gt 0 ]; then
	status=1
fi

if [ $update = 1 ]; then
	tmp=$(mktemp)
	if [ -f "$expect_file" ]; then
		awk '/^[ \t]*(#|$)/ { print; next } { exit }' "$expect_file" >"$tmp"
	else
		echo "# suite subtest result (fail or skip); unlisted subtests are expected to pass" >"$tmp"
	fi
	for s in $all_suites; do
		case " $suites " in
		*" $s "*) awk -v s="$s" '$1 == s && $3 != "pass"' "$results" ;;
		*) [ -f "$expect_file" ] && awk -v s="$s" '$1 == s' "$expect_file" ;;
		esac
	done >>"$tmp"
	mv "$tmp" "$expect_file"
	say "wrote $expect_file"
fi
exit $status
