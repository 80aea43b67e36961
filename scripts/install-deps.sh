#!/bin/sh
# install-deps.sh - installs what fakedri needs to build, test and run its
# main job on Debian 12: the toolchain, the libraries the design names
# (libevent, libdrm, cmocka, libfuse3), and the real clients the tests run
# (drmdevice from libdrm-tests, drm_info from drm-info, Mesa's GBM/EGL
# with the kms_swrast driver, and IGT's vgem_mmap from intel-gpu-tools),
# python3 for the conformance comparison, and qemu with busybox for the VM
# tests (the VM's kernel is fetched by scripts/vm/fetch-kernel.sh), and
# IGT's build dependencies for scripts/igt.sh (`--no-igt` leaves those out),
# and with `--fuzz` clang for the libFuzzer builds (scripts/fuzz.sh), and
# scdoc, which builds the man pages fakedri(1) and fakedrid(8) (docs/man),
# and udev and systemd for the tools tests run: udevadm (libudev under the
# shim, the udev rule in contrib/) and systemd-analyze (the unit there);
# nothing is started.
# Uses sudo when not root. Idempotent.
set -eu

# What building IGT from source needs (shared/igt/README.md); scripts/igt.sh
# and its ctest test igt.check skip (77) without them.
igt_pkgs="meson ninja-build flex bison libpciaccess-dev libkmod-dev libproc2-dev libdw-dev
      zlib1g-dev liblzma-dev libcairo2-dev libpixman-1-dev libudev-dev libglib2.0-dev
      libunwind-dev libjson-c-dev"
fuzz_pkgs=""
for arg in "$@"; do
	case $arg in
	--no-igt) igt_pkgs="" ;;
	--fuzz) fuzz_pkgs="clang" ;;
	*)
		echo "usage: scripts/install-deps.sh [--no-igt] [--fuzz]" >&2
		exit 2
		;;
	esac
done

pkgs="build-essential cmake pkg-config libdrm-dev libevent-dev libcmocka-dev libfuse3-dev libudev-dev
      scdoc udev systemd
      libdrm-tests drm-info
      libgbm-dev libegl-dev libgles-dev libgl1-mesa-dri libegl-mesa0
      intel-gpu-tools python3
      qemu-system-x86 busybox-static cpio kmod
      $igt_pkgs $fuzz_pkgs"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
