#!/usr/bin/env python3
"""test_faults_doc.py - runs the examples of docs/faults.md and checks the
output they claim, so the cookbook stays true.

An example is a ```console block preceded by a line <!-- example: NAME -->
or <!-- example: NAME needs: PROGRAM... --> (skipped, exit 77, when one of
those programs is not installed).
In it, lines starting with "$ " are commands (a trailing backslash
continues one); the lines after a command, up to the next one, are output it
must print (stdout and stderr together, any order): each must match a whole
line of the output, with "..." matching any text. A last line "[exit N]"
means the command must exit with N instead of 0. The commands of one
example run one after another with `sh -c` in a fresh directory, with the
build's fakedri and fakedri-example-pipeline first in PATH.

usage: test_faults_doc.py DOC BINDIR EXAMPLE_DIR NAME
       test_faults_doc.py DOC --check-named   every console block has a name
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

TIMEOUT = 60


def blocks(doc):
    """(name or None, needs, lines) of each ```console block."""
    out, name, needs, cur = [], None, [], None
    for line in open(doc, encoding="utf-8").read().splitlines():
        m = re.match(r"<!-- example: ([a-z0-9_]+)(?: needs: ([A-Za-z0-9_ .-]+))? -->\s*$", line)
        if cur is None and m:
            name = m.group(1)
            needs = (m.group(2) or "").split()
        elif cur is None and line.strip() == "```console":
            cur = []
        elif cur is not None and line.strip() == "```":
            out.append((name, needs, cur))
            name, needs, cur = None, [], None
        elif cur is not None:
            cur.append(line)
        elif line.strip():
            name = None
    return out


def steps(lines):
    """(command, expected lines, exit status) of a block."""
    res, i = [], 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            raise SystemExit(f"output before any command: {lines[i]!r}")
        cmd = lines[i][2:]
        while cmd.endswith("\\") and i + 1 < len(lines):
            i += 1
            cmd = cmd + "\n" + lines[i]
        i += 1
        want, status = [], 0
        while i < len(lines) and not lines[i].startswith("$ "):
            m = re.fullmatch(r"\[exit (\d+)\]", lines[i].strip())
            if m:
                status = int(m.group(1))
            elif lines[i].strip():
                want.append(lines[i])
            i += 1
        res.append((cmd, want, status))
    return res


def pattern(line):
    return re.compile("".join(".*" if p == "..." else re.escape(p)
                              for p in re.split(r"(\.\.\.)", line)))


def run(doc, bindir, exdir, name):
    found = [(needs, b) for n, needs, b in blocks(doc) if n == name]
    if len(found) != 1:
        raise SystemExit(f"{len(found)} examples named {name}")
    env = dict(os.environ)
    env["PATH"] = f"{bindir}:{exdir}:{env.get('PATH', '')}"
    env.pop("FAKEDRI_FAULTS", None)
    needs, lines = found[0]
    plan = steps(lines)
    for prog in needs:
        if not shutil.which(prog, path=env["PATH"]):
            print(f"{name}: {prog} is not installed: skipped")
            return 77
    with tempfile.TemporaryDirectory() as tmp:
        for cmd, want, status in plan:
            p = subprocess.run(["sh", "-c", cmd], cwd=tmp, env=env, timeout=TIMEOUT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            got = p.stdout.splitlines()
            bad = [w for w in want if not any(pattern(w).fullmatch(g) for g in got)]
            if p.returncode != status or bad:
                print(f"{name}: $ {cmd}\n  exit status {p.returncode}, want {status}")
                for w in bad:
                    print(f"  missing: {w}")
                print("  output:\n" + "".join(f"  | {g}\n" for g in got))
                return 1
    print(f"{name}: {len(plan)} commands as documented")
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[2] == "--check-named":
        unnamed = [b[0] if b else "" for n, _, b in blocks(sys.argv[1]) if not n]
        for first in unnamed:
            print(f"a console block without <!-- example: NAME --> starts {first!r}")
        return 1 if unnamed else 0
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    return run(*sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
