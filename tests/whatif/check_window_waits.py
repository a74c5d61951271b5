#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_window_waits.py -- the what-if model counts the round trips TCP itself adds: each time the
server's answer filled the client's receive window and waited for its update (tshark marks the
segment tcp.analysis.window_full) costs one more round trip. usb-storage keeps one URB in flight,
so a storage capture's transfer is a serial chain: its round trips must be its URBs (the bulk IN
and OUT streams) plus tshark's window_full segments from the server. The expected count comes
from tshark, not from the analyzer.

usage: check_window_waits.py USBIP_ANALYZE STORAGE_CAPTURE
"""
import json
import subprocess
import sys

analyze, capture = sys.argv[1], sys.argv[2]
full = subprocess.run(["tshark", "-r", capture, "-Y", "tcp.analysis.window_full && tcp.srcport == 3240",
                       "-T", "fields", "-e", "frame.number"], capture_output=True, text=True, check=True)
waits = len(full.stdout.split())
p = subprocess.run([analyze, "--json", "--what-if", "100ms", capture], capture_output=True, text=True)
dev = json.loads(p.stdout)["what_if"]["devices"][0]
bulk = [s for s in dev["streams"] if s["type"] == "bulk"]
urbs = sum(s["urbs"] for s in bulk)
stream_in = max((s for s in bulk if s["direction"] == "in"), key=lambda s: s["bytes"])
got = stream_in["predictions"][0]["round_trips"]
errors = []
if waits < 1:
    errors.append(f"{capture}: tshark finds no window_full segment from the server: nothing to check")
if got != urbs + waits:
    errors.append(f"{capture}: {got} round trips modelled, expected {urbs} URBs + {waits} window waits")
for e in errors:
    print("FAIL", e)
if not errors:
    print(f"{capture}: {got} round trips = {urbs} URBs + {waits} receive-window waits (tshark)")
sys.exit(1 if errors else 0)
