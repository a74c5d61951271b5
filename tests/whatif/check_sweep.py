#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_sweep.py -- the what-if model against the real stack: the lab's storage sweep timed the
same 2 MiB `dd` read at each added delay (captures/sweep.txt, in the guest); from the 0 ms capture
alone every other delay's predicted throughput must be within 25% of the measured one, and from the
100 ms capture the 0 ms and 20 ms predictions too. Expected times come only from
sweep.txt.

The model predicts the USB/IP stream: the bytes the device moved for the read, which are the read's
2 MiB plus the kernel's readahead (2293981 bytes in every capture of the sweep: the same dd over
the same disk). So the measured throughput it is held to is those bytes over dd's measured time,
i.e. the predicted time of the transfer against dd's time; dd's own rate (2 MiB over its time,
9% fewer bytes) is printed beside it. Also prints, per capture, the transfer the model timed (its
bulk IN stream's full-size reads, as captured) beside what sweep.txt measured at that delay, so
that time outside the transfer (dd starting and ending) shows.

usage: check_sweep.py USBIP_ANALYZE CAPTURES_DIR [--svg FILE]
  --svg FILE   also draw measured against predicted with gnuplot (analyzer/README.md shows it)
"""

import os
import subprocess
import sys
import tempfile

from lab_results import rows, what_if

TOLERANCE = 0.25
# capture -> the delays (ms) whose measured throughput it must predict
TARGETS = {"sweep-0ms.pcap": None, "sweep-100ms.pcap": [0, 20]}  # None: every other delay


def measured(path):
    """delay_ms -> bytes per second, from the lab's "delay_ms bytes elapsed_ms" rows."""
    return {r[0]: (r[1] / (r[2] / 1000.0), r[1]) for name, r in rows(path) if name is None and len(r) == 3}


def predicted(analyze, capture, delays):
    """The capture's main bulk IN stream: rtt (ms) -> predicted bytes per second, and the stream."""
    streams = [s for d in what_if(analyze, capture, delays)["devices"] for s in d["streams"]
               if s["direction"] == "in"]
    if not streams:
        sys.exit(f"{capture}: no bulk IN stream in the what-if model")
    main = max(streams, key=lambda s: s["bytes"])
    return {round(q["rtt"] * 1000): q["throughput_Bps"] for q in main["predictions"]}, main


def draw(path, truth, curves):
    """measured points and one predicted curve per capture, throughput against delay, as SVG."""
    with tempfile.TemporaryDirectory() as tmp:
        dat = os.path.join(tmp, "sweep.dat")
        with open(dat, "w") as f:
            f.write("# delay_ms measured_kB_per_s\n")
            f.writelines(f"{max(d, 1)} {truth[d][0] / 1e3}\n" for d in sorted(truth))
            for name, pred in curves.items():
                f.write(f"\n\n# predicted from {name}: rtt_ms kB_per_s\n")
                f.writelines(f"{max(d, 1)} {pred[d] / 1e3}\n" for d in sorted(pred))
        plots = [f"'{dat}' index 0 using 1:2 with points pt 7 ps 1.5 title 'measured (dd in the lab guest)'"]
        plots += [f"'{dat}' index {i + 1} using 1:2 with linespoints title 'predicted from {name}'"
                  for i, name in enumerate(curves)]
        script = (f"set terminal svg size 900,500 dynamic font 'sans,12' background '#ffffff'\n"
                  f"set output '{path}'\nset title 'usb-storage read over USB/IP: measured against "
                  f"the what-if model' noenhanced\nset xlabel 'added delay, server to client (ms; 0 drawn at 1)'\n"
                  f"set logscale x\nset xtics ('0' 1, '10' 10, '20' 20, '50' 50, '100' 100, '200' 200, "
                  f"'500' 500, '1000' 1000)\n"
                  f"set ylabel 'throughput (kB/s)'\nset logscale y\nset grid\nset key top right\n"
                  f"plot {', '.join(plots)}\n")
        subprocess.run(["gnuplot"], input=script, text=True, check=True)


def rate(bps):
    return f"{bps / 1e6:.2f} MB/s" if bps >= 1e6 else f"{bps / 1e3:.1f} kB/s"


analyze, captures = sys.argv[1], sys.argv[2]
svg = sys.argv[4] if len(sys.argv) == 5 and sys.argv[3] == "--svg" else None
truth = measured(os.path.join(captures, "sweep.txt"))
curves = {}
failures = 0
for capture, wanted in TARGETS.items():
    own = int(capture.split("-")[1].rstrip("ms.pcap"))
    delays = wanted if wanted is not None else sorted(d for d in truth if d != own)
    pred, stream = predicted(analyze, os.path.join(captures, capture), sorted(set(truth) | {500, 1000}))
    curves[capture] = pred
    print(f"from {capture}: the model's transfer is {stream['bytes']} bytes in {stream['urbs']} "
          f"URBs, {stream['captured_duration'] * 1e3:.1f} ms as captured; sweep.txt at {own} ms: "
          f"{truth[own][1]} bytes in {truth[own][1] / truth[own][0] * 1e3:.1f} ms")
    print(f"  {'delay':>7} {'dd time':>9} {'measured':>12} {'predicted':>12} {'error':>7}   "
          f"{'dd rate':>11} {'error':>7}")
    for d in sorted(truth):
        dd_rate, nbytes = truth[d]
        elapsed = nbytes / dd_rate
        measured_rate = stream["bytes"] / elapsed  # the transfer's bytes over dd's measured time
        err = pred[d] / measured_rate - 1
        checked = d in delays
        bad = checked and abs(err) > TOLERANCE
        failures += bad
        note = "FAIL" if bad else "ok" if checked else "(own delay)" if d == own else "(not checked)"
        print(f"  {d:>5}ms {elapsed * 1e3:>7.0f}ms {rate(measured_rate):>12} {rate(pred[d]):>12} {err:+7.1%}   "
              f"{rate(dd_rate):>11} {pred[d] / dd_rate - 1:+7.1%}  {note}")
if svg:
    draw(svg, truth, curves)
print(f"{failures} prediction(s) outside {TOLERANCE:.0%}")
sys.exit(1 if failures else 0)
