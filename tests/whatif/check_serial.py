#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_serial.py -- the what-if model against the real stack, serial case: the lab's Arduino
scenario timed Debian's avrdude programming an STK500v1 bootloader through qemu's FTDI at each added
delay (arduino.txt, "delay_ms avrdude_exit elapsed_ms", timed in the guest); from each given
capture (arduino-Nms.pcap, or .pcap.gz) the predicted avrdude session at every other delay where
avrdude succeeded must be within 25% of the measured one. Expected values come only from
arduino.txt.

The capture holds more than avrdude: the attach's enumeration before it. avrdude's session is
everything from the device's last answer before the program opened the port (the start of the
device's longest idle stretch, nothing outstanding, before its first bulk URB: the guest noticing
/dev/ttyUSB0 and avrdude starting, which arduino.txt times too) to the capture's last answer (the
close). Its predicted duration is the model's whole-session prediction less its prediction for the
capture cut just before the port was opened (editcap), the enumeration alone.

usage: check_serial.py USBIP_ANALYZE DIR [FROM_MS ...]
  DIR holds arduino.txt and arduino-FROM_MSms.pcap for each FROM_MS (default: 0)
"""

import csv
import io
import os
import subprocess
import sys
import tempfile

from lab_results import capture_path, rows, what_if

TOLERANCE = 0.25


def measured(path):
    """delay_ms -> (avrdude exit code, seconds), from the lab's rows."""
    return {r[0]: (r[1], r[2] / 1000.0) for name, r in rows(path) if name is None and len(r) == 3}


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return p.stdout


def port_opened(analyze, capture):
    """The frame of the first URB after the device's longest idle stretch before its first bulk
    URB, and that stretch's length (s)."""
    urbs = sorted(csv.DictReader(io.StringIO(run([analyze, "--urbs", "-", capture]))),
                  key=lambda r: float(r["submit_time"]))
    done, opened, idle = 0.0, None, 0.0
    for i, r in enumerate(urbs):
        submit = float(r["submit_time"])
        outstanding = any(not u["complete_time"] or float(u["complete_time"]) > submit for u in urbs[:i])
        if i and not outstanding and submit - done > idle:
            opened, idle = r, submit - done
        if r["type"] == "bulk":
            break
        done = max(done, float(r["complete_time"] or 0))
    if opened is None:
        sys.exit(f"{capture}: no idle stretch before the first bulk URB")
    return int(opened["submit_frame"]), idle


def durations(analyze, capture, delays):
    """rtt (ms) -> the predicted session duration (s) of the capture's only device."""
    devices = what_if(analyze, capture, delays)["devices"]
    if len(devices) != 1:
        sys.exit(f"{capture}: {len(devices)} devices in the what-if model, expected the FTDI alone")
    return {round(q["rtt"] * 1000): q["duration"] for q in devices[0]["predictions"]}


def check(analyze, folder, own, truth, scratch):
    """The predictions from arduino-OWNms.pcap; the number outside the tolerance."""
    name = f"arduino-{own}ms.pcap"
    capture = capture_path(folder, name, scratch)
    frame, idle = port_opened(analyze, capture)
    delays = sorted(truth)
    whole = durations(analyze, capture, delays)
    before = os.path.join(scratch, "before-open.pcap")
    subprocess.run(["editcap", "-r", capture, before, f"1-{frame - 1}"], check=True)
    enumeration = durations(analyze, before, delays)
    print(f"from {name}: the port is opened at frame {frame}, after {idle * 1e3:.0f} ms with nothing "
          f"outstanding; the attach before it is predicted to take {enumeration[own]:.3f} s at {own} ms")
    print(f"  {'delay':>7} {'avrdude':>8} {'measured':>10} {'predicted':>10} {'error':>7}")
    failures = 0
    for d in delays:
        rc, seconds = truth[d]
        pred = whole[d] - enumeration[d]
        err = pred / seconds - 1
        checked = d != own and rc == 0
        bad = checked and abs(err) > TOLERANCE
        failures += bad
        note = ("FAIL" if bad else "ok") if checked else "(own delay)" if d == own else \
               "(not checked: avrdude failed, which the model does not predict)"
        print(f"  {d:>5}ms {'exit ' + str(rc):>8} {seconds:>9.2f}s {pred:>9.2f}s {err:+7.0%}  {note}")
    return failures


def main():
    analyze, folder = sys.argv[1], sys.argv[2]
    froms = [int(x) for x in sys.argv[3:]] or [0]
    truth = measured(os.path.join(folder, "arduino.txt"))
    with tempfile.TemporaryDirectory() as scratch:
        failures = sum(check(analyze, folder, own, truth, scratch) for own in froms)
    print(f"{failures} prediction(s) outside {TOLERANCE:.0%}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
