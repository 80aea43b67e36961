#!/bin/sh
# check-fresh.sh [--keep] [--repo DIR] [--igt-source TARBALL] NAME... - runs the documented
# commands in a fresh Debian 12 root, as a new user or a CI job would.
#
# Each NAME is a block marked `<!-- fresh-check: NAME -->` (the line right
# before its ``` fence) in README.md or docs/ci.md; `after=OTHER` in the
# marker runs OTHER's block first, in the same root:
#   readme-quickstart readme-test              README.md's two commands
#   ci-shell ci-shared-daemon ci-github ci-gitlab    docs/ci.md's snippets
#   all-ci                                     the four docs/ci.md blocks
# A `sh` block runs with sh -e (dash, as in debian:12), a `bash` block with
# bash -e; a YAML block runs each job's `run:` (GitHub Actions) or
# `before_script:`/`script:` (GitLab CI) lines with bash -e (what both
# use on these images), one fresh root per job. A GitHub job without `container:` (the stock
# ubuntu-latest runner) runs as user `runner` with password-less sudo.
#
# The root: `debootstrap --variant=minbase bookworm` (what the debian:12
# image holds), made once and kept as a tarball in the cache
# (${FAKEDRI_FRESH_CACHE:-/var/cache/fakedri-fresh}), unpacked anew for
# each job under /var/tmp and removed afterwards (--keep leaves it). A
# `git clone` of the repository (its committed HEAD: commit first) is at
# /ci/fakedri; README blocks run there, CI blocks in /ci, where
# ./my-buffer-sharing-test, ./test-a and ./test-b stand in for the user's
# tests: they run fakedri-example-pipeline.
# --igt-source puts an IGT source tarball at /ci/shared/igt/, where
# scripts/igt.sh looks by default (../shared/igt beside the clone): a fresh
# machine has none, and the igt.check ctest needs one.
# Mounts (/proc, /sys, /dev) live in a private mount namespace and vanish
# with it. Needs root, debootstrap, git, python3 with yaml (python3-yaml)
# and network access to deb.debian.org. Exits 77 when one is missing.
#
# Prints one line per job: `fresh-check: NAME[/JOB]: PASS|FAIL (N s)`, and
# a markdown table row for docs/ci.md; the job's output is in
# $FAKEDRI_FRESH_CACHE/logs/NAME[-JOB].log. Exits 1 if any job failed.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
repo=$top
keep=0
igt_source=""
cache=${FAKEDRI_FRESH_CACHE:-/var/cache/fakedri-fresh}
mirror=${FAKEDRI_FRESH_MIRROR:-http://deb.debian.org/debian}

usage() {
	sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit "${1:-2}"
}

names=""
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--repo) repo=$2; shift ;;
	--igt-source) igt_source=$2; shift ;;
	--help|-h) usage 0 ;;
	-*) echo "check-fresh.sh: unknown option '$1'" >&2; usage ;;
	all-ci) names="$names ci-shell ci-shared-daemon ci-github ci-gitlab" ;;
	*) names="$names $1" ;;
	esac
	shift
done
[ -n "$names" ] || usage

skip() { echo "check-fresh.sh: skipped: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot, mounts)"
command -v debootstrap >/dev/null 2>&1 || skip "debootstrap is not installed (apt-get install debootstrap)"
command -v git >/dev/null 2>&1 || skip "git is not installed"
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed (apt-get install python3-yaml)"
command -v unshare >/dev/null 2>&1 || skip "unshare (util-linux) is not installed"

mkdir -p "$cache/logs"
base=$cache/bookworm-minbase.tar.gz
if [ ! -s "$base" ]; then
	echo "check-fresh.sh: making a Debian 12 root with debootstrap (once; ~200 MB, cached in $cache)"
	tmp=$(mktemp -d /var/tmp/fakedri-fresh-base.XXXXXX)
	if ! debootstrap --variant=minbase bookworm "$tmp" "$mirror" >"$cache/logs/debootstrap.log" 2>&1; then
		tail -n 20 "$cache/logs/debootstrap.log" >&2
		rm -rf "$tmp"
		echo "check-fresh.sh: debootstrap failed (log: $cache/logs/debootstrap.log)" >&2
		exit 1
	fi
	tar -C "$tmp" -czf "$base.tmp" .
	mv "$base.tmp" "$base"
	rm -rf "$tmp"
fi

# extract NAME's jobs into DIR: one JOB.sh (the commands), JOB.user (root
# or runner) and JOB.where (repo or ci) per job
extract() {
	python3 - "$top/README.md" "$top/docs/ci.md" "$1" "$2" <<'EOF'
import os, re, sys, yaml
files, name, out = sys.argv[1:3], sys.argv[3], sys.argv[4]
blocks = {}   # name -> (lang, text, where, after)
for f in files:
    lines = open(f).read().split("\n")
    for i, l in enumerate(lines):
        m = re.match(r"^<!-- fresh-check: ([\w-]+)(?: after=([\w-]+))? -->$", l.strip())
        if not m:
            continue
        fence = re.match(r"^```(\w*)$", lines[i + 1])
        if not fence:
            sys.exit("%s:%d: the marker is not followed by a ``` fence" % (f, i + 1))
        end = lines.index("```", i + 2)
        blocks[m.group(1)] = (fence.group(1), "\n".join(lines[i + 2:end]) + "\n",
                              "repo" if f.endswith("README.md") else "ci", m.group(2))
if name not in blocks:
    sys.exit("no block marked <!-- fresh-check: %s --> in README.md or docs/ci.md" % name)
lang, block, where, after = blocks[name]
while after:     # a block that needs another's result runs after it
    block = blocks[after][1] + block
    after = blocks[after][3]
jobs = []
if lang in ("sh", "bash", ""):
    jobs.append((name, "root", block, lang or "sh"))
elif lang == "yaml":
    doc = yaml.safe_load(block)
    if "jobs" in doc:                       # GitHub Actions
        for j, job in doc["jobs"].items():
            runs = [s["run"] for s in job["steps"] if "run" in s]
            user = "root" if job.get("container") else "runner"
            jobs.append(("%s-%s" % (name, j), user, "\n".join(runs), "bash"))
    else:                                   # GitLab CI
        for j, job in doc.items():
            if not isinstance(job, dict) or "script" not in job:
                continue
            cmds = job.get("before_script", []) + job["script"]
            jobs.append(("%s-%s" % (name, j), "root", "\n".join(cmds) + "\n", "bash"))
else:
    sys.exit("block %s: unknown language '%s'" % (name, lang))
for j, user, script, shell in jobs:
    open(os.path.join(out, j + ".sh"), "w").write(script)
    open(os.path.join(out, j + ".shell"), "w").write(shell)
    open(os.path.join(out, j + ".user"), "w").write(user)
    open(os.path.join(out, j + ".where"), "w").write(where)
EOF
}

# run_job JOBDIR JOB: unpack a root, clone, run, report
run_job() {
	jd=$1
	job=$2
	user=$(cat "$jd/$job.user")
	where=$(cat "$jd/$job.where")
	shell=$(cat "$jd/$job.shell")
	log=$cache/logs/$job.log
	: >"$log"
	root=$(mktemp -d /var/tmp/fakedri-fresh.XXXXXX)
	tar -C "$root" -xzf "$base"
	# debootstrap leaves its package lists; the debian:12 image has none
	# (so a missing `apt-get update` fails as it does there)
	find "$root/var/lib/apt/lists" -mindepth 1 -maxdepth 1 ! -name lock ! -name partial -exec rm -rf {} +
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	mkdir -p "$root/ci"
	git clone --quiet "$repo" "$root/ci/fakedri"
	if [ -n "$igt_source" ]; then
		mkdir -p "$root/ci/shared/igt"
		cp "$igt_source" "$root/ci/shared/igt/"
	fi
	for t in my-buffer-sharing-test test-a test-b; do
		# shellcheck disable=SC2016
		printf '#!/bin/sh\nexec "$(dirname "$0")/fakedri/build/fakedri-example-pipeline" "$@"\n' >"$root/ci/$t"
		chmod 755 "$root/ci/$t"
	done
	cp "$jd/$job.sh" "$root/ci/job.sh"
	dir=/ci
	[ "$where" = repo ] && dir=/ci/fakedri
	run="cd $dir && exec $shell -e /ci/job.sh"
	if [ "$user" = runner ]; then
		# the runner image's user with sudo; no package lists left behind
		chroot "$root" sh -c 'apt-get update -qq && apt-get install -y -qq sudo >/dev/null &&
			rm -rf /var/lib/apt/lists/* && useradd -m runner &&
			echo "runner ALL=(ALL) NOPASSWD:ALL" >/etc/sudoers.d/runner' >>"$log" 2>&1
		chroot "$root" chown -R runner:runner /ci
		run="exec runuser -u runner -- sh -c 'cd $dir && exec $shell -e /ci/job.sh'"
	fi
	start=$(date +%s)
	status=0
	# shellcheck disable=SC2016
	unshare -m --propagation private sh -c '
		root=$1; shift
		mount -t proc proc "$root/proc" && mount -t sysfs sys "$root/sys" &&
		mount --rbind /dev "$root/dev" &&
		exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			sh -c "$1"' sh "$root" "$run" >>"$log" 2>&1 || status=$?
	secs=$(($(date +%s) - start))
	if [ "$status" = 0 ]; then
		res=PASS
	else
		res="FAIL (exit $status)"
		failed=1
		tail -n 30 "$log" | sed "s/^/    $job: /"
	fi
	echo "fresh-check: $job: $res ($secs s; log: $log)"
	rows="$rows| \`$job\` | $(date -u +%Y-%m-%d) | $res | $secs s |
"
	if [ "$keep" = 1 ]; then
		echo "fresh-check: $job: root kept in $root"
	else
		rm -rf "$root"
	fi
}

failed=0
rows=""
for n in $names; do
	jd=$(mktemp -d)
	if ! extract "$n" "$jd"; then
		rm -rf "$jd"
		failed=1
		continue
	fi
	for f in "$jd"/*.sh; do
		run_job "$jd" "$(basename "$f" .sh)"
	done
	rm -rf "$jd"
done
printf '%s' "$rows"
exit $failed
