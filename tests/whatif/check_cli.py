#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_cli.py -- usbip-analyze --what-if: malformed delay lists and --tcp settings are usage
errors (exit 2, one line on stderr); the text report gains a table in the seed's form and the
JSON a "what_if" key with the documented fields (a prediction's range, the TCP inputs and where
each came from; --tcp's values show as the user's); without --what-if the JSON is exactly what
it was.

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

for bad in ["", "mss", "mss=", "mss=-1", "mss=63", "mss=65536", "rmem=100", "window=5", "mss=1448,,rmem=8192",
            "slow-start-end=0", "mss=1x"]:
    p = run("--tcp", bad, "--what-if", "100ms", capture)
    lines = p.stderr.strip().splitlines()
    if p.returncode != 2 or len(lines) != 1 or not lines[0].startswith("usbip-analyze: --tcp"):
        errors.append(f"--tcp '{bad}': exit {p.returncode}, stderr {p.stderr.strip()!r}")

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
        tcp = dev.get("tcp", {})
        for key in ("windows_captured", "syns", "mss_to_server", "mss_to_client", "mss_from", "first_window_from",
                    "rmem_max", "rmem_max_from", "initial_segments", "slow_start_end_from"):
            if key not in tcp:
                errors.append(f"what_if device's tcp without {key}")
        for s in dev["streams"]:
            for q in s["predictions"]:
                if q["duration_max"] < q["duration"]:
                    errors.append(f"ep {s['ep']} {s['direction']}: range {q['duration']}..{q['duration_max']}")
            rates = [q["throughput_Bps"] for q in s["predictions"]]
            if any(b > a * 1.0001 for a, b in zip(rates, rates[1:])):
                errors.append(f"ep {s['ep']} {s['direction']}: throughput rises with the round trip: {rates}")
user = json.loads(run("--json", "--tcp", "mss=1448,rmem=8388608,slow-start-end=81920", "--what-if", "100ms",
                     capture).stdout)["what_if"]["devices"]
for dev in user:
    t = dev["tcp"]
    got = (t["mss_to_server"], t["mss_from"], t["rmem_max"], t["rmem_max_from"], t["slow_start_end"],
           t["slow_start_end_from"])
    if got != (1448, "user", 8388608, "user", 81920, "user"):
        errors.append(f"--tcp not in the JSON's tcp: {got}")
    for s in dev["streams"]:
        if any(q["duration_max"] != q["duration"] for q in s["predictions"]):
            errors.append("a range although slow-start-end was given")
for e in errors:
    print("FAIL", e)
print(f"{capture}: {len(errors)} problem(s)")
sys.exit(1 if errors else 0)
