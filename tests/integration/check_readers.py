#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_readers.py -- the ways the core reads a capture must agree: a classic pcap file is read
in place (mapped), the same bytes on stdin go through libpcap, and the same capture written as
pcapng by Wireshark's editcap goes through the core's pcapng reader. usbip-analyze's JSON report
(every count, time and status) must be identical but for the capture's name and the pcapng
reader's block counts.

usage: check_readers.py USBIP_ANALYZE CAPTURE [ANALYZER_OPTION...]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile


def report(cmd, stdin=None):
    p = subprocess.run(cmd, stdin=stdin, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    doc = json.loads(p.stdout)
    doc.pop("capture")
    doc["accounting"].pop("pcapng", None)
    return doc


def as_pcapng(analyze, capture, opts):
    """The report of the capture converted to pcapng by editcap (None without editcap)."""
    editcap = shutil.which("editcap")
    if not editcap:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "converted.pcapng")
        subprocess.run([editcap, "-F", "pcapng", capture, path], check=True)
        return report([analyze, "--json"] + opts + [path])


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    analyze, capture, opts = sys.argv[1], sys.argv[2], sys.argv[3:]
    in_place = report([analyze, "--json"] + opts + [capture])
    with open(capture, "rb") as f:
        piped = report([analyze, "--json"] + opts + ["-"], stdin=f)
    same = in_place == piped
    print(f"{capture}: file and stdin reports {'agree' if same else 'DIFFER'}")
    ng = as_pcapng(analyze, capture, opts)
    if ng is not None:
        print(f"{capture}: as pcapng (editcap), the report {'agrees' if ng == in_place else 'DIFFERS'}")
        same = same and ng == in_place
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
