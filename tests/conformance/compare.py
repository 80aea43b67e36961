#!/usr/bin/env python3
"""tests/conformance/compare.py - compare a conformance transcript with the
reference (the kernel's vgem), case by case.

Usage: compare.py [--deltas FILE] [--quiet] [--kernel-check] REFERENCE TARGET

A transcript line is "<case> | <step> | <result> [| <fields>]"; a case is
the ordered list of its lines.  Each case present in either transcript is
  PASS   identical in both,
  DELTA  different, but listed in the deltas file (reason printed),
  FAIL   different and not listed (also: missing from one transcript).
The deltas file has one "<case-pattern> <reason...>" per line (fnmatch
patterns, '#' comments).  A listed case that now passes is reported as
"PASS (stale delta)".
Prints the table, the differing lines of every DELTA/FAIL case (for DELTA
only without --quiet), then a final line "N passed, M failed" where N
counts identical cases and M unlisted divergences.  Exit status 1 if M > 0.

Lines "# key: value" are not steps but facts about the transcript: the
kernel's run-vgem.sh records "# kernel: <uname -r> <uname -v>", printed
for both sides.  --kernel-check (kernel against kernel, run-vgem.sh
--compare): when cases differ, a summary says the VM's kernel behaves
otherwise than the one the reference was recorded on, names each case with
its expected and observed lines, both kernels, and what to do.
"""
import argparse
import fnmatch
import sys
from collections import OrderedDict


def load(path):
    cases = OrderedDict()
    meta = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.startswith("#"):
                key, _, value = line[1:].partition(":")
                meta[key.strip()] = value.strip()
                continue
            name = line.split(" | ", 1)[0]
            cases.setdefault(name, []).append(line)
    return cases, meta


def load_deltas(path):
    deltas = []
    if not path:
        return deltas
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            deltas.append((parts[0], parts[1] if len(parts) > 1 else "(no reason given)"))
    return deltas


def delta_for(name, deltas):
    for pat, reason in deltas:
        if fnmatch.fnmatchcase(name, pat):
            return reason
    return None


def diff_lines(ref, tgt):
    out = []
    n = max(len(ref), len(tgt))
    for i in range(n):
        r = ref[i] if i < len(ref) else "(missing)"
        t = tgt[i] if i < len(tgt) else "(missing)"
        if r != t:
            out.append("      ref: " + r)
            out.append("      got: " + t)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deltas")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--kernel-check", action="store_true")
    ap.add_argument("reference")
    ap.add_argument("target")
    args = ap.parse_args()
    ref, ref_meta = load(args.reference)
    tgt, tgt_meta = load(args.target)
    unknown = "(not recorded)"
    ref_kernel = ref_meta.get("kernel", unknown)
    tgt_kernel = tgt_meta.get("kernel", unknown)
    if "kernel" in ref_meta or "kernel" in tgt_meta:
        print(f"reference kernel: {ref_kernel}")
        print(f"target kernel:    {tgt_kernel}")
    deltas = load_deltas(args.deltas)
    names = list(ref.keys()) + [n for n in tgt if n not in ref]
    passed = failed = ndelta = 0
    width = max((len(n) for n in names), default=10)
    details = []
    for name in names:
        r, t = ref.get(name), tgt.get(name)
        reason = delta_for(name, deltas)
        if r is not None and r == t:
            passed += 1
            status = "PASS (stale delta)" if reason else "PASS"
            print(f"{name:<{width}}  {status}")
            continue
        if r is None or t is None:
            what = "missing from the target" if t is None else "not in the reference"
            lines = [f"      {what}"]
        else:
            lines = diff_lines(r, t)
        if reason:
            ndelta += 1
            print(f"{name:<{width}}  DELTA  {reason}")
            if not args.quiet:
                details.append((name, "DELTA", lines))
        else:
            failed += 1
            print(f"{name:<{width}}  FAIL")
            details.append((name, "FAIL", lines))
    for name, status, lines in details:
        print(f"--- {status} {name}")
        for line in lines:
            print(line)
    failures = [d for d in details if d[1] == "FAIL"]
    if args.kernel_check and failures:
        same = "the same kernel build" if ref_kernel == tgt_kernel else "another kernel"
        print(f"=== vgem behaves otherwise than when {args.reference} was recorded:")
        print(f"    {len(failures)} case(s) changed")
        print(f"    recorded on: {ref_kernel}")
        print(f"    this run:    {tgt_kernel} ({same})")
        for name, _, lines in failures:
            print(f"  case {name}:")
            for line in lines:
                print(line.replace("      ref: ", "    expected: ").replace("      got: ", "    observed: "))
        print("    If the kernel changed vgem's behaviour on purpose, regenerate the reference")
        print("    (tests/conformance/run-vgem.sh), review its diff, and check fakedri against it")
        print("    (ctest -R conformance.shim_vs_vgem); FAKEDRI_VM_KPKG=PACKAGE pins the VM's kernel")
        print("    (scripts/vm/fetch-kernel.sh --force) while the archive still has it.")
    print(f"{len(names)} cases: {passed} identical, {ndelta} listed deltas, "
          f"{failed} unlisted divergences")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
