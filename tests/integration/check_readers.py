#!/usr/bin/env python3
"""check_readers.py -- the two ways the core reads a capture must agree: a classic pcap file is
read in place (mapped), the same bytes on stdin go through libpcap. usbip-analyze's JSON report
(every count, time and status) must be identical but for the capture's name.

usage: check_readers.py USBIP_ANALYZE CAPTURE [ANALYZER_OPTION...]
"""
import json
import subprocess
import sys


def report(cmd, stdin=None):
    p = subprocess.run(cmd, stdin=stdin, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    doc = json.loads(p.stdout)
    doc.pop("capture")
    return doc


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    analyze, capture, opts = sys.argv[1], sys.argv[2], sys.argv[3:]
    in_place = report([analyze, "--json"] + opts + [capture])
    with open(capture, "rb") as f:
        piped = report([analyze, "--json"] + opts + ["-"], stdin=f)
    same = in_place == piped
    print(f"{capture}: file and stdin reports {'agree' if same else 'DIFFER'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
