#!/bin/bash
# scripts/vm/run-in-vm.sh -- owned by the VM test harness (scripts/vm/).
#
# Boots Debian's own 6.1 kernel (fetched by fetch-kernel.sh) under
# qemu-system-x86_64 with TCG (never KVM), in a throw-away busybox-static
# initramfs, loads the DRM/FUSE kernel modules, runs one command inside the
# guest, prints the guest console on stdout and exits with the guest
# command's exit status.
#
# Usage:
#   run-in-vm.sh [OPTIONS] [--] [SRC[:DEST]]... -- COMMAND [ARG]...
#
#   SRC[:DEST]  a file or directory on the host to copy into the guest.
#               DEST defaults to SRC's absolute host path (so host paths work
#               unchanged inside the guest).  A directory is copied
#               recursively (its contents become DEST).  If DEST ends in '/',
#               SRC is placed inside it under its basename.
#               Every ELF file copied (also inside directories) gets its
#               shared libraries (found with ldd, incl. the dynamic loader)
#               copied to the same paths in the guest.
#               The file list may be empty:  run-in-vm.sh -- -- 'uname -a'
#   COMMAND     run in the guest with `sh -c`, as root, cwd / (see --cwd),
#               stdin /dev/null, stdout/stderr on the serial console.
#               A single word is used verbatim as the shell script text
#               (e.g. 'cd /opt/x && ./t | tee /tmp/log'); several words are
#               shell-quoted and run as one simple command (argv).
#
# Options:
#   --timeout SECS     hard wall-clock limit for the whole VM (default 300)
#   --mem MB           guest RAM in MiB (default 512)
#   --smp N            guest vCPUs (default 2)
#   --modules LIST     modules to load (comma/space separated; replaces the
#                      default "fuse cuse drm drm_shmem_helper vgem";
#                      "" = none).  Dependencies are resolved from
#                      modules.dep and loaded first (insmod, in order).
#   --add-modules LIST extra modules to load after the default list
#   --env NAME=VALUE   export an environment variable in the guest (repeatable)
#   --cwd DIR          guest working directory for COMMAND (default /)
#   --append ARGS      extra kernel command line arguments
#   --log FILE         also save the console (CR stripped) to FILE
#   --quiet            don't echo the console to stdout (still saved with --log;
#                      printed on failure)
#   --verbose          boot without 'quiet' (full kernel log)
#   --keep             keep the staging dir and initramfs (path printed)
#   -h, --help         this text
#
# Guest environment: busybox-static applets (sh, mount, insmod, modprobe, ...)
# in /usr/bin,/usr/sbin (with /bin,/sbin,/lib,/lib64 -> usr/... symlinks);
# /proc, /sys, /dev (devtmpfs), /dev/pts, /dev/shm, /tmp (tmpfs),
# /sys/kernel/debug (debugfs), /sys/fs/fuse/connections (fusectl) mounted;
# /lib/modules/<kver>/ holds the loaded modules plus modules.dep, so
# `modprobe` works for them.  FAKEDRI_VM=1 is exported.
# Module load lines are printed as "FAKEDRI-VM: insmod <mod> ok|FAILED".
#
# Console markers:  "FAKEDRI-VM-START" right before COMMAND runs and
# "FAKEDRI-VM-EXIT=<n>" right after it (n = COMMAND's exit status).
#
# Exit status of run-in-vm.sh:
#   0..255  the guest COMMAND's exit status (parsed from FAKEDRI-VM-EXIT=)
#   but these are reserved for harness failures (a message is printed on
#   stderr starting with "run-in-vm: ERROR"):
#   124     the VM hit --timeout (killed)
#   125     the VM stopped without printing the exit marker (kernel panic,
#           init crash, qemu error, ...)
#   126     harness/setup error (bad arguments, missing kernel, copy failed)
#
# Environment: FAKEDRI_VM_CACHE (default $HOME/.cache/fakedri-vm),
#              FAKEDRI_VM_QEMU (default qemu-system-x86_64).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${FAKEDRI_VM_CACHE:-$HOME/.cache/fakedri-vm}
QEMU=${FAKEDRI_VM_QEMU:-qemu-system-x86_64}

EX_TIMEOUT=124
EX_NOMARKER=125
EX_SETUP=126

die() { echo "run-in-vm: ERROR: $*" >&2; exit $EX_SETUP; }
log() { echo "run-in-vm: $*" >&2; }
usage() { sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0"; }

TIMEOUT=300
MEM=512
SMP=2
MODULES="fuse cuse drm drm_shmem_helper vgem"
ADD_MODULES=""
APPEND_EXTRA=""
LOGFILE=""
QUIET=0
VERBOSE=0
KEEP=0
CWD=/
ENVS=()
FILES=()
CMD=()

# ---- argument parsing ----------------------------------------------------
while [ $# -gt 0 ]; do
    case $1 in
        --timeout) [ $# -ge 2 ] || die "--timeout needs a value"; TIMEOUT=$2; shift 2 ;;
        --timeout=*) TIMEOUT=${1#*=}; shift ;;
        --mem) [ $# -ge 2 ] || die "--mem needs a value"; MEM=$2; shift 2 ;;
        --mem=*) MEM=${1#*=}; shift ;;
        --smp) [ $# -ge 2 ] || die "--smp needs a value"; SMP=$2; shift 2 ;;
        --smp=*) SMP=${1#*=}; shift ;;
        --modules) [ $# -ge 2 ] || die "--modules needs a value"; MODULES=$2; shift 2 ;;
        --modules=*) MODULES=${1#*=}; shift ;;
        --add-modules) [ $# -ge 2 ] || die "--add-modules needs a value"; ADD_MODULES="$ADD_MODULES $2"; shift 2 ;;
        --add-modules=*) ADD_MODULES="$ADD_MODULES ${1#*=}"; shift ;;
        --env) [ $# -ge 2 ] || die "--env needs a value"; ENVS+=("$2"); shift 2 ;;
        --env=*) ENVS+=("${1#*=}"); shift ;;
        --cwd) [ $# -ge 2 ] || die "--cwd needs a value"; CWD=$2; shift 2 ;;
        --cwd=*) CWD=${1#*=}; shift ;;
        --append) [ $# -ge 2 ] || die "--append needs a value"; APPEND_EXTRA="$APPEND_EXTRA $2"; shift 2 ;;
        --append=*) APPEND_EXTRA="$APPEND_EXTRA ${1#*=}"; shift ;;
        --log) [ $# -ge 2 ] || die "--log needs a value"; LOGFILE=$2; shift 2 ;;
        --log=*) LOGFILE=${1#*=}; shift ;;
        --quiet) QUIET=1; shift ;;
        --verbose) VERBOSE=1; shift ;;
        --keep) KEEP=1; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; break ;;
        -*) die "unknown option: $1 (see --help)" ;;
        *) break ;;
    esac
done
# files up to the next "--", then the command
while [ $# -gt 0 ] && [ "$1" != "--" ]; do FILES+=("$1"); shift; done
[ $# -gt 0 ] || die "missing '-- COMMAND...' (see --help)"
shift
[ $# -gt 0 ] || die "empty COMMAND (see --help)"
CMD=("$@")

case $TIMEOUT in ''|*[!0-9]*) die "--timeout must be a number of seconds" ;; esac
case $MEM in ''|*[!0-9]*) die "--mem must be MiB (a number)" ;; esac
case $SMP in ''|*[!0-9]*) die "--smp must be a number" ;; esac
for e in ${ENVS[@]+"${ENVS[@]}"}; do
    case $e in [A-Za-z_]*=*) ;; *) die "--env wants NAME=VALUE, got '$e'" ;; esac
done

# ---- kernel --------------------------------------------------------------
ENVF=$CACHE/kernel.env
if [ ! -f "$ENVF" ]; then
    log "kernel not fetched yet, running fetch-kernel.sh"
    FAKEDRI_VM_CACHE=$CACHE "$HERE/fetch-kernel.sh" >/dev/null || die "fetch-kernel.sh failed"
fi
# shellcheck disable=SC1090
. "$ENVF"
[ -f "$VMLINUZ" ] || die "missing $VMLINUZ (re-run fetch-kernel.sh --force)"
[ -f "$MODDIR/modules.dep" ] || die "missing $MODDIR/modules.dep (re-run fetch-kernel.sh --force)"
command -v "$QEMU" >/dev/null 2>&1 || die "$QEMU not found (run fetch-kernel.sh)"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found (apt-get install busybox-static)"
if ldd "$BUSYBOX" >/dev/null 2>&1; then
    die "$BUSYBOX is dynamically linked; install busybox-static"
fi
command -v cpio >/dev/null 2>&1 || die "cpio not found (run fetch-kernel.sh)"

# ---- staging -------------------------------------------------------------
mkdir -p "$CACHE/tmp"
WORK=$(mktemp -d "$CACHE/tmp/run.XXXXXX")
cleanup() {
    if [ "$KEEP" = 1 ]; then
        log "kept staging dir: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ROOT=$WORK/root
mkdir -p "$ROOT"
(
    cd "$ROOT"
    mkdir -p usr/bin usr/sbin usr/lib usr/lib64 usr/local/bin \
        proc sys dev tmp run etc/fakedri-vm root mnt opt var
    ln -s usr/bin bin; ln -s usr/sbin sbin; ln -s usr/lib lib; ln -s usr/lib64 lib64
    chmod 1777 tmp
)

# busybox + applet symlinks
cp "$BUSYBOX" "$ROOT/usr/bin/busybox"
"$BUSYBOX" --list-full | while read -r a; do
    [ "$a" = "bin/busybox" ] && continue
    case $a in usr/*) dst=$a ;; *) dst=usr/$a ;; esac
    mkdir -p "$ROOT/$(dirname "$dst")"
    [ -e "$ROOT/$dst" ] || ln -s /usr/bin/busybox "$ROOT/$dst"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$ROOT/etc/passwd"
echo "root:x:0:" > "$ROOT/etc/group"
: > "$ROOT/etc/fstab"

# copy SRC:DEST, collecting ELF files for ldd
ELFS=$WORK/elfs
: > "$ELFS"
is_elf() { [ -f "$1" ] && [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }
for spec in ${FILES[@]+"${FILES[@]}"}; do
    src=$spec; dest=""
    case $spec in *:*) src=${spec%%:*}; dest=${spec#*:} ;; esac
    [ -e "$src" ] || die "no such file or directory: $src"
    abs=$(realpath -s "$src")
    [ -n "$dest" ] || dest=$abs
    case $dest in /*) ;; *) dest=/$dest ;; esac
    case $dest in */) dest=$dest$(basename "$abs") ;; esac
    if [ -d "$src" ]; then
        mkdir -p "$ROOT$dest"
        cp -a "$src/." "$ROOT$dest/" || die "copy of $src failed"
        find "$ROOT$dest" -type f -print | while read -r f; do
            is_elf "$f" && printf '%s\n' "$f"
        done >> "$ELFS"
    else
        mkdir -p "$ROOT$(dirname "$dest")"
        rm -f "$ROOT$dest"
        cp -L --preserve=mode,timestamps "$src" "$ROOT$dest" || die "copy of $src failed"
        is_elf "$ROOT$dest" && printf '%s\n' "$ROOT$dest" >> "$ELFS"
    fi
done

# shared libraries of every copied ELF (closure: ldd already lists the
# transitive set)
LIBS=$WORK/libs
: > "$LIBS"
while read -r f; do
    [ -n "$f" ] || continue
    out=$(ldd "$f" 2>/dev/null) || continue
    printf '%s\n' "$out" | while read -r l; do
        case $l in
            *"=> not found"*) log "WARNING: $(basename "$f"): ${l%% *} not found on host" ;;
            *"=> /"*) p=${l#*=> }; printf '%s\n' "${p%% (*}" ;;
            /*) printf '%s\n' "${l%% (*}" ;;
        esac
    done >> "$LIBS"
done < "$ELFS"
sort -u "$LIBS" | while read -r lib; do
    [ -n "$lib" ] || continue
    [ -e "$ROOT$lib" ] && continue
    mkdir -p "$ROOT$(dirname "$lib")"
    cp -L "$lib" "$ROOT$lib" || die "copy of library $lib failed"
done

# kernel modules (with dependencies, in load order)
KVER_DIR=$ROOT/lib/modules/$KVER
mkdir -p "$KVER_DIR"
KROOT=${MODDIR%/lib/modules/*}
LOADLIST=$ROOT/etc/fakedri-vm/modules
: > "$LOADLIST"
# shellcheck disable=SC2001
for m in $(echo "$MODULES $ADD_MODULES" | tr ',' ' '); do
    deps=$(modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" 2>&1) \
        || die "module '$m' not found for $KVER: $deps"
    printf '%s\n' "$deps" | while read -r kind path _; do
        [ "$kind" = insmod ] || continue     # "builtin xxx" lines: nothing to load
        rel=${path#"$MODDIR"/}
        rel=${rel#./}
        case $rel in
            *.ko.xz) out=${rel%.xz}; dc="xz -dc" ;;
            *.ko.zst) out=${rel%.zst}; dc="zstd -dcq" ;;
            *.ko.gz) out=${rel%.gz}; dc="gzip -dc" ;;
            *) out=$rel; dc="cat" ;;
        esac
        if [ ! -f "$KVER_DIR/$out" ]; then
            mkdir -p "$KVER_DIR/$(dirname "$out")"
            $dc "$MODDIR/$rel" > "$KVER_DIR/$out" || die "cannot extract module $rel"
        fi
        grep -qxF "$out" "$LOADLIST" || printf '%s\n' "$out" >> "$LOADLIST"
    done
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
    [ -f "$MODDIR/$f" ] && cp "$MODDIR/$f" "$KVER_DIR/"
done
depmod -b "$ROOT" "$KVER" 2>/dev/null || depmod -b "$ROOT/usr" "$KVER" \
    || log "WARNING: depmod failed; modprobe inside the guest may not work"

# command script
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
    if [ ${#CMD[@]} -eq 1 ]; then
        printf '%s\n' "${CMD[0]}"
    else
        sep=""
        for a in "${CMD[@]}"; do printf '%s%s' "$sep" "$(q "$a")"; sep=" "; done
        printf '\n'
    fi
} > "$ROOT/etc/fakedri-vm/cmd"
{
    echo "export FAKEDRI_VM=1"
    echo "export FAKEDRI_VM_KVER=$(q "$KVER")"
    for e in ${ENVS[@]+"${ENVS[@]}"}; do
        echo "export ${e%%=*}=$(q "${e#*=}")"
    done
    echo "FAKEDRI_VM_CWD=$(q "$CWD")"
} > "$ROOT/etc/fakedri-vm/env"

cat > "$ROOT/init" <<'INIT'
#!/bin/sh
# /init of the fakedri VM harness initramfs (generated by run-in-vm.sh)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
exec </dev/null >/dev/console 2>&1
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
ip link set lo up 2>/dev/null
hostname fakedri-vm
KVER=$(uname -r)
while read -r m; do
    [ -n "$m" ] || continue
    if insmod "/lib/modules/$KVER/$m"; then
        echo "FAKEDRI-VM: insmod $m ok"
    else
        echo "FAKEDRI-VM: insmod $m FAILED"
    fi
done < /etc/fakedri-vm/modules
grep -q fusectl /proc/filesystems && mount -t fusectl fusectl /sys/fs/fuse/connections 2>/dev/null
# give udev-less devtmpfs a moment to create nodes of just-loaded drivers
mdev -s 2>/dev/null
. /etc/fakedri-vm/env
cd "$FAKEDRI_VM_CWD" || echo "FAKEDRI-VM: cannot cd to $FAKEDRI_VM_CWD"
echo "FAKEDRI-VM-START"
sh -c "$(cat /etc/fakedri-vm/cmd)"
rc=$?
cd /
sync
echo "FAKEDRI-VM-EXIT=$rc"
# let the serial driver drain before cutting the power
sleep 1
poweroff -f
while :; do sleep 1000; done
INIT
chmod 755 "$ROOT/init"

INITRD=$WORK/initrd.cpio.gz
(cd "$ROOT" && find . -mindepth 1 -print | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
    | gzip -1 > "$INITRD" || die "building the initramfs failed"

# ---- run -----------------------------------------------------------------
KAPPEND="console=ttyS0 panic=-1 oops=panic rdinit=/init mitigations=off nokaslr tsc=reliable"
[ "$VERBOSE" = 1 ] || KAPPEND="$KAPPEND quiet"
KAPPEND="$KAPPEND$APPEND_EXTRA"

CONSOLE=$WORK/console.log
[ "$KEEP" = 1 ] && log "initramfs: $INITRD ($(du -h "$INITRD" | cut -f1))"
START=$(date +%s.%N)
FIFO=$WORK/console.fifo
mkfifo "$FIFO"
# qemu runs under `timeout` in the background so that an INT/TERM of this
# script can stop it (timeout puts itself in its own process group).
timeout -k 10 "$TIMEOUT" "$QEMU" -accel tcg -cpu max -smp "$SMP" -m "$MEM" \
    -nodefaults -no-user-config -display none -no-reboot \
    -serial stdio -monitor none \
    -kernel "$VMLINUZ" -initrd "$INITRD" -append "$KAPPEND" \
    </dev/null >"$FIFO" 2>&1 &
TPID=$!
trap 'kill -TERM "$TPID" 2>/dev/null; echo "run-in-vm: interrupted" >&2; exit 130' INT TERM
if [ "$QUIET" = 1 ]; then
    sed -u 's/\r$//' <"$FIFO" >"$CONSOLE" &
else
    sed -u 's/\r$//' <"$FIFO" | tee "$CONSOLE" &
fi
RPID=$!
set +e
wait "$TPID"
QRC=$?
wait "$RPID"
set -e
trap 'exit 130' INT TERM
END=$(date +%s.%N)
ELAPSED=$(awk -v a="$START" -v b="$END" 'BEGIN{printf "%.1f", b-a}')
[ -n "$LOGFILE" ] && cp "$CONSOLE" "$LOGFILE"

MARK=$(grep -a '^FAKEDRI-VM-EXIT=[0-9]\{1,3\}$' "$CONSOLE" | tail -n 1 || true)
if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
    [ "$QUIET" = 1 ] && tail -n 40 "$CONSOLE" >&2
    echo "run-in-vm: ERROR: VM timed out after ${TIMEOUT}s (killed)${MARK:+; last marker: $MARK}" >&2
    exit $EX_TIMEOUT
fi
if [ -z "$MARK" ]; then
    [ "$QUIET" = 1 ] && tail -n 40 "$CONSOLE" >&2
    echo "run-in-vm: ERROR: VM stopped without printing FAKEDRI-VM-EXIT (qemu exit $QRC, ${ELAPSED}s)" >&2
    exit $EX_NOMARKER
fi
RC=${MARK#FAKEDRI-VM-EXIT=}
log "guest command exit status $RC (VM wall time ${ELAPSED}s)"
exit "$RC"
