# tool_test.sh - sourced by the integration tests that run an installed,
# unmodified tool under `fakedri run` (test_lsgpu.sh, test_udevadm.sh).

# require_tool TOOL PACKAGE: the test is skipped (exit 77, ctest's
# SKIP_RETURN_CODE) with a line naming the Debian package when TOOL is
# not on PATH.
require_tool() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "$1 is not installed ($2): skipped"
	exit 77
}

# fail MESSAGE...: the test fails, saying why.
fail() {
	echo "FAIL: $*"
	exit 1
}
