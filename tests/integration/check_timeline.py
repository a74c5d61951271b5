#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_timeline.py -- usbip-analyze --timeline must account for the same URBs and bytes as the
per-device report: the intervals' submits add up to the device's URBs and their bytes to the bytes
moved both ways, and every interval lies inside the capture. The timeline counts bytes when they
cross the wire, the report when their URB completes: the difference must be exactly the OUT data
of the URBs that were submitted and never completed (from the --urbs table).

usage: check_timeline.py USBIP_ANALYZE CAPTURE [ANALYZER_OPTION...]
"""
import collections
import csv
import io
import json
import subprocess
import sys

analyze, capture, opts = sys.argv[1], sys.argv[2], sys.argv[3:]
p = subprocess.run([analyze, "--json", "--timeline", "--interval", "0.1"] + opts + [capture],
                   capture_output=True, text=True)
if p.returncode not in (0, 1):
    sys.exit(f"usbip-analyze failed ({p.returncode}): {p.stderr.strip()}")
doc = json.loads(p.stdout)
span = doc["last_time"] - doc["first_time"]
urbs = subprocess.run([analyze, "--urbs", "-"] + opts + [capture], capture_output=True, text=True).stdout
unanswered_out = collections.Counter()
for r in csv.DictReader(io.StringIO(urbs)):
    if r["direction"] == "out" and r["submit_time"] and not r["complete_time"]:
        unanswered_out[(int(r["connection"]), int(r["devid"]))] += int(r["transfer_buffer_length"])
errors = [] if doc["devices"] else ["no USB/IP device found: nothing to check"]
for dev in doc["devices"]:
    rows = [r for r in doc["timeline"] if r["connection"] == dev["connection"] and r["devid"] == dev["devid"]]
    submits = sum(r["submits"] for r in rows)
    moved = sum(r["bytes"] for r in rows)
    if submits != dev["urbs"]:
        errors.append(f"device {dev['devid']}: timeline submits {submits} != report URBs {dev['urbs']}")
    want = dev["bytes_in"] + dev["bytes_out"] + unanswered_out[(dev["connection"], dev["devid"])]
    if moved != want:
        errors.append(f"device {dev['devid']}: timeline bytes {moved} != report {want} (in + out + OUT data never answered)")
    if any(r["time"] < 0 or r["time"] > span + 0.1 for r in rows):
        errors.append(f"device {dev['devid']}: an interval lies outside the capture")
for e in errors:
    print("DIFF", e)
print(f"{capture}: {len(doc['timeline'])} timeline rows, {len(errors)} differences")
sys.exit(1 if errors else 0)
