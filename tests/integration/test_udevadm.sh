#!/bin/sh
# test_udevadm.sh - systemd's own udevadm, unmodified, under `fakedri run`:
# `udevadm info /dev/dri/card0` shows the node's path, properties and tags,
# and `udevadm info --export-db` lists the platform device and both nodes
# beside the host's devices. Exits 77 when udevadm is not installed.
# usage: test_udevadm.sh FAKEDRI
. "$(dirname "$0")/tool_test.sh"
fakedri=$1
require_tool udevadm udev
out=$("$fakedri" run --personality vgem -- udevadm info /dev/dri/card0 2>&1) ||
	fail "udevadm info exited $?: $out"
echo "$out"
for line in "P: /devices/platform/vgem/drm/card0" "N: dri/card0" \
	"E: DEVNAME=/dev/dri/card0" "E: DEVTYPE=drm_minor" "E: MAJOR=226" "E: MINOR=0" \
	"E: SUBSYSTEM=drm" "E: ID_PATH=platform-vgem" "E: ID_PATH_TAG=platform-vgem" \
	"E: ID_FOR_SEAT=drm-platform-vgem"; do
	echo "$out" | grep -qx "$line" || fail "no line '$line'"
done
echo "$out" | grep -q "^E: TAGS=.*:master-of-seat:" || fail "no master-of-seat tag"
out=$("$fakedri" run --personality vgem -- udevadm info --export-db 2>&1) ||
	fail "udevadm info --export-db exited $?"
for p in /devices/platform/vgem /devices/platform/vgem/drm/card0 \
	/devices/platform/vgem/drm/renderD128; do
	echo "$out" | grep -qx "P: $p" || fail "--export-db: no $p"
done
# the host's devices are still there (every Linux has /dev/null)
echo "$out" | grep -qx "P: /devices/virtual/mem/null" || fail "--export-db: no host devices"
echo "ok"
