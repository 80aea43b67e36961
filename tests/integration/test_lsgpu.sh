#!/bin/sh
# test_lsgpu.sh - Debian's lsgpu (intel-gpu-tools), unmodified, under
# `fakedri run`: its udev scan must list card0 and renderD128 by their
# nodes, for one device and for two (vgem and fakedri), with the platform
# device in the sysfs path; and IGT's --device filters (drm:, sys:) find
# them. Exits 77 when lsgpu is not installed.
# usage: test_lsgpu.sh FAKEDRI
. "$(dirname "$0")/tool_test.sh"
fakedri=$1
require_tool lsgpu intel-gpu-tools
out=$("$fakedri" run -- lsgpu 2>&1) || fail "lsgpu exited $?: $out"
echo "$out"
echo "$out" | grep -q "No GPU devices found" && fail "lsgpu found no device"
echo "$out" | grep -q "^card0 .*drm:/dev/dri/card0$" || fail "no card0 line"
echo "$out" | grep -q "renderD128 .*drm:/dev/dri/renderD128$" || fail "no renderD128 line"
# -p prints each device's udev properties and sysattrs
out=$("$fakedri" run -- lsgpu -p 2>&1) || fail "lsgpu -p exited $?"
echo "$out" | grep -q "^========== drm:/sys/devices/platform/fakedri/drm/card0 ==========$" ||
	fail "lsgpu -p: no card0 syspath"
echo "$out" | grep -q "^ID_PATH  *: platform-fakedri$" || fail "lsgpu -p: no ID_PATH"
out=$("$fakedri" run --device vgem --device fakedri -- lsgpu 2>&1) || fail "lsgpu exited $?"
echo "$out"
for n in card0 card1 renderD128 renderD129; do
	echo "$out" | grep -q "drm:/dev/dri/$n$" || fail "two devices: no $n"
done
# IGT's device filters (lib/igt_device_scan.c, what every IGT test's
# --device goes through): each opens what it names, a wrong one finds none
filter() { # PERSONALITY FILTER
	"$fakedri" run --personality "$1" -- lsgpu -d "$2" 2>&1 || fail "lsgpu -d $2 exited $?"
}
out=$(filter vgem drm:/dev/dri/card0)
echo "$out" | grep -q "^Device /dev/dri/card0 successfully opened$" || fail "drm: filter: $out"
out=$(filter vgem drm:/dev/dri/renderD128)
echo "$out" | grep -q "^Device /dev/dri/renderD128 successfully opened$" || fail "render filter: $out"
out=$(filter vgem sys:/sys/devices/platform/vgem)
echo "$out" | grep -q "^subsystem   : platform$" || fail "sys: filter: $out"
echo "$out" | grep -q "^Device /dev/dri/card0 successfully opened$" || fail "sys: filter: $out"
echo "$out" | grep -q "^Device /dev/dri/renderD128 successfully opened$" || fail "sys: filter: $out"
out=$(filter vgem drm:/dev/dri/card5)
echo "$out" | grep -q "^No device found for the filter$" || fail "card5 found: $out"
echo "ok"
