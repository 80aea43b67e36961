#!/bin/sh
# test_core_hotunplug.sh - IGT's core_hotunplug, unmodified, on the fakedri
# personality (a platform device bound to a driver, docs/hotplug.md), one
# process per subtest: the four that unbind and rebind the driver pass
# (hotrebind with the old fd open, so the new device is card1); the four
# that write the device's `remove` fail there, as on any platform device.
# Uses the core_hotunplug that scripts/igt.sh built (igt.check builds it);
# exits 77 when there is none.
# usage: test_core_hotunplug.sh FAKEDRI
fakedri=$1
cache=${FAKEDRI_IGT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fakedri/igt}
bin=$(ls -t "$cache"/*/build/tests/core_hotunplug 2>/dev/null | head -n 1)
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
	echo "no core_hotunplug built in $cache (scripts/igt.sh --suite core_hotunplug --build-only): skipped"
	exit 77
fi
fails=0
check() { # SUBTEST WANT
	out=$(env -u IGT_FORCE_DRIVER timeout -k 5 120 "$fakedri" run -- "$bin" --run-subtest "$1" 2>&1)
	got=$(echo "$out" | sed -n "s/^Subtest $1: \([A-Z]*\).*/\1/p")
	echo "$1: $got (want $2)"
	if [ "$got" != "$2" ]; then
		echo "$out" | tail -n 30
		fails=$((fails + 1))
	fi
}
for s in unbind-rebind hotunbind-rebind hotrebind hotrebind-lateclose; do
	check "$s" SUCCESS
done
for s in unplug-rescan hotunplug-rescan hotreplug hotreplug-lateclose; do
	check "$s" FAIL
done
[ "$fails" = 0 ] || { echo "FAIL: $fails subtests"; exit 1; }
