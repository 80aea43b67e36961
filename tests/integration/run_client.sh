#!/bin/sh
# run_client.sh - runs an installed client under `fakedri run`, or exits 77
# (ctest SKIP_RETURN_CODE) when the client is not installed.
# usage: run_client.sh FAKEDRI [--option VALUE]... PROGRAM [ARGS...]
# The --options go to `fakedri run` (e.g. --personality vgem).
fakedri=$1
shift
opts=""
while [ $# -gt 1 ] && [ "${1#--}" != "$1" ]; do
	opts="$opts $1 $2"
	shift 2
done
if ! command -v "$1" >/dev/null 2>&1; then
	echo "$1 is not installed: skipped"
	exit 77
fi
# shellcheck disable=SC2086
exec "$fakedri" run $opts -- "$@"
