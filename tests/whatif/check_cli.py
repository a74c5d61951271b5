#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_cli.py -- usbip-analyze --what-if: malformed delay lists are usage errors (exit 2, one
line on stderr); the text report gains a table in the seed's form and the JSON a "what_if" key
with the documented fields; without --what-if the JSON is exactly what it was.

usage: check_cli.py USBIP_ANALYZE CAPTURE
"""
import json
import re
import subprocess
import sys

analyze, capture = sys.argv[1], sys.argv[2]
errors = []


def run(*args):
    return subprocess.run([analyze, *args], capture_output=True, text=True)


for bad in ["", "10,,20", "fast", "-5ms", "10min", "61s", ",".join(["1"] * 33)]:
    p = run("--what-if", bad, capture)
    lines = p.stderr.strip().splitlines()
    if p.returncode != 2 or len(lines) != 1 or not lines[0].startswith("usbip-analyze: --what-if"):
        errors.append(f"--what-if '{bad[:20]}': exit {p.returncode}, stderr {p.stderr.strip()!r}")

delays = "0,10,20,50,100,200,500,1000ms"
text = run("--what-if", delays, capture)
rows = re.findall(r"^\s+(\d+)ms : (\d[\d.]* [kM]B/s)", text.stdout, re.M)
if len(rows) < 8 or [r[0] for r in rows[:8]] != ["0", "10", "20", "50", "100", "200", "500", "1000"]:
    errors.append(f"text: no table in the seed's form: {rows[:8]}")
if not re.search(r"each 1 MiB read costs [\d.]+ serial round trips; at 100 ms that alone caps it near", text.stdout):
    errors.append("text: no plain-words explanation")

plain = run("--json", capture)
with_whatif = run("--json", "--what-if", delays, capture)
if plain.returncode != with_whatif.returncode:
    errors.append(f"exit code changed with --what-if: {plain.returncode} -> {with_whatif.returncode}")
doc, doc_w = json.loads(plain.stdout), json.loads(with_whatif.stdout)
what_if = doc_w.pop("what_if", None)
if "what_if" in doc:
    errors.append("JSON without --what-if has a what_if key")
if doc != doc_w:
    errors.append("--what-if changed the rest of the JSON document")
if what_if is None:
    errors.append("JSON with --what-if has no what_if key")
else:
    if len(what_if["rtts"]) != 8 or what_if["rtts"][4] != 0.1:
        errors.append(f"what_if.rtts: {what_if['rtts']}")
    for dev in what_if["devices"]:
        for key in ("connection", "devid", "urbs", "base_rtt", "predictions", "streams", "explanation"):
            if key not in dev:
                errors.append(f"what_if device without {key}")
        for pred in dev["predictions"]:
            total = pred["network"] + pred["device"] + pred["host"]
            if abs(total - pred["duration"]) > 1e-6 + 1e-6 * pred["duration"]:
                errors.append(f"rtt {pred['rtt']}: network+device+host {total} != duration {pred['duration']}")
        for s in dev["streams"]:
            rates = [q["throughput_Bps"] for q in s["predictions"]]
            if any(b > a * 1.0001 for a, b in zip(rates, rates[1:])):
                errors.append(f"ep {s['ep']} {s['direction']}: throughput rises with the round trip: {rates}")
for e in errors:
    print("FAIL", e)
print(f"{capture}: {len(errors)} problem(s)")
sys.exit(1 if errors else 0)
