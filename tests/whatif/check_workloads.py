#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_workloads.py -- the what-if model against the real stack on the lab's storage workloads
(tests/lab/scenarios/storage-workloads.sh): each workload ran at 0, 10, 20, 50, 100 and 200 ms
added delay and the guest timed it (workloads.txt: "workload delay_ms bytes elapsed_us"). From
the 0 ms capture and from the 100 ms capture of each workload, the model must predict every other
delay's measured time within 25%: the time of the transfer phase the workload's stream moved its
bytes in (from its first command to its last status, the host's gaps included) against the
program's own time. The throughput is the program's bytes over either time. Expected times come
only from workloads.txt.

Where the model answers with a range (TCP's slow start may end anywhere from HyStart's earliest
exit on; the capture does not say where), the row holds when the measured time lies within the
range widened by 25% on each side; such rows are counted apart from point predictions.

usage: check_workloads.py USBIP_ANALYZE DIR [WORKLOAD ...]
  DIR holds workloads.txt and WORKLOAD-0ms.pcap, WORKLOAD-100ms.pcap (captures/workloads/);
  the copy workload's two runs (copy-write, copy-read) come from copy-Nms.pcap.
"""

import json
import os
import subprocess
import sys

TOLERANCE = 0.25
RANGE_FROM = 1.05  # as usbip-analyze prints a range (whatif_report.c)
FROM = (0, 100)
# workload row -> (capture name, the stream it timed: direction of its bulk data)
STREAMS = {
    "read-direct-1m": ("read-direct-1m", "in"),
    "read-direct-4m": ("read-direct-4m", "in"),
    "read-256k": ("read-256k", "in"),
    "write-direct-1m": ("write-direct-1m", "out"),
    "copy-write": ("copy", "out"),
    "copy-read": ("copy", "in"),
    "lan-read-direct-1m": ("lan-read-direct-1m", "in"),
    "lan-write-direct-1m": ("lan-write-direct-1m", "out"),
}


def measured(path):
    """workload -> delay_ms -> (bytes, seconds)."""
    rows = {}
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) == 4 and fields[1].isdigit():
                rows.setdefault(fields[0], {})[int(fields[1])] = (int(fields[2]), int(fields[3]) / 1e6)
    return rows


def predicted(analyze, capture, direction, delays):
    """rtt_ms -> predicted seconds of the main bulk stream of that direction, and the stream."""
    arg = ",".join(str(d) for d in delays) + "ms"
    p = subprocess.run([analyze, "--json", "--what-if", arg, capture], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"usbip-analyze failed on {capture} ({p.returncode}): {p.stderr.strip()}")
    streams = [s for d in json.loads(p.stdout)["what_if"]["devices"] for s in d["streams"]
               if s["direction"] == direction and s["type"] == "bulk"]
    if not streams:
        sys.exit(f"{capture}: no bulk {direction.upper()} stream in the what-if model")
    main = max(streams, key=lambda s: s["bytes"])
    return {round(q["rtt"] * 1000): (q["duration"], q.get("duration_max", q["duration"]))
            for q in main["predictions"]}, main


def rate(bps):
    return f"{bps / 1e6:.2f} MB/s" if bps >= 1e6 else f"{bps / 1e3:.1f} kB/s"


def main():
    analyze, folder = sys.argv[1], sys.argv[2]
    wanted = sys.argv[3:] or list(STREAMS)
    truth = measured(os.path.join(folder, "workloads.txt"))
    failures = checked = ranges = 0
    for name in wanted:
        capture, direction = STREAMS[name]
        runs = truth.get(name)
        if not runs:
            sys.exit(f"workloads.txt has no {name} rows")
        for own in FROM:
            path = os.path.join(folder, f"{capture}-{own}ms.pcap")
            pred, stream = predicted(analyze, path, direction, sorted(runs))
            nbytes, own_s = runs[own]
            print(f"{name} from {capture}-{own}ms.pcap: the {direction.upper()} stream moved "
                  f"{stream['bytes']} bytes in {stream['urbs']} URBs, its phase "
                  f"{stream['captured_duration'] * 1e3:.1f} ms as captured; the program "
                  f"{nbytes} bytes in {own_s * 1e3:.1f} ms")
            print(f"  {'delay':>7} {'measured':>11} {'predicted':>11} {'measured':>12} "
                  f"{'predicted':>12} {'error':>7}")
            for d in sorted(runs):
                nbytes, seconds = runs[d]
                low, high = pred[d]
                is_range = high > low * RANGE_FROM
                err = seconds / low - 1  # throughput error: bytes/pred against bytes/measured
                is_checked = d != own
                if is_range:
                    bad = is_checked and not (low * (1 - TOLERANCE) <= seconds <= high * (1 + TOLERANCE))
                    ranges += is_checked
                else:
                    bad = is_checked and abs(err) > TOLERANCE
                checked += is_checked
                failures += bad
                note = "FAIL" if bad else "ok" if is_checked else "(own delay)"
                shown = f"{low * 1e3:>9.0f}ms" if not is_range else f"{low * 1e3:.0f}-{high * 1e3:.0f}ms"
                err_shown = f"{err:+7.1%}" if not is_range else "  range"
                print(f"  {d:>5}ms {seconds * 1e3:>9.0f}ms {shown:>11} "
                      f"{rate(nbytes / seconds):>12} {rate(nbytes / low):>12} {err_shown}  {note}")
    print(f"{failures} of {checked} predictions outside {TOLERANCE:.0%} "
          f"({ranges} of them ranges, checked against the range)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
