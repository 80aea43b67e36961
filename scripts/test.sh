#!/bin/sh
# test.sh - the project's whole test run: builds with -Werror and runs every
# ctest test, then builds again with AddressSanitizer + UBSan and runs them
# all again. Build trees: build-test/ and build-asan/. Exits non-zero on any
# failure.
set -eu

cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

run() {
	dir=$1
	shift
	cmake -S . -B "$dir" -DFAKEDRI_WERROR=ON "$@" >/dev/null
	cmake --build "$dir" -j"$jobs"
	ctest --test-dir "$dir" --output-on-failure -j"$jobs"
}

echo "== build with -Werror and run all tests"
run build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== build with ASan + UBSan and run all tests again"
run build-asan -DCMAKE_BUILD_TYPE=Debug -DFAKEDRI_SANITIZE=address,undefined
