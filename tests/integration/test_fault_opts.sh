#!/bin/sh
# test_fault_opts.sh - the fault options of `fakedri run` (docs/faults.md),
# one behaviour per case, with itest_faults' print_get_cap_pattern case (32
# GET_CAPs printed as '.' for success, 'x' for EIO) as the program:
#   log_then_replay_reproduces  --fault-log of a probability fault, fed to
#                      --fault-replay in a second run, gives the same
#                      failures, the same log and the same summary count
#   same_seed_same_faults_across_runs  a probability fault with one seed
#                      fails the same calls in two runs, another seed others
#   env_faults_are_armed        FAKEDRI_FAULTS (';'-separated) arms each spec
#   bad_spec_is_one_line_exit_2 a bad --fault, FAKEDRI_FAULTS or replay line:
#                      one line naming it (--fault's followed by the usage
#                      hint), exit status 2, program not run
#   summary_and_stats_count_faults  the summary line's "N faults injected"
#                      and --stats FILE's key=value lines
#   calls_file_lists_every_site --fault-calls writes CALL NAME PID per site
#   injection_is_logged_as_a_warning  names call number, site and fault
# usage: test_fault_opts.sh FAKEDRI ITEST_FAULTS CASE
set -eu
fakedri=$1
itest=$2
case=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/out"

fail() {
	echo "test_fault_opts.sh $case: $*" >&2
	sed 's/^/  | /' "$tmp/out" >&2 || true
	exit 1
}

pattern() {
	"$fakedri" run "$@" -- "$itest" print_get_cap_pattern 2>>"$tmp/out"
}

case $case in
log_then_replay_reproduces)
	p1=$(pattern --fault ioctl=GET_CAP,probability=0.3,seed=11,errno=EIO \
		--fault-log "$tmp/log1") || fail "first run failed"
	n=$(wc -l <"$tmp/log1")
	[ "$n" -ge 3 ] && [ "$n" -le 29 ] || fail "$n faults of 32 at probability 0.3"
	grep -qv '^ioctl=GET_CAP,call=[0-9]*,errno=EIO$' "$tmp/log1" &&
		fail "log lines are not ioctl=GET_CAP,call=N,errno=EIO: $(cat "$tmp/log1")"
	p2=$(pattern --fault-replay "$tmp/log1" --fault-log "$tmp/log2") || fail "replay failed"
	[ "$p1" = "$p2" ] || fail "replay gave $p2, the first run $p1"
	cmp -s "$tmp/log1" "$tmp/log2" || fail "the replay's log differs"
	[ "$(printf %s "$p1" | tr -cd x | wc -c)" -eq "$n" ] || fail "$p1: not $n failures"
	grep -q "; $n faults injected" "$tmp/out" || fail "summary does not count $n"
	;;
same_seed_same_faults_across_runs)
	p1=$(pattern --fault ioctl=GET_CAP,probability=0.5,seed=42,errno=EIO) || fail "run 1 failed"
	p2=$(pattern --fault ioctl=GET_CAP,probability=0.5,seed=42,errno=EIO) || fail "run 2 failed"
	p3=$(pattern --fault ioctl=GET_CAP,probability=0.5,seed=43,errno=EIO) || fail "run 3 failed"
	[ "$p1" = "$p2" ] || fail "seed 42 gave $p1, then $p2"
	[ "$p1" != "$p3" ] || fail "seeds 42 and 43 both gave $p1"
	case $p1 in *x*.*|*.*x*) ;; *) fail "seed 42: $p1 is not a mix" ;; esac
	;;
env_faults_are_armed)
	p=$(FAKEDRI_FAULTS='ioctl=GET_CAP,nth=2,errno=EIO; ioctl=GET_CAP,nth=5,errno=EIO' pattern) ||
		fail "run failed"
	# the second fault does not see call 2, which the first one took:
	# its 5th matching call is the 6th
	[ "$p" = ".x...x.........................." ] || fail "pattern $p"
	;;
bad_spec_is_one_line_exit_2)
	for how in opt env replay; do
		: >"$tmp/out"
		rc=0
		case $how in
		opt) "$fakedri" run --fault ioctl=GET_CAP,nth=x -- touch "$tmp/ran" 2>"$tmp/out" || rc=$? ;;
		env) FAKEDRI_FAULTS='ioctl=GET_CAP,nth=x' "$fakedri" run -- touch "$tmp/ran" 2>"$tmp/out" || rc=$? ;;
		replay) printf '# comment\n\nioctl=GET_CAP,nth=x\n' >"$tmp/bad"
			"$fakedri" run --fault-replay "$tmp/bad" -- touch "$tmp/ran" 2>"$tmp/out" || rc=$? ;;
		esac
		[ "$rc" -eq 2 ] || fail "$how: exit status $rc, not 2"
		# an option's bad value is a usage error: the hint line follows
		if [ "$how" = opt ]; then
			[ "$(wc -l <"$tmp/out")" -eq 2 ] || fail "$how: not two lines"
			tail -n 1 "$tmp/out" | grep -qxF "Try 'fakedri run --help'." ||
				fail "$how: no hint line"
		else
			[ "$(wc -l <"$tmp/out")" -eq 1 ] || fail "$how: not one line"
		fi
		grep -q 'nth=x' "$tmp/out" || fail "$how: the line does not name the spec"
		[ ! -e "$tmp/ran" ] || fail "$how: the program ran"
	done
	grep -q ':3' "$tmp/out" || fail "replay: the line does not name the line number"
	;;
summary_and_stats_count_faults)
	p=$(pattern --fault ioctl=GET_CAP,interval=4,errno=EIO --stats "$tmp/stats") || fail "run failed"
	grep -q "GPU jobs, 0 sync hazards; left at exit: 0 objects, 0 dma-bufs, 0 open files; 8 faults injected$" \
		"$tmp/out" || fail "summary line"
	for kv in status=0 signal=0 faults=8 objects=0 dmabufs=0 files=0 jobs=0 hazards=0; do
		grep -qx "$kv" "$tmp/stats" || fail "no $kv in --stats: $(cat "$tmp/stats")"
	done
	# the 32 GET_CAPs are the program's only sites; the 8 that failed
	# never reached their handler, so they are not served ioctls
	grep -qx "calls=32" "$tmp/stats" || fail "calls: $(cat "$tmp/stats")"
	grep -qx "ioctls=24" "$tmp/stats" || fail "ioctls: $(cat "$tmp/stats")"
	# a program killed by a signal: status 128+N, signal N
	"$fakedri" run --stats "$tmp/stats" -- sh -c 'kill -9 $$' 2>>"$tmp/out" && fail "kill -9 exited 0"
	grep -qx "status=137" "$tmp/stats" && grep -qx "signal=9" "$tmp/stats" ||
		fail "killed: $(cat "$tmp/stats")"
	;;
calls_file_lists_every_site)
	pattern --fault-calls "$tmp/calls" --stats "$tmp/stats" >/dev/null || fail "run failed"
	n=$(grep -c " GET_CAP [0-9]*$" "$tmp/calls") || true
	[ "$n" -eq 32 ] || fail "$n GET_CAP lines"
	calls=$(sed -n 's/^calls=//p' "$tmp/stats")
	[ "$(wc -l <"$tmp/calls")" -eq "$calls" ] || fail "not one line per call"
	# numbered 1, 2, ... in order
	awk '$1 != NR { exit 1 }' "$tmp/calls" || fail "calls not numbered 1..N"
	;;
injection_is_logged_as_a_warning)
	pattern --fault ioctl=GET_CAP,nth=3,errno=EIO >/dev/null || fail "run failed"
	grep -Eq "fault 1 injected at call 3 \(GET_CAP, pid [0-9]+\): ioctl=GET_CAP,call=3,errno=EIO$" \
		"$tmp/out" || fail "no warning"
	;;
*)
	echo "test_fault_opts.sh: unknown case $case" >&2
	exit 2
	;;
esac
