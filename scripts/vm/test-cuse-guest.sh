#!/bin/sh
# scripts/vm/test-cuse-guest.sh -- runs INSIDE the VM (busybox sh), started
# by test-cuse.sh, which copies it with the binaries to /opt/fakedri.
#
# Starts fakedrid with three CUSE nodes (/dev/fakedri, /dev/dri/card1,
# /dev/dri/renderD129 beside vgem's card0/renderD128), then runs:
#   1. test_cuse_static on /dev/fakedri and on /dev/dri/card1 (no shim;
#      the import check gets its dma-buf from cuse_exporter, which uses it,
#      from the same node and from renderD129)
#   2. test_daemon_kill (SIGKILLs the daemon), then restarts the daemon
#   3. the core PRIME+mmap integration test against the CUSE nodes with the
#      shim loaded -- SKIP when the shim does not bind CUSE nodes yet
#      (cuse_exporter --probe answers 77)
#   4. test_cuse_other_user (uid 65534, shim)
#   5. a second fakedrid beside the first (own socket) with two devices,
#      --device vgem --device fakedri, and nodes 0:dri/card2:primary,
#      1:dri/renderD130:render, 1:dri/card3:primary; test_cuse_devices
#      (static, no shim) checks each node serves its own device; then the
#      daemon is stopped (SIGTERM) and its nodes and socket must go
# Prints "TEST-CUSE: PASS|FAIL|SKIP <step>" per step and one
# "TEST-CUSE-SUMMARY:" line; exits 1 if any step failed.
# Env: FAKEDRI_CUSE_ITESTS  extra "PROGRAM:CASE" integration cases for step 3
#      FAKEDRI_CUSE_DEBUG=1 show the daemon logs also on success
F=${FAKEDRI_PREFIX:-/opt/fakedri}
SOCK=/run/fakedri/fakedri.sock
SHIM=$F/lib/libfakedri-shim.so
T=$F/tests
NODES="/dev/fakedri /dev/dri/card1 /dev/dri/renderD129"
PASSED=0 FAILED=0 SKIPPED=0 DPID="" NSTART=0

now() { cut -d' ' -f1 /proc/uptime; }
result() { # STATUS NAME [DETAIL]
    echo "TEST-CUSE: $1 $2${3:+ ($3)}"
    case $1 in
        PASS) PASSED=$((PASSED + 1)) ;;
        FAIL) FAILED=$((FAILED + 1)) ;;
        SKIP) SKIPPED=$((SKIPPED + 1)) ;;
    esac
}
show_log() { echo "---- $1 ----"; cat "$1" 2>/dev/null; echo "---- end ----"; }

# wait_for_daemon LABEL PID SOCK NODES T0: waits (deadline 20 s) until
# daemon PID serves SOCK with every node of NODES, then says how long it
# took; returns 1 if they do not appear (or it died)
wait_for_daemon() {
    wlabel=$1 wpid=$2 wsock=$3 wnodes=$4 wt0=$5
    i=0 ok=0
    while [ $i -lt 400 ]; do
        ok=1
        [ -S "$wsock" ] || ok=0
        for n in $wnodes; do [ -c "$n" ] || ok=0; done
        # the daemon records each node in its sysroot just after the node
        # appears; the shim reads that list when a program starts
        # shellcheck disable=SC2086
        [ "$(grep -c '^cuse' "$wsock.root/nodes" 2>/dev/null)" = "$(echo $wnodes | wc -w)" ] || ok=0
        [ "$ok" = 1 ] && break
        kill -0 "$wpid" 2>/dev/null || break
        sleep 0.05
        i=$((i + 1))
    done
    [ "$ok" = 1 ] || return 1
    # shellcheck disable=SC2012,SC2086
    echo "test-cuse: $wlabel (pid $wpid) up in $(awk -v a="$wt0" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}') s:" \
        "$(ls -l $wnodes | awk '{print $1, $5, $6, $NF}' | tr '\n' ';')"
}

# start_daemon: starts fakedrid and waits for it; returns 1 (and shows the
# log) if its socket and nodes do not appear
start_daemon() {
    NSTART=$((NSTART + 1))
    DLOG=/tmp/fakedrid.$NSTART.log
    t0=$(now)
    "$F/bin/fakedrid" --socket "$SOCK" --log-level info --cuse \
        --cuse-node fakedri:primary --cuse-node dri/card1:primary \
        --cuse-node dri/renderD129:render:0666 >"$DLOG" 2>&1 &
    DPID=$!
    wait_for_daemon fakedrid "$DPID" "$SOCK" "$NODES" "$t0" && return 0
    show_log "$DLOG"
    return 1
}

stop_daemon() {
    [ -n "$DPID" ] || return 0
    kill "$DPID" 2>/dev/null
    i=0
    while kill -0 "$DPID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    kill -9 "$DPID" 2>/dev/null
    wait "$DPID" 2>/dev/null
    DPID=""
}

# run_step NAME LOG COMMAND... : PASS on status 0, SKIP on 77, else FAIL
run_step() {
    name=$1 log=$2
    shift 2
    t0=$(now)
    "$@" >"$log" 2>&1
    rc=$?
    cat "$log"
    dt=$(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.2fs", b-a}')
    case $rc in
        0) result PASS "$name" "$dt" ;;
        77) result SKIP "$name" "$dt" ;;
        *) result FAIL "$name" "exit $rc, $dt"; show_log "$DLOG" ;;
    esac
    return $rc
}

EXPORTER="--exporter $T/cuse_exporter --shim $SHIM --socket $SOCK"
echo "test-cuse: kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpus"
if ! start_daemon; then
    result FAIL "fakedrid --cuse starts and creates $NODES"
    echo "TEST-CUSE-SUMMARY: passed $PASSED failed $FAILED skipped $SKIPPED"
    exit 1
fi
result PASS "fakedrid --cuse starts and creates $NODES"

# ---- 1. static client, no shim ---------------------------------------------
echo "== 1. test_cuse_static (static, no shim) =="
# shellcheck disable=SC2086
run_step "test_cuse_static /dev/fakedri" /tmp/static1.log \
    timeout 90 "$T/test_cuse_static" /dev/fakedri $EXPORTER
# shellcheck disable=SC2086
run_step "test_cuse_static /dev/dri/card1 (dma-buf exported from renderD129)" /tmp/static2.log \
    timeout 90 "$T/test_cuse_static" /dev/dri/card1 $EXPORTER --export-node /dev/dri/renderD129

# ---- 2. SIGKILL of the daemon ------------------------------------------------
echo "== 2. test_daemon_kill =="
# shellcheck disable=SC2086
run_step "test_daemon_kill" /tmp/kill.log \
    timeout 90 "$T/test_daemon_kill" /dev/fakedri "$DPID" $EXPORTER
wait "$DPID" 2>/dev/null
echo "test-cuse: daemon status after the kill: $?"
grep -i "cuse\|error" "$DLOG" | tail -n 5
DPID=""
# the nodes go away with the daemon's /dev/cuse connection
i=0
while [ $i -lt 100 ]; do
    left=""
    for n in $NODES; do [ -e "$n" ] && left="$left $n"; done
    [ -z "$left" ] && break
    sleep 0.05
    i=$((i + 1))
done
if [ -z "$left" ]; then
    result PASS "the CUSE nodes are removed after the kill"
else
    result FAIL "the CUSE nodes are removed after the kill" "left:$left"
fi
if start_daemon; then
    result PASS "fakedrid restarts after the kill"
else
    result FAIL "fakedrid restarts after the kill"
    echo "TEST-CUSE-SUMMARY: passed $PASSED failed $FAILED skipped $SKIPPED"
    exit 1
fi
# shellcheck disable=SC2086
run_step "test_cuse_static /dev/fakedri after the restart" /tmp/static3.log \
    timeout 90 "$T/test_cuse_static" /dev/fakedri $EXPORTER

# ---- 3. integration tests on the CUSE nodes, with the shim -------------------
echo "== 3. integration tests on the CUSE nodes with the shim =="
ITESTS="itest_prime_share:dumb_bo_exported_to_render_node_consumer ${FAKEDRI_CUSE_ITESTS:-}"
LD_PRELOAD=$SHIM FAKEDRI_SOCKET=$SOCK timeout 30 "$T/cuse_exporter" --probe /dev/dri/card1 \
    >/tmp/probe.log 2>&1
prc=$?
cat /tmp/probe.log
for it in $ITESTS; do
    prog=${it%%:*} case=${it#*:}
    name="$prog $case (CUSE card1/renderD129, shim)"
    if [ ! -x "$T/$prog" ]; then
        result SKIP "$name" "$prog not built"
    elif [ $prc = 77 ]; then
        result SKIP "$name" "the shim does not bind CUSE nodes yet: $(tail -n 1 /tmp/probe.log)"
    elif [ $prc != 0 ]; then
        result FAIL "$name" "cuse_exporter --probe failed with $prc"
    else
        run_step "$name" "/tmp/$prog.$case.log" env \
            FAKEDRI_TEST_CARD=/dev/dri/card1 FAKEDRI_TEST_RENDER=/dev/dri/renderD129 \
            FAKEDRI_TEST_ALIAS=/dev/fakedri LD_PRELOAD="$SHIM" FAKEDRI_SOCKET="$SOCK" \
            timeout 60 "$T/$prog" "$case"
    fi
done

# ---- 4. another user, with the shim ------------------------------------------
echo "== 4. a user other than the daemon's =="
if [ -x "$T/test_cuse_other_user" ]; then
    # the staged tree must be readable by that user
    chmod -R a+rX "$F" 2>/dev/null
    run_step "test_cuse_other_user (uid 65534, shim)" /tmp/other.log env \
        LD_PRELOAD="$SHIM" FAKEDRI_SOCKET="$SOCK" timeout 30 "$T/test_cuse_other_user" \
        /dev/dri/renderD129 /dev/dri/card1
else
    result SKIP "test_cuse_other_user" "not built"
fi

# ---- 5. a second daemon with two devices -------------------------------------
echo "== 5. a second fakedrid with two devices (vgem, fakedri) =="
SOCK2=/run/fakedri2/s
NODES2="/dev/dri/card2 /dev/dri/renderD130 /dev/dri/card3"
DLOG2=/tmp/fakedrid2.log
t0=$(now)
"$F/bin/fakedrid" --socket "$SOCK2" --log-level info --device vgem --device fakedri --cuse \
    --cuse-node 0:dri/card2:primary --cuse-node 1:dri/renderD130:render \
    --cuse-node 1:dri/card3:primary >"$DLOG2" 2>&1 &
DPID2=$!
name2="fakedrid --device vgem --device fakedri --cuse starts and creates $NODES2"
if wait_for_daemon "second fakedrid" "$DPID2" "$SOCK2" "$NODES2" "$t0"; then
    result PASS "$name2"
    # run_step shows $DLOG on failure: this step's daemon log
    DLOG1=$DLOG DLOG=$DLOG2
    # shellcheck disable=SC2086
    run_step "test_cuse_devices card2 (vgem) renderD130+card3 (fakedri), kernel vgem card0" \
        /tmp/devices.log timeout 90 "$T/test_cuse_devices" $NODES2 \
        --kernel-vgem /dev/dri/card0 /dev/dri/renderD128
    DLOG=$DLOG1
    # the first daemon's nodes are untouched by the second
    left=""
    for n in $NODES; do [ -c "$n" ] || left="$left $n"; done
    if [ -z "$left" ] && kill -0 "$DPID" 2>/dev/null; then
        result PASS "the first daemon and its nodes are unaffected by the second"
    else
        result FAIL "the first daemon and its nodes are unaffected by the second" "missing:$left"
    fi
else
    result FAIL "$name2"
    show_log "$DLOG2"
fi
kill "$DPID2" 2>/dev/null
i=0
while kill -0 "$DPID2" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 "$DPID2" 2>/dev/null
wait "$DPID2"
rc2=$?
i=0
while [ $i -lt 100 ]; do
    left=""
    for n in $NODES2 "$SOCK2"; do [ -e "$n" ] && left="$left $n"; done
    [ -z "$left" ] && break
    sleep 0.05
    i=$((i + 1))
done
if [ "$ok" != 1 ]; then
    :
elif [ -z "$left" ] && [ $rc2 = 0 ]; then
    result PASS "the second fakedrid exits 0 on SIGTERM and its nodes and socket are gone"
else
    result FAIL "the second fakedrid exits 0 on SIGTERM and its nodes and socket are gone" \
        "status $rc2, left:$left"
    show_log "$DLOG2"
fi

stop_daemon
[ "${FAKEDRI_CUSE_DEBUG:-0}" = 1 ] && for l in /tmp/fakedrid.*.log; do show_log "$l"; done
echo "TEST-CUSE-SUMMARY: passed $PASSED failed $FAILED skipped $SKIPPED"
[ $FAILED = 0 ]
