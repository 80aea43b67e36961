# patterns.sh - sourced by the install tests' shell scripts: the
# "PATTERN... -- COMMAND..." argument convention of their expect-an-error
# helpers (test_cli.sh's usage_error, test_startup_errors.sh's expect).
# Sets only the variables named below.

# split_patterns ARGS...: pat1..patN become the arguments before the first
# "--" and npat N; the caller then shifts npat + 1 to reach the command.
split_patterns() {
	npat=0
	while [ "$1" != -- ]; do
		npat=$((npat + 1))
		eval "pat$npat=\$1"
		shift
	done
}

# missing_pattern TEXT: 0 if TEXT contains every pattern (fixed strings),
# else 1 with $missing the first absent one, from patN down to pat1.
missing_pattern() {
	i=$npat
	while [ "$i" -gt 0 ]; do
		eval "missing=\$pat$i"
		printf '%s\n' "$1" | grep -qF -- "$missing" || return 1
		i=$((i - 1))
	done
	return 0
}
