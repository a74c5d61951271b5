#!/usr/bin/env python3
"""check_timeline.py -- usbip-analyze --timeline must account for the same URBs and bytes as the
per-device report: the intervals' submits add up to the device's URBs and their bytes to the bytes
moved both ways, and every interval lies inside the capture.

usage: check_timeline.py USBIP_ANALYZE CAPTURE
"""
import json
import subprocess
import sys

analyze, capture = sys.argv[1], sys.argv[2]
p = subprocess.run([analyze, "--json", "--timeline", "--interval", "0.1", capture],
                   capture_output=True, text=True)
if p.returncode not in (0, 1):
    sys.exit(f"usbip-analyze failed ({p.returncode}): {p.stderr.strip()}")
doc = json.loads(p.stdout)
span = doc["last_time"] - doc["first_time"]
errors = []
for dev in doc["devices"]:
    rows = [r for r in doc["timeline"] if r["connection"] == dev["connection"] and r["devid"] == dev["devid"]]
    submits = sum(r["submits"] for r in rows)
    moved = sum(r["bytes"] for r in rows)
    if submits != dev["urbs"]:
        errors.append(f"device {dev['devid']}: timeline submits {submits} != report URBs {dev['urbs']}")
    if moved != dev["bytes_in"] + dev["bytes_out"]:
        errors.append(f"device {dev['devid']}: timeline bytes {moved} != report {dev['bytes_in'] + dev['bytes_out']}")
    if any(r["time"] < 0 or r["time"] > span + 0.1 for r in rows):
        errors.append(f"device {dev['devid']}: an interval lies outside the capture")
for e in errors:
    print("DIFF", e)
print(f"{capture}: {len(doc['timeline'])} timeline rows, {len(errors)} differences")
sys.exit(1 if errors else 0)
