#!/bin/sh
# test_install.sh BUILD_DIR - installs the build into a temporary prefix and
# checks what another project and a user get from it:
#  1. an unmodified libdrm program (drmdevice) runs with the installed
#     `fakedri run`, which must find the installed shim relative to itself;
#  2. tests/install/consumer/consumer.c builds against the installed
#     headers with `pkg-config --cflags fakedri` (PKG_CONFIG_PATH = the
#     prefix's; `pkg-config --libs fakedri` must be empty: no library to
#     link) and passes under the installed `fakedri run`;
#  3. the same source builds as a CMake project with find_package(fakedri)
#     (fakedri::uapi, fakedri::fault) and its ctest runs it under
#     fakedri::fakedri.
# drmdevice's output is printed last, only once all three passed (the ctest
# matches it: its PASS_REGULAR_EXPRESSION ignores the exit status). Exits
# 77 (skip) when drmdevice is not installed.
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
command -v drmdevice >/dev/null 2>&1 || { echo "drmdevice is not installed: skipped"; exit 77; }
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/fakedri bin/fakedrid include/fakedri/fakedri_drm.h include/fakedri/fakedri_fault.h; do
	[ -e "$prefix/$f" ] || { echo "missing $f"; exit 1; }
done
ls "$prefix"/lib*/fakedri/libfakedri-shim.so >/dev/null
env -u FAKEDRI_SHIM "$prefix/bin/fakedri" run -- drmdevice >"$prefix/drmdevice.out" 2>&1 ||
	{ cat "$prefix/drmdevice.out"; echo "drmdevice failed under the installed fakedri run"; exit 1; }

# 2. pkg-config
pc=$(ls -d "$prefix"/lib*/pkgconfig)
export PKG_CONFIG_PATH="$pc"
[ "$(pkg-config --modversion fakedri)" = "$(sed -n 's/^project(fakedri VERSION \([0-9.]*\).*/\1/p' "$here/../../CMakeLists.txt")" ] ||
	{ echo "pkg-config --modversion fakedri: $(pkg-config --modversion fakedri)"; exit 1; }
libs=$(pkg-config --libs fakedri)
[ -z "$libs" ] || { echo "pkg-config --libs fakedri is not empty: $libs"; exit 1; }
[ "$(pkg-config --variable=shim fakedri)" = "$(ls "$prefix"/lib*/fakedri/libfakedri-shim.so)" ] ||
	{ echo "pkg-config --variable=shim fakedri: $(pkg-config --variable=shim fakedri)"; exit 1; }
# shellcheck disable=SC2046
cc -Wall -Wextra -Werror $(pkg-config --cflags fakedri) -o "$prefix/consumer" "$here/consumer/consumer.c"
out=$(env -u FAKEDRI_SHIM "$prefix/bin/fakedri" run -- "$prefix/consumer" 2>&1) ||
	{ echo "$out"; echo "the pkg-config consumer failed"; exit 1; }
echo "$out" | grep -q '^consumer: PASS$' || { echo "$out"; exit 1; }
echo "pkg-config consumer: PASS"

# 3. CMake find_package
unset PKG_CONFIG_PATH
cmake -S "$here/consumer" -B "$prefix/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" >"$prefix/cmake.log" 2>&1 ||
	{ cat "$prefix/cmake.log"; echo "find_package(fakedri) failed"; exit 1; }
cmake --build "$prefix/consumer-build" >"$prefix/cmake.log" 2>&1 ||
	{ cat "$prefix/cmake.log"; echo "the CMake consumer did not build"; exit 1; }
env -u FAKEDRI_SHIM ctest --test-dir "$prefix/consumer-build" --output-on-failure >"$prefix/ctest.log" 2>&1 ||
	{ cat "$prefix/ctest.log"; echo "the CMake consumer's ctest failed"; exit 1; }
echo "CMake consumer: PASS"

cat "$prefix/drmdevice.out"
