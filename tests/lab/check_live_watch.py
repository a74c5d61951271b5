#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_live_watch.py -- what usbip-analyze -i reported live in the lab's guest
(scenarios/live-watch.sh) against what the real stack did:

- lo: the live report equals usbip-analyze's report of tcpdump's recording of the same session,
  but for the capture's name and the timestamps: each packet socket stamps a packet as it gets
  it (and tcpdump's file keeps microseconds), so under the emulated CPU the two captures' times
  of one packet differ by up to tenths of a millisecond: every count, byte, status and outcome
  equal, and what is computed from times (latencies, rates, time-weighted queue means) within
  2 ms or 2%.
- usbmon: the device on the vhci_hcd bus enumerated (configured) and moved the 1 MiB read in.
- the timed-out enumeration: the device never configured, its control requests unlinked after
  Linux's 5 s timeout, as the diagnosis says.
- every live analyzer stopped on SIGINT with exit 0 (nothing dropped, skipped or anomalous).

usage: check_live_watch.py USBIP_ANALYZE OUT_DIR
"""
import glob
import json
import os
import subprocess
import sys

TIME_TOLERANCE = 2e-3  # seconds
RELATIVE_TOLERANCE = 0.02


def same(a, b, path="$"):
    """The first difference between two JSON values (floats within the tolerance), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}: only in one"
            d = same(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} against {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            d = same(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    if isinstance(a, float) or isinstance(b, float):
        near = abs(a - b) <= TIME_TOLERANCE or abs(a - b) <= RELATIVE_TOLERANCE * max(abs(a), abs(b))
        return None if near else f"{path}: {a} against {b}"
    return None if a == b else f"{path}: {a!r} against {b!r}"


def main():
    analyze, out = sys.argv[1], sys.argv[2]
    errors = []
    for rc in glob.glob(os.path.join(out, "live-*.rc")):
        code = open(rc).read().strip()
        if code != "0":
            errors.append(f"{os.path.basename(rc)}: usbip-analyze -i exited {code}")
    live = json.load(open(os.path.join(out, "live-lo.json")))
    filed = json.loads(subprocess.run([analyze, "--json", os.path.join(out, "live-watch.pcap")],
                                      capture_output=True, text=True).stdout)
    for doc in (live, filed):
        doc.pop("capture", None)
    d = same(live, filed)
    if d:
        errors.append(f"lo: the live report differs from tcpdump's recording's at {d}")
    usbmon = json.load(open(os.path.join(out, "live-usbmon.json")))
    if not any(dev["enumeration"]["configured"] and dev["bytes_in"] >= 1048576 for dev in usbmon["devices"]):
        errors.append("usbmon: no device configured with 1 MiB read in")
    timeout = json.load(open(os.path.join(out, "live-timeout.json")))
    devs = timeout["devices"]
    if not devs or devs[0]["enumeration"]["configured"] or "5 s control timeout" not in devs[0]["enumeration"]["diagnosis"]:
        errors.append(f"timeout: {devs and devs[0]['enumeration']}")
    for e in errors:
        print("FAIL", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
