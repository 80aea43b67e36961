#!/bin/sh
# test_startup_errors.sh BUILD_DIR CASE - one way the daemon can fail to
# start (fakedrid, `fakedri daemon`, `fakedri run` share the code): it must
# exit non-zero, print nothing on stdout and exactly one line on stderr
# naming what failed and why (a usage error - a bad option or value - adds
# the hint line "Try 'COMMAND --help'." and exits 2), and create no
# directory but the one that directly holds the socket. Exits 77 (skip) when CASE cannot be set up here.
set -u
. "$(dirname "$0")/patterns.sh"
build=$1
case_name=$2
fakedrid=$build/bin/fakedrid
fakedri=$build/bin/fakedri
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
	echo "FAIL $case_name: $*"
	[ ! -s "$work/err" ] || { echo "stderr:"; cat "$work/err"; }
	exit 1
}

# expect PATTERN... -- COMMAND...: COMMAND fails (not by the timeout), prints
# nothing on stdout and one line on stderr containing every PATTERN; for a
# usage error (exit status 2), a second line, the hint
expect() {
	split_patterns "$@"
	shift $((npat + 1))
	timeout 10 "$@" >"$work/out" 2>"$work/err" </dev/null
	rc=$?
	[ "$rc" != 0 ] || fail "exit status 0"
	[ "$rc" != 124 ] || fail "still running after 10 s"
	[ ! -s "$work/out" ] || fail "output on stdout: $(cat "$work/out")"
	lines=$(wc -l <"$work/err")
	if [ "$rc" = 2 ]; then
		[ "$lines" = 2 ] || fail "$lines lines on stderr for a usage error, not 2"
		tail -n 1 "$work/err" | grep -qx "Try '[a-z ]* --help'\." ||
			fail "the second line is not the hint: $(tail -n 1 "$work/err")"
	else
		[ "$lines" = 1 ] || fail "$lines lines on stderr, not 1"
	fi
	missing_pattern "$(cat "$work/err")" || fail "stderr does not say '$missing'"
	echo "exit $rc: $(cat "$work/err")"
}

# an unused socket path, for the cases that fail before creating anything
sock=$work/ok/s

case $case_name in
missing_grandparent_is_not_created)
	expect "cannot create socket directory $work/a/b" "No such file or directory" \
		"$work/a does not exist" -- "$fakedrid" --socket "$work/a/b/x.sock"
	[ ! -e "$work/a" ] || fail "$work/a was created" ;;
parent_is_a_file)
	touch "$work/file"
	expect "$work/file" "Not a directory" -- "$fakedrid" --socket "$work/file/x.sock" ;;
parent_not_private)
	mkdir -m 755 "$work/open"
	expect "$work/open" "mode 0755" "private (mode 0700)" -- \
		"$fakedrid" --socket "$work/open/x.sock" ;;
parent_owned_by_other_user)
	[ "$(id -u)" = 0 ] || { echo "needs root to chown: skipped"; exit 77; }
	mkdir -m 700 "$work/theirs"
	chown 1 "$work/theirs"
	expect "$work/theirs" "owned by uid 1" -- "$fakedrid" --socket "$work/theirs/x.sock" ;;
socket_path_too_long)
	long=$work/$(printf '%0120d' 0)
	expect "$long" "too long" "at most 107" -- "$fakedrid" --socket "$long" ;;
listen_fails)
	mkdir -m 700 "$work/busy" "$work/busy/s"
	expect "cannot listen on $work/busy/s" "not a socket" -- \
		"$fakedrid" --socket "$work/busy/s"
	[ -d "$work/busy/s" ] || fail "the directory at the socket path was removed" ;;
socket_of_a_live_daemon_is_not_taken)
	mkdir -m 700 "$work/live"
	mkfifo "$work/ready"
	"$fakedrid" --socket "$work/live/s" --ready-fd 3 3>"$work/ready" 2>/dev/null &
	first=$!
	read -r _ <"$work/ready" || fail "the first daemon did not start"
	expect "cannot listen on $work/live/s" "another daemon is serving it" -- \
		"$fakedrid" --socket "$work/live/s"
	kill -0 "$first" 2>/dev/null || fail "the first daemon died"
	[ -S "$work/live/s" ] || fail "the first daemon's socket is gone"
	kill "$first"
	wait "$first" ;;
no_socket_path)
	expect "no socket path" "--socket PATH" -- "$fakedrid" ;;
cuse_unavailable)
	[ ! -e /dev/cuse ] || { echo "/dev/cuse exists: skipped"; exit 77; }
	expect "/dev/cuse" "No such file or directory" -- \
		"$fakedrid" --cuse --socket "$work/cuse/s"
	[ ! -e "$work/cuse" ] || fail "the socket directory it created was left behind" ;;
spin_us_not_a_number)
	expect "--spin-us 'abc'" "not a number" -- "$fakedrid" --socket "$sock" --spin-us abc ;;
ready_fd_not_a_number)
	expect "--ready-fd 'x3'" "not a file descriptor" -- \
		"$fakedrid" --socket "$sock" --ready-fd x3 ;;
ready_fd_not_open)
	expect "--ready-fd 57" "Bad file descriptor" -- "$fakedrid" --socket "$sock" --ready-fd 57 ;;
unknown_personality)
	expect "--personality 'i915'" "unknown personality" -- \
		"$fakedrid" --socket "$sock" --personality i915 ;;
mem_limit_bad_suffix)
	expect "--mem-limit '1X'" "not a size" -- "$fakedrid" --socket "$sock" --mem-limit 1X ;;
mem_limit_overflows)
	expect "--mem-limit '20000000000G'" "not a size" -- \
		"$fakedrid" --socket "$sock" --mem-limit 20000000000G ;;
vgem_fence_timeout_zero)
	expect "--vgem-fence-timeout '0'" "not a positive number" -- \
		"$fakedrid" --socket "$sock" --vgem-fence-timeout 0 ;;
unknown_log_level)
	expect "--log-level 'loud'" "unknown level" -- "$fakedrid" --socket "$sock" --log-level loud ;;
bad_cuse_node)
	expect "--cuse-node 'x:gpu'" "TYPE primary or render" -- \
		"$fakedrid" --socket "$sock" --cuse-node x:gpu ;;
missing_value)
	expect "fakedrid: " "option '--socket' needs a value" -- "$fakedrid" --socket ;;
unknown_option)
	expect "fakedrid: " "unknown option '--sockets'" -- "$fakedrid" --sockets "$sock" ;;
device_unknown_personality)
	expect "--device 'nosuch'" "PERSONALITY fakedri or vgem" -- \
		"$fakedrid" --socket "$sock" --device nosuch ;;
device_unknown_field)
	expect "--device 'fakedri,colour=red'" "[,name=DRIVER_NAME]" -- \
		"$fakedrid" --socket "$sock" --device fakedri,colour=red ;;
too_many_devices)
	expect "--device fakedri" "at most 8 devices" -- "$fakedrid" --socket "$sock" \
		--device fakedri --device fakedri --device fakedri --device fakedri --device fakedri \
		--device fakedri --device fakedri --device fakedri --device fakedri ;;
device_with_personality)
	expect "--personality and --driver-name describe the only device" "--device vgem,name=" -- \
		"$fakedrid" --socket "$sock" --device vgem --personality vgem ;;
cuse_node_no_such_device)
	# checked before any CUSE node starts, so /dev/cuse need not exist
	expect "--cuse-node '3:fakedri:primary'" "there is no device 3" -- \
		"$fakedrid" --cuse --cuse-node 3:fakedri:primary --socket "$work/cuse/s"
	[ ! -e "$work/cuse" ] || fail "the socket directory it created was left behind" ;;
fakedri_daemon_parent_is_a_file)
	touch "$work/file"
	expect "fakedri daemon: " "$work/file" "Not a directory" -- \
		"$fakedri" daemon --socket "$work/file/x.sock" ;;
fakedri_run_unknown_personality)
	expect "fakedri run: " "--personality 'i915'" -- "$fakedri" run --personality i915 -- true ;;
fakedri_run_bad_mem_limit)
	expect "fakedri run: " "--mem-limit 'lots'" -- "$fakedri" run --mem-limit lots -- true ;;
*)
	echo "unknown case $case_name"
	exit 1 ;;
esac
[ ! -e "$work/ok" ] || fail "$work/ok was created"
echo "startup error: PASS"
