#!/usr/bin/env python3
"""tests/conformance/compare.py - compare a conformance transcript with the
reference (the kernel's vgem), case by case.

Usage: compare.py [--deltas FILE] [--quiet] REFERENCE TARGET

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
"""
import argparse
import fnmatch
import sys
from collections import OrderedDict


def load(path):
    cases = OrderedDict()
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            name = line.split(" | ", 1)[0]
            cases.setdefault(name, []).append(line)
    return cases


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
    ap.add_argument("reference")
    ap.add_argument("target")
    args = ap.parse_args()
    ref = load(args.reference)
    tgt = load(args.target)
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
    print(f"{len(names)} cases: {passed} identical, {ndelta} listed deltas, "
          f"{failed} unlisted divergences")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
