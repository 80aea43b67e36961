# tests/conformance/vm-common.sh - shared by run-vgem.sh and run-cuse.sh
# (sourced, not run): getting the VM ready, and getting a transcript back
# through the serial console intact.
#
# The guest writes its transcript to a file, then prints it with a "T:"
# prefix and its md5sum (GUEST_PRINT below), so kernel console messages
# cannot corrupt it unnoticed.

# shellcheck disable=SC2016
GUEST_PRINT='echo CONFORMANCE-MD5=$(md5sum < /tmp/t.txt | cut -d" " -f1)
sed "s/^/T:/" /tmp/t.txt'

# vm_ready NAME: exits 77 (ctest skip) if qemu or the 6.1 kernel are
# missing and cannot be fetched. Sets CACHE and W (a work dir removed at
# exit).
vm_ready() {
    CACHE=${FAKEDRI_VM_CACHE:-$HOME/.cache/fakedri-vm}
    export FAKEDRI_VM_CACHE=$CACHE
    if [ -n "${FAKEDRI_VM_SKIP:-}" ] && [ "$FAKEDRI_VM_SKIP" != 0 ]; then
        echo "$1: FAKEDRI_VM_SKIP=$FAKEDRI_VM_SKIP: skipped"
        exit 77
    fi
    if ! command -v "${FAKEDRI_VM_QEMU:-qemu-system-x86_64}" >/dev/null 2>&1 \
        || [ ! -f "$CACHE/kernel.env" ]; then
        # fetch-kernel.sh installs qemu and fetches the kernel; without
        # network or apt this fails: skip then
        if ! "$TOP/scripts/vm/fetch-kernel.sh" >/dev/null 2>&1; then
            echo "$1: qemu or the 6.1 kernel are missing and cannot be fetched: skipped"
            exit 77
        fi
    fi
    mkdir -p "$CACHE/tmp"
    W=$(mktemp -d "$CACHE/tmp/$1.XXXXXX")
    trap 'rm -rf "$W"' EXIT
}

# vm_transcript NAME RC: after run-in-vm.sh returned RC with its console in
# $W/console.log, writes the checked transcript to $W/t.txt or exits 1.
vm_transcript() {
    if [ "$2" != 0 ]; then
        echo "$1: the VM run failed (status $2)" >&2
        tail -n 30 "$W/console.log" >&2 || true
        exit 1
    fi
    sed -n 's/^T://p' "$W/console.log" > "$W/t.txt"
    want=$(sed -n 's/^CONFORMANCE-MD5=//p' "$W/console.log" | tail -n 1)
    got=$(md5sum < "$W/t.txt" | cut -d' ' -f1)
    if [ -z "$want" ] || [ "$want" != "$got" ]; then
        echo "$1: transcript corrupted on the console (md5 $got, guest said $want)" >&2
        grep -v '^T:' "$W/console.log" | tail -n 20 >&2
        exit 1
    fi
}
