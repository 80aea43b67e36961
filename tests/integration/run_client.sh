#!/bin/sh
# run_client.sh - runs an installed libdrm client under `fakedri run`, or
# exits 77 (ctest SKIP_RETURN_CODE) when the client is not installed.
# usage: run_client.sh FAKEDRI PROGRAM [ARGS...]
fakedri=$1
shift
if ! command -v "$1" >/dev/null 2>&1; then
	echo "$1 is not installed: skipped"
	exit 77
fi
exec "$fakedri" run -- "$@"
