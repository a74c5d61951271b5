#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_golden.py -- usbip-analyze's JSON summary of a real capture must equal the reviewed one
committed in tests/golden/NAME.json (every count, length, status, latency and diagnosis), so that
any change in what the analyzer reports about a real session is seen and reviewed.

usage: check_golden.py [--update] USBIP_ANALYZE CAPTURE GOLDEN_JSON [ANALYZER_OPTION...]
       (--update writes GOLDEN_JSON instead of comparing: review the diff before committing it)

The capture's path is left out of the comparison: it depends on where the checkout is.
"""
import json
import subprocess
import sys


def summary(analyze, capture, opts):
    p = subprocess.run([analyze, "--json"] + opts + [capture], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"usbip-analyze --json {capture} exited {p.returncode}: {p.stderr.strip()}")
    doc = json.loads(p.stdout)
    doc.pop("capture", None)
    return doc


def differences(want, got, path="$"):
    """Paths where two JSON values differ, first ones first."""
    if type(want) is not type(got):
        return [f"{path}: {want!r} != {got!r}"]
    if isinstance(want, dict):
        out = []
        for k in sorted(set(want) | set(got)):
            if k not in got or k not in want:
                out.append(f"{path}.{k}: {'missing' if k not in got else 'unexpected'}")
            else:
                out += differences(want[k], got[k], f"{path}.{k}")
        return out
    if isinstance(want, list):
        if len(want) != len(got):
            return [f"{path}: {len(want)} items != {len(got)}"]
        return [d for i, (a, b) in enumerate(zip(want, got)) for d in differences(a, b, f"{path}[{i}]")]
    return [] if want == got else [f"{path}: {want!r} != {got!r}"]


def main():
    args = sys.argv[1:]
    update = args[:1] == ["--update"]
    if update:
        args = args[1:]
    if len(args) < 3:
        sys.exit(__doc__.strip().splitlines()[4])
    analyze, capture, golden, opts = args[0], args[1], args[2], args[3:]
    got = summary(analyze, capture, opts)
    if update:
        with open(golden, "w") as f:
            json.dump(got, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"wrote {golden}")
        return 0
    with open(golden) as f:
        want = json.load(f)
    diffs = differences(want, got)
    for d in diffs[:20]:
        print("DIFF", d)
    print(f"{capture}: {len(diffs)} differences from {golden}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
