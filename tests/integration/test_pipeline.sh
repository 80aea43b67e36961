#!/bin/sh
# test_pipeline.sh - runs examples/pipeline.c (fakedri-example-pipeline)
# under `fakedri run` as the README shows it, one behaviour per case:
#   trace        it passes under --trace, and the trace is JSON with job
#                slices on at least two queue tracks and fence events
#   skip_wait    with --skip-wait under --poison the checker reads poison
#                and exits 3
#   no_implicit  with --no-implicit the summary line counts the hazard
#   trace_waits  (not the example) ioctls that waited in the daemon are
#                slices on the caller's thread: itest_gpu's GEM_WAIT case
# usage: test_pipeline.sh FAKEDRI PIPELINE CASE [ITEST_GPU]
set -eu
fakedri=$1
pipeline=$2
case=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "test_pipeline.sh $case: $*" >&2
	sed 's/^/  | /' "$tmp/out" >&2 || true
	exit 1
}

case $case in
trace)
	"$fakedri" run --trace "$tmp/t.json" -- "$pipeline" >"$tmp/out" 2>&1 ||
		fail "the pipeline failed"
	grep -q "checker: all 65536 pixels are 0xff3366cc" "$tmp/out" || fail "no pixel check"
	python3 - "$tmp/t.json" <<'PY' || fail "bad trace"
import json, sys
ev = json.load(open(sys.argv[1]))
runs = [e for e in ev if e.get("name") == "drm_sched_job_run"]
tracks = {(e["pid"], e["tid"]) for e in runs}
assert len(runs) == 2, f"{len(runs)} job slices"
assert len(tracks) >= 2, f"job slices on {len(tracks)} track(s)"
for e in runs:
    assert e["ph"] == "X" and e["dur"] > 0, e
    ctx, seq = e["args"]["fence"].split(":")
    int(ctx), int(seq)
fences = [e for e in ev if e.get("name") == "dma_fence_signaled"]
assert len(fences) == 2, f"{len(fences)} fence events"
queued = [e for e in ev if e.get("name") == "drm_sched_job_queue"]
assert len(queued) == 2 and all(e["pid"] > 0 for e in queued), queued
# the checker's poll on the copy's sync_file is not an ioctl; the consumer's
# job waited for the producer's through implicit sync: the copy starts
# after the fill ends
fill = min(runs, key=lambda e: e["ts"])
copy = max(runs, key=lambda e: e["ts"])
assert copy["ts"] >= fill["ts"] + fill["dur"] - 0.001, (fill, copy)
names = {e["args"]["name"] for e in ev if e.get("name") == "thread_name"}
assert "ring queue0" in names and "ring queue1" in names, names
PY
	;;
skip_wait)
	rc=0
	"$fakedri" run --poison -- "$pipeline" --skip-wait >"$tmp/out" 2>&1 || rc=$?
	[ "$rc" = 3 ] || fail "exit status $rc, want 3"
	grep -q "checker: read .* pixels of poison (0xdeadbeef)" "$tmp/out" || fail "no poison report"
	;;
no_implicit)
	rc=0
	"$fakedri" run -- "$pipeline" --no-implicit >"$tmp/out" 2>&1 || rc=$?
	[ "$rc" = 1 ] || fail "exit status $rc, want 1 (the copy raced the fill)"
	grep -q "GPU jobs, 1 sync hazards;" "$tmp/out" || fail "no hazard in the summary line"
	grep -q "sync hazard on device 0" "$tmp/out" || fail "the hazard was not logged"
	;;
trace_waits)
	"$fakedri" run --trace "$tmp/t.json" -- "$4" gem_wait_times_out_then_succeeds \
		>"$tmp/out" 2>&1 || fail "the test program failed"
	python3 - "$tmp/t.json" <<'PY' || fail "bad trace"
import json, sys
ev = json.load(open(sys.argv[1]))
waits = [e for e in ev if e.get("cat") == "wait"]
# GEM_WAIT with 20 ms: ETIME after >= 20 ms; then one that waits for the job
assert [e["name"] for e in waits] == ["FAKEDRI_GEM_WAIT"] * 2, waits
assert waits[0]["args"]["ret"] == -62 and waits[0]["dur"] >= 20000, waits[0]
assert waits[1]["args"]["ret"] == 0, waits[1]
assert len({(e["pid"], e["tid"]) for e in waits}) == 1 and waits[0]["pid"] > 0
PY
	;;
*)
	echo "test_pipeline.sh: unknown case $case" >&2
	exit 2
	;;
esac
