#!/bin/bash
# scripts/vm/fetch-kernel.sh -- owned by the VM test harness (scripts/vm/).
#
# Prepares everything the VM harness (run-in-vm.sh) needs on the host:
#   * installs (via apt-get, only if missing) qemu-system-x86, busybox-static,
#     cpio, kmod, xz-utils;
#   * downloads (apt-get download, never installed) the newest Debian
#     linux-image-6.1.0-*-amd64 package into the cache dir and extracts it
#     with dpkg -x.
#
# Cache dir: ${FAKEDRI_VM_CACHE:-$HOME/.cache/fakedri-vm}
# Result:    $CACHE/kernel/  (dpkg -x tree: boot/vmlinuz-*, lib/modules/<ver>/)
#            $CACHE/kernel.env  (KVER=..., VMLINUZ=..., MODDIR=..., PKG=...)
# Idempotent: if $CACHE/kernel.env exists and its files are present, nothing
# is done (pass --force to re-download / re-extract).
# Env: FAKEDRI_VM_KPKG=<package name> to pin a specific kernel package.
#      FAKEDRI_VM_SKIP=1: fetch and install nothing and fail, so the VM
#      tests (ctest -L vm) skip.
# The download is about 70 MB (nearly 500 MB unpacked); a line on stderr
# (and on the terminal, since ctest hides stderr) says so before it starts.
# Prints the path of kernel.env on stdout (last line).
set -eu

CACHE=${FAKEDRI_VM_CACHE:-$HOME/.cache/fakedri-vm}
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

log() { echo "fetch-kernel: $*" >&2; }

if [ -n "${FAKEDRI_VM_SKIP:-}" ] && [ "$FAKEDRI_VM_SKIP" != 0 ]; then
    log "FAKEDRI_VM_SKIP=$FAKEDRI_VM_SKIP: not fetching the VM's kernel (the VM tests skip)"
    exit 1
fi

# ctest runs VM tests in parallel: one fetch at a time per cache, the others
# wait for it and then find everything in place
mkdir -p "$CACHE"
if [ -z "${FAKEDRI_VM_FETCH_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
    export FAKEDRI_VM_FETCH_LOCKED=1
    exec flock "$CACHE/.fetch.lock" "$0" "$@"
fi

# ---- host tools ----------------------------------------------------------
need_pkgs=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || need_pkgs="$need_pkgs qemu-system-x86"
dpkg -s busybox-static >/dev/null 2>&1 || need_pkgs="$need_pkgs busybox-static"
command -v cpio >/dev/null 2>&1 || need_pkgs="$need_pkgs cpio"
command -v depmod >/dev/null 2>&1 || need_pkgs="$need_pkgs kmod"
command -v xz >/dev/null 2>&1 || need_pkgs="$need_pkgs xz-utils"
command -v gzip >/dev/null 2>&1 || need_pkgs="$need_pkgs gzip"
if [ -n "$need_pkgs" ]; then
    log "installing:$need_pkgs"
    export DEBIAN_FRONTEND=noninteractive
    mkdir -p "$CACHE"
    apt-get update -qq >"$CACHE/apt.log" 2>&1 || log "apt-get update failed (continuing)"
    # shellcheck disable=SC2086
    if ! apt-get install -y -qq --no-install-recommends $need_pkgs >>"$CACHE/apt.log" 2>&1; then
        tail -n 30 "$CACHE/apt.log" >&2
        log "ERROR: apt-get install failed (full log: $CACHE/apt.log)"
        exit 1
    fi
fi

# ---- kernel --------------------------------------------------------------
mkdir -p "$CACHE"
ENVF=$CACHE/kernel.env
if [ "$FORCE" = 0 ] && [ -f "$ENVF" ]; then
    # shellcheck disable=SC1090
    . "$ENVF"
    if [ -f "${VMLINUZ:-/nonexistent}" ] && [ -f "${MODDIR:-/nonexistent}/modules.dep" ]; then
        log "already extracted: $PKG ($KVER)"
        echo "$ENVF"
        exit 0
    fi
fi

if [ -n "${FAKEDRI_VM_KPKG:-}" ]; then
    cands=$FAKEDRI_VM_KPKG
else
    # Newest ABI number first; for each, the signed package then -unsigned
    # (both ship boot/vmlinuz-* and lib/modules/*).
    abis=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64(-unsigned)?$' \
        | awk '{print $1}' | sed -E 's/^linux-image-6\.1\.0-([0-9]+)-amd64.*/\1/' \
        | sort -n -u -r)
    if [ -z "$abis" ]; then
        log "no linux-image-6.1.0-*-amd64 package known to apt; trying apt-get update"
        apt-get update -qq >&2 || true
        abis=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64(-unsigned)?$' \
            | awk '{print $1}' | sed -E 's/^linux-image-6\.1\.0-([0-9]+)-amd64.*/\1/' \
            | sort -n -u -r)
    fi
    [ -n "$abis" ] || { log "ERROR: no linux-image-6.1.0-*-amd64 package available"; exit 1; }
    cands=""
    for n in $abis; do
        cands="$cands linux-image-6.1.0-$n-amd64 linux-image-6.1.0-$n-amd64-unsigned"
    done
fi

DL=$CACHE/debs
mkdir -p "$DL"
PKG=""
DEB=""
for p in $cands; do
    # skip names without an installable candidate
    cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/{print $2}')
    if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then continue; fi
    existing=$(ls "$DL"/"${p}"_*.deb 2>/dev/null | head -n1 || true)
    if [ -n "$existing" ] && [ "$FORCE" = 0 ]; then
        PKG=$p; DEB=$existing; break
    fi
    msg="downloading the Debian kernel package $p ($cand, about 70 MB, nearly 500 MB unpacked) into $CACHE for the VM tests; FAKEDRI_VM_SKIP=1 skips them"
    log "$msg"
    # callers (ctest) hide stderr: tell the user at the terminal too
    { [ -t 2 ] || echo "fetch-kernel: $msg" >/dev/tty; } 2>/dev/null || true
    if (cd "$DL" && apt-get -q -o APT::Sandbox::User=root download "$p" >&2); then
        DEB=$(ls "$DL"/"${p}"_*.deb | head -n1)
        PKG=$p
        break
    fi
    log "download of $p failed, trying next candidate"
done
[ -n "$PKG" ] || { log "ERROR: could not download any kernel package"; exit 1; }

# Sanity: the package must contain a vmlinuz and modules.
if ! dpkg-deb -c "$DEB" | grep '/boot/vmlinuz-' >/dev/null; then
    log "ERROR: $DEB has no /boot/vmlinuz"; exit 1
fi

KDIR=$CACHE/kernel
rm -rf "$KDIR.tmp"
mkdir -p "$KDIR.tmp"
log "extracting $DEB"
dpkg -x "$DEB" "$KDIR.tmp"
rm -rf "$KDIR"
mv "$KDIR.tmp" "$KDIR"

VMLINUZ=$(ls "$KDIR"/boot/vmlinuz-* | head -n1)
KVER=${VMLINUZ##*/vmlinuz-}
MODDIR=$KDIR/lib/modules/$KVER
[ -d "$MODDIR" ] || { log "ERROR: no module dir $MODDIR"; exit 1; }
if [ ! -f "$MODDIR/modules.dep" ]; then
    log "generating modules.dep"
    depmod -b "$KDIR" "$KVER"
fi

cat > "$ENVF" <<EOT
PKG='$PKG'
KVER='$KVER'
VMLINUZ='$VMLINUZ'
MODDIR='$MODDIR'
EOT
log "kernel ready: $PKG ($KVER)"
echo "$ENVF"
