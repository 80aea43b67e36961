#!/bin/sh
# test_cli.sh BUILD_DIR COMMAND - one command of the CLI follows the
# conventions (docs: fakedri(1)): --help and -h print a usage to stdout and
# exit 0; --version prints the version and exits 0; an unknown option, a
# bad value and a missing value each exit 2 with nothing on stdout and,
# on stderr, a line naming the command as typed, the option (and the
# value and what is accepted), then the hint "Try 'COMMAND --help'.";
# --opt=value is accepted as --opt value is. COMMAND is one of fakedri,
# run, daemon, fakedrid, fault, fault_add, fault_list, fault_clear,
# fault_stats, fault_unplug, sweep, top.
set -u
. "$(dirname "$0")/patterns.sh"
build=$1
cmd=$2
fakedri=$build/bin/fakedri
fakedrid=$build/bin/fakedrid
version=$(sed -n 's/^project(fakedri VERSION \([0-9.]*\).*/\1/p' "$(dirname "$0")/../../CMakeLists.txt")
work=$(mktemp -d)
daemon_pid=
cleanup() {
	[ -z "$daemon_pid" ] || { kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null; }
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL $cmd: $*"
	for f in out err; do
		[ ! -s "$work/$f" ] || { echo "std$f:"; cat "$work/$f"; }
	done
	exit 1
}

# run STATUS COMMAND...: COMMAND exits with STATUS (output in $work/out, err)
run() {
	want=$1
	shift
	timeout 20 "$@" >"$work/out" 2>"$work/err" </dev/null
	rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, not $want"
}

# help PROG ARGS...: --help and -h print the usage to stdout, nothing on stderr
help() {
	for h in --help -h; do
		run 0 "$@" "$h"
		grep -q "^usage: " "$work/out" || fail "'$* $h' prints no usage"
		grep -qF "$prog" "$work/out" || fail "'$* $h' does not name '$prog'"
		[ ! -s "$work/err" ] || fail "'$* $h' writes to stderr"
	done
}

# version ARGS...: --version prints the version
version() {
	run 0 "$@" --version
	grep -qx "[a-z]* $version" "$work/out" || fail "'$* --version' does not print $version"
}

# usage_error PATTERN... -- COMMAND...: exit 2, no stdout, stderr is
# "PROG: ..." containing every PATTERN, then the hint
usage_error() {
	split_patterns "$@"
	shift $((npat + 1))
	run 2 "$@"
	[ ! -s "$work/out" ] || fail "'$*' writes to stdout"
	[ "$(wc -l <"$work/err")" = 2 ] || fail "'$*' does not write two lines to stderr"
	head -n 1 "$work/err" | grep -q "^$prog: " || fail "'$*' does not name '$prog'"
	tail -n 1 "$work/err" | grep -qxF "Try '$prog --help'." || fail "'$*' gives no hint"
	missing_pattern "$(head -n 1 "$work/err")" || fail "'$*' does not say '$missing'"
	echo "ok: $* -> $(head -n 1 "$work/err")"
}

# a daemon for the commands that talk to one: $sock once it serves
start_daemon() {
	sock=$work/d/s
	mkfifo "$work/ready"
	"$fakedrid" --socket="$sock" --ready-fd=3 3>"$work/ready" 2>"$work/daemon.err" &
	daemon_pid=$!
	read -r _ <"$work/ready" || fail "the daemon did not start: $(cat "$work/daemon.err")"
}

levels="error, warn, info, debug or trace"
case $cmd in
fakedri)
	prog=fakedri
	help "$fakedri"
	version "$fakedri"
	run 2 "$fakedri"
	[ ! -s "$work/out" ] || fail "'fakedri' alone writes its usage to stdout"
	grep -q "^usage: fakedri" "$work/err" || fail "'fakedri' alone prints no usage on stderr"
	tail -n 1 "$work/err" | grep -qxF "Try 'fakedri --help'." || fail "no hint"
	usage_error "unknown option '--bogus'" -- "$fakedri" --bogus
	usage_error "unknown command 'bogus'" "run, daemon, fault, sweep or top" -- "$fakedri" bogus
	usage_error "option '--help' takes no value (got 'x')" -- "$fakedri" --help=x ;;
run)
	prog="fakedri run"
	help "$fakedri" run
	version "$fakedri" run
	run 0 "$fakedri" run --help
	grep -q "^options of run only:" "$work/out" || fail "no 'options of run only' section"
	grep -q "long-lived daemon only" "$work/out" || fail "the daemon-only options are not named"
	usage_error "unknown option '--bogus'" -- "$fakedri" run --bogus -- true
	usage_error "--log-level 'bogus'" "$levels" -- "$fakedri" run --log-level bogus -- true
	usage_error "--log-level 'bogus'" "$levels" -- "$fakedri" run --log-level=bogus -- true
	usage_error "--personality 'foo'" "fakedri or vgem" -- "$fakedri" run --personality foo true
	usage_error "--hazards 'x'" "off, log or error" -- "$fakedri" run --hazards=x true
	usage_error "--mem-limit 'lots'" "K, M or G" -- "$fakedri" run --mem-limit lots true
	usage_error "option '--stats' needs a value" -- "$fakedri" run --stats
	usage_error "'--socket' is for a long-lived daemon only" -- "$fakedri" run --socket=s true
	run 0 "$fakedri" run --log-level=error --stats="$work/st" --personality=vgem -- true
	grep -qx "status=0" "$work/st" || fail "--stats=FILE was not written"
	# options end at the program: its own options are its
	run 3 "$fakedri" run sh -c 'exit 3' --bogus ;;
daemon | fakedrid)
	if [ "$cmd" = daemon ]; then prog="fakedri daemon"; set -- "$fakedri" daemon
	else prog=fakedrid; set -- "$fakedrid"; fi
	help "$@"
	version "$@"
	run 0 "$@" --help
	grep -q "daemon only" "$work/out" || fail "no daemon-only section"
	usage_error "unknown option '--bogus'" -- "$@" --bogus
	usage_error "--personality 'foo'" "fakedri or vgem" -- "$@" --socket "$work/s" --personality foo
	usage_error "--hazards 'x'" "off, log or error" -- "$@" --socket="$work/s" --hazards=x
	usage_error "option '--socket' needs a value" -- "$@" --socket
	usage_error "unexpected argument 'extra'" -- "$@" --socket "$work/s" extra
	# --opt=value: serves, then stops on SIGTERM
	mkfifo "$work/ready"
	"$@" --socket="$work/d/s" --ready-fd=3 --log-level=error 3>"$work/ready" &
	daemon_pid=$!
	read -r _ <"$work/ready" || fail "--socket=PATH --ready-fd=3 did not start"
	[ -S "$work/d/s" ] || fail "no socket at $work/d/s"
	kill "$daemon_pid"
	wait "$daemon_pid" || fail "the daemon exited $? on SIGTERM"
	daemon_pid= ;;
fault*)
	prog="fakedri fault"
	sub=${cmd#fault}
	sub=${sub#_}
	if [ -n "$sub" ]; then prog="fakedri fault $sub"; fi
	help "$fakedri" fault $sub
	version "$fakedri" fault $sub
	start_daemon
	case $sub in
	"")
		usage_error "no command given" "add, list, clear, stats or unplug" -- "$fakedri" fault
		usage_error "unknown command 'frob'" "add, list, clear, stats or unplug" -- \
			"$fakedri" fault frob
		usage_error "unknown option '--bogus'" -- "$fakedri" fault --bogus
		usage_error "option '--socket' needs a value" -- "$fakedri" fault --socket ;;
	add)
		usage_error "missing SPEC" -- "$fakedri" fault add --socket "$sock"
		usage_error "bad spec 'colour=red'" "colour" -- "$fakedri" fault add colour=red --socket "$sock"
		usage_error "unknown option '--bogus'" -- "$fakedri" fault add x --bogus
		usage_error "option '--socket' needs a value" -- "$fakedri" fault add x --socket
		run 0 "$fakedri" fault add ioctl=GEM_CLOSE,nth=1,errno=EINVAL --socket="$sock"
		grep -qx 1 "$work/out" || fail "fault add did not print id 1" ;;
	list | stats)
		usage_error "unexpected argument 'x'" -- "$fakedri" fault $sub x --socket "$sock"
		usage_error "unknown option '--bogus'" -- "$fakedri" fault $sub --bogus
		usage_error "option '--socket' needs a value" -- "$fakedri" fault $sub --socket
		FAKEDRI_SOCKET= usage_error "no daemon" "--socket PATH" -- "$fakedri" fault $sub
		"$fakedri" fault add ioctl=GEM_CLOSE,nth=1,errno=EINVAL --socket "$sock" >/dev/null ||
			fail "fault add failed"
		run 0 "$fakedri" fault $sub --socket="$sock"
		if [ "$sub" = list ]; then
			grep -q "^1 0 ioctl=GEM_CLOSE" "$work/out" || fail "list does not show fault 1"
		else
			grep -qx "injected=0 calls=0" "$work/out" || fail "stats says $(cat "$work/out")"
		fi ;;
	clear | unplug)
		if [ "$sub" = clear ]; then what="ID"; else what="DEVICE"; fi
		usage_error "bad $what 'abc'" "not a number" -- "$fakedri" fault $sub abc --socket "$sock"
		usage_error "unknown option '--bogus'" -- "$fakedri" fault $sub 0 --bogus
		usage_error "option '--socket' needs a value" -- "$fakedri" fault $sub 0 --socket
		if [ "$sub" = clear ]; then
			run 0 "$fakedri" fault clear --socket="$sock"
			grep -qx "0 cleared" "$work/out" || fail "clear says $(cat "$work/out")"
		else
			usage_error "missing DEVICE" -- "$fakedri" fault unplug --socket="$sock"
			run 0 "$fakedri" fault unplug 0 --socket="$sock"
		fi ;;
	*) echo "unknown fault command $sub"; exit 1 ;;
	esac ;;
sweep)
	prog="fakedri sweep"
	help "$fakedri" sweep
	version "$fakedri" sweep
	usage_error "unknown option '--bogus'" -- "$fakedri" sweep --bogus -- true
	usage_error "bad value 'xml' for --format" "text, json or junit" -- \
		"$fakedri" sweep --format xml -- true
	usage_error "bad value '0' for --jobs" "from 1 to 256" -- "$fakedri" sweep --jobs=0 -- true
	usage_error "option '--timeout' needs a value" -- "$fakedri" sweep --timeout
	usage_error "no program given" -- "$fakedri" sweep --jobs 2
	run 0 "$fakedri" sweep --max-runs=1 --timeout=10s --format=json --output="$work/r.json" -- true
	grep -q '"runs"' "$work/r.json" || fail "--output=FILE --format=json wrote no JSON report" ;;
top)
	prog="fakedri top"
	help "$fakedri" top
	version "$fakedri" top
	usage_error "unknown option '--bogus'" -- "$fakedri" top --bogus
	usage_error "bad value 'bogus' for --view" "objects, fences, jobs" -- \
		"$fakedri" top --socket x --view bogus
	usage_error "bad value '5' for --interval" "10 to 3600000" -- "$fakedri" top --interval=5
	usage_error "bad value '9' for --device" "from 0 to 7" -- "$fakedri" top --device 9
	usage_error "option '--socket' needs a value" -- "$fakedri" top --socket
	FAKEDRI_SOCKET= usage_error "no daemon" "--socket PATH" -- "$fakedri" top --once
	start_daemon
	run 0 "$fakedri" top --socket="$sock" --once --device=0 --view=jobs
	grep -q "^device 0: fakedri" "$work/out" || fail "top --once shows no device 0"
	grep -q "^-- fakedri_jobs" "$work/out" || fail "top --view=jobs shows no jobs"
	# not a usage error: the daemon has no such device
	run 1 "$fakedri" top --socket "$sock" --once --device 3
	grep -qx "fakedri top: the daemon at $sock has no device 3" "$work/err" ||
		fail "top --device 3 says: $(cat "$work/err")" ;;
*)
	echo "unknown command $cmd"
	exit 1 ;;
esac
echo "cli $cmd: PASS"
