#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_window_waits.py -- TCP's receive-window waits, against tshark: the accounting counts each
time the server's bytes filled the client's receive window and waited for its update exactly as
tshark marks window_full segments from the server; and the what-if model, which plays the
receive window from the SYNs (whatif_tcp.c) and is told nothing of these waits, predicts them at
100 ms: usb-storage keeps one URB in flight, so the transfer is a serial chain whose round trips
are its URBs (the bulk IN and OUT streams) plus one per wait, less the moment a window's bytes
took to send (at most a tenth of a round trip each). The expected count comes from tshark, not
from the analyzer.

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
counted = json.loads(p.stdout)["accounting"]["window_waits"]
errors = []
if counted != {"server": waits, "client": 0}:
    errors.append(f"{capture}: accounting window_waits {counted}, tshark finds {waits} from the server")
if waits < 1:
    errors.append(f"{capture}: tshark finds no window_full segment from the server: nothing to check")
if not urbs + waits - 0.1 * waits <= got <= urbs + waits:
    errors.append(f"{capture}: {got} round trips modelled, expected {urbs} URBs + {waits} window waits")
for e in errors:
    print("FAIL", e)
if not errors:
    print(f"{capture}: {got} round trips = {urbs} URBs + {waits} receive-window waits (tshark)")
sys.exit(1 if errors else 0)
