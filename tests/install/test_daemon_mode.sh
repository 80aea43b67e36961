#!/bin/sh
# test_daemon_mode.sh BUILD_DIR - the long-lived daemon as a CI job uses it
# (docs/ci.md): fakedrid on a private socket, readiness through --ready-fd,
# unmodified programs with LD_PRELOAD and FAKEDRI_SOCKET, then SIGTERM. Also
# that the daemon refuses a socket directory others can enter. Exits 77
# (skip) when drmdevice is not installed.
set -eu
build=$1
command -v drmdevice >/dev/null 2>&1 || { echo "drmdevice is not installed: skipped"; exit 77; }
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
mkfifo "$work/ready"
"$build/bin/fakedrid" --socket "$work/run/fakedri.sock" --ready-fd 3 3>"$work/ready" &
pid=$!
read -r line < "$work/ready"
[ "$line" = ready ] || { echo "daemon did not get ready"; exit 1; }
[ "$(stat -c %a "$work/run")" = 700 ] || { echo "socket directory is not private"; exit 1; }
out=$(FAKEDRI_SOCKET="$work/run/fakedri.sock" \
      LD_PRELOAD="$(echo "$build"/lib*/fakedri/libfakedri-shim.so)" drmdevice)
echo "$out" | grep -q "nodes\[2\] /dev/dri/renderD128" || { echo "$out"; exit 1; }
kill -TERM "$pid"
wait "$pid" || { echo "daemon did not exit cleanly on SIGTERM"; exit 1; }
[ ! -e "$work/run/fakedri.sock" ] || { echo "socket left behind"; exit 1; }
# a directory others can enter is refused, with a message
mkdir -m 755 "$work/open"
if "$build/bin/fakedrid" --socket "$work/open/s" 2>"$work/err"; then
	echo "daemon accepted a non-private directory"; exit 1
fi
grep -q "private" "$work/err" || { cat "$work/err"; exit 1; }
echo "daemon mode: PASS"
