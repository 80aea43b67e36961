#!/bin/sh
# test_install.sh BUILD_DIR - installs the build into a temporary prefix and
# runs an unmodified libdrm program with the installed `fakedri run`, which
# must find the installed shim relative to itself. Exits 77 (skip) when
# drmdevice is not installed.
set -eu
build=$1
command -v drmdevice >/dev/null 2>&1 || { echo "drmdevice is not installed: skipped"; exit 77; }
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/fakedri bin/fakedrid include/fakedri/fakedri_drm.h; do
	[ -e "$prefix/$f" ] || { echo "missing $f"; exit 1; }
done
ls "$prefix"/lib*/fakedri/libfakedri-shim.so >/dev/null
env -u FAKEDRI_SHIM "$prefix/bin/fakedri" run -- drmdevice
