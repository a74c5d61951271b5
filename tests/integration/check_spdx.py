#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_spdx.py -- every source file of the project carries the license's SPDX line
(GPL-2.0-or-later, as the Wireshark plugin links libwireshark) in its first lines.

usage: check_spdx.py SOURCE_DIR
"""
import os
import sys

LINE = "SPDX-License-Identifier: GPL-2.0-or-later"
SKIP_DIRS = {".git", "captures", "docs"}
SCRIPTS = {os.path.join("tests", "lab", "lab"), os.path.join("tests", "lab", "guest", "init"),
           os.path.join(".ci", "run")}


def is_source(rel):
    name = os.path.basename(rel)
    return name.endswith((".c", ".h", ".py", ".sh")) or name == "CMakeLists.txt" or rel in SCRIPTS


def main():
    top = os.path.abspath(sys.argv[1])
    missing, checked = [], 0
    for d, dirs, files in os.walk(top):
        dirs[:] = [x for x in dirs if x not in SKIP_DIRS and not x.startswith("build")]
        for f in files:
            rel = os.path.relpath(os.path.join(d, f), top)
            if not is_source(rel):
                continue
            checked += 1
            with open(os.path.join(top, rel), errors="replace") as fh:
                head = "".join(fh.readline() for _ in range(3))
            if LINE not in head:
                missing.append(rel)
    for rel in missing:
        print(f"FAIL: no SPDX line in {rel}")
    print(f"{checked - len(missing)} of {checked} source files carry the SPDX line")
    return 1 if missing or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
