#!/bin/sh
# check_contrib.sh unit|rule|bad-rule BUILD_DIR - installs BUILD_DIR into a
# temporary prefix and checks what it put under lib/ from contrib/:
#   unit      lib/systemd/system/fakedrid.service passes systemd-analyze
#             verify and starts the prefix's own fakedrid with --cuse
#   rule      lib/udev/rules.d/70-fakedri.rules is read by udevadm's rule
#             parser (udevadm test, v252 has no `udevadm verify`) without
#             an error
#   bad-rule  the same check finds the error in a copy of the rule with a
#             misspelt key (so `rule` can fail)
# udevadm reads rules only from the system's directories: the rule goes in
# /run/udev/rules.d on a tmpfs mounted over /run in a private mount
# namespace (unshare -m; as a user, -rm). Exits 77 when a tool or the
# namespace is missing. Prints "contrib check: PASS" or what failed.
set -eu
what=$1
build=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
fail() { echo "contrib check: FAIL: $*"; exit 1; }
skip() { echo "contrib check: skipped: $*"; exit 77; }
cmake --install "$build" --prefix "$prefix" >/dev/null

# parse_rule FILE: udevadm test's messages about the rule, in $prefix/errs
parse_rule() {
	command -v udevadm >/dev/null 2>&1 || skip "udevadm is not installed"
	[ -e /sys/class/mem/null ] || skip "no /sys/class/mem/null to run udevadm test on"
	ns="unshare -m"
	[ "$(id -u)" = 0 ] || ns="unshare -rm"
	# shellcheck disable=SC2016
	$ns sh -c 'mount -t tmpfs tmpfs /run && mkdir -p /run/udev/rules.d &&
		cp "$1" /run/udev/rules.d/70-fakedri.rules &&
		udevadm test --action=add /sys/class/mem/null 2>&1' sh "$1" >"$prefix/udev.log" 2>&1 ||
		{ grep -q "Reading rules file" "$prefix/udev.log" ||
			skip "udevadm test did not run in a private mount namespace: $(tail -n 1 "$prefix/udev.log")"; }
	grep -q '^Reading rules file: /run/udev/rules.d/70-fakedri.rules$' "$prefix/udev.log" ||
		fail "udevadm did not read the rule: $(head -n 5 "$prefix/udev.log")"
	grep '70-fakedri.rules:[0-9]' "$prefix/udev.log" >"$prefix/errs" || true
}

rule=$prefix/lib/udev/rules.d/70-fakedri.rules
case $what in
unit)
	command -v systemd-analyze >/dev/null 2>&1 || skip "systemd-analyze is not installed"
	unit=$prefix/lib/systemd/system/fakedrid.service
	[ -f "$unit" ] || fail "no $unit"
	grep -q "^ExecStart=$prefix/bin/fakedrid --cuse " "$unit" ||
		fail "ExecStart is not the prefix's fakedrid --cuse: $(grep ^ExecStart= "$unit")"
	"$prefix/bin/fakedrid" --help >/dev/null 2>&1 || fail "$prefix/bin/fakedrid --help failed"
	out=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $out"
	# verify also warns about other units it loads; none about ours
	echo "$out" | grep 'fakedrid' && fail "systemd-analyze verify warns: $out"
	;;
rule)
	[ -f "$rule" ] || fail "no $rule"
	parse_rule "$rule"
	[ ! -s "$prefix/errs" ] || fail "udevadm: $(cat "$prefix/errs")"
	;;
bad-rule)
	[ -f "$rule" ] || fail "no $rule"
	sed 's/^KERNEL==/KERNELL==/' "$rule" >"$prefix/bad.rules"
	parse_rule "$prefix/bad.rules"
	grep -q "Invalid key 'KERNELL'" "$prefix/errs" ||
		fail "the misspelt key was not reported: $(cat "$prefix/errs")"
	;;
*)
	echo "usage: check_contrib.sh unit|rule|bad-rule BUILD_DIR" >&2
	exit 2
	;;
esac
echo "contrib check: PASS"
