#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_usbmon_start.py -- a usbmon capture begins while the bus is running: an URB submitted
before it may complete inside it (a keyboard's interrupt IN, the root hub's status URB). That is
not a problem in the traffic. Made real by cutting one submission out of a real usbmon capture
with editcap (the submission and its completion found by tshark's usb fields): the analyzer must
still exit as it does on the whole capture, count the completion in completions_before_capture,
and drop exactly that URB from its endpoint.

usage: check_usbmon_start.py USBIP_ANALYZE USBMON_CAPTURE
"""
import json
import os
import subprocess
import sys
import tempfile


def first_answered_submission(capture):
    """(frame, bus, device, endpoint) of the first 'S' whose URB id next shows up as a 'C'."""
    out = subprocess.run(["tshark", "-r", capture, "-T", "fields", "-e", "frame.number", "-e", "usb.urb_type",
                          "-e", "usb.urb_id", "-e", "usb.bus_id", "-e", "usb.device_address",
                          "-e", "usb.endpoint_address"], capture_output=True, text=True, check=True).stdout
    open_submissions = {}
    for line in out.splitlines():
        frame, kind, urb_id, bus, dev, ep = line.split("\t")
        if kind == "'S'":
            open_submissions[urb_id] = (int(frame), int(bus), int(dev), int(ep, 16))
        elif kind == "'C'" and urb_id in open_submissions:
            return open_submissions[urb_id]
    return None


def report(analyze, capture):
    p = subprocess.run([analyze, "--json", capture], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"usbip-analyze {capture} exited {p.returncode}: {p.stderr.strip()}")
    return p.returncode, json.loads(p.stdout)


def endpoint_urbs(doc, bus, dev, ep):
    for d in doc["devices"]:
        if d["devid"] == (bus << 16 | dev):
            for e in d["endpoints"]:
                if e["ep"] == ep & 15 and e["direction"] == ("in" if ep & 0x80 else "out"):
                    return e["urbs"]
    return 0


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_usbmon_start.py USBIP_ANALYZE USBMON_CAPTURE")
    analyze, capture = sys.argv[1:]
    cut = first_answered_submission(capture)
    if cut is None:
        sys.exit(f"{capture}: no submission with its completion (tshark found none)")
    frame, bus, dev, ep = cut
    whole_rc, whole = report(analyze, capture)
    with tempfile.TemporaryDirectory() as tmp:
        late = os.path.join(tmp, "late.pcap")
        subprocess.run(["editcap", "-F", "pcap", capture, late, str(frame)], check=True)
        late_rc, late_doc = report(analyze, late)
    errors = []
    if late_rc != whole_rc:
        errors.append(f"exit {late_rc} without frame {frame}, {whole_rc} on the whole capture")
    before = late_doc["accounting"]["completions_before_capture"]
    if before != 1:
        errors.append(f"completions_before_capture {before}, want 1")
    if late_doc["accounting"]["anomalies"] != whole["accounting"]["anomalies"]:
        errors.append(f"anomalies {late_doc['accounting']['anomalies']}, whole capture "
                      f"{whole['accounting']['anomalies']}")
    n_whole, n_late = endpoint_urbs(whole, bus, dev, ep), endpoint_urbs(late_doc, bus, dev, ep)
    if n_late != n_whole - 1:
        errors.append(f"bus {bus} device {dev} ep 0x{ep:02x}: {n_late} URBs, want {n_whole - 1}")
    for e in errors:
        print(f"FAIL {capture}: {e}")
    if not errors:
        print(f"{capture}: frame {frame} (bus {bus} device {dev} ep 0x{ep:02x}) cut: "
              f"one completion before the capture, exit {late_rc} as whole")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
