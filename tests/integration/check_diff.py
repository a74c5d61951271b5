#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_diff.py -- usbip-analyze --diff on the bundled pairs of real captures.

- Each side's URB count is the number of CMD_SUBMITs tshark's usbip dissector decodes.
- arduino-0ms against arduino-300ms (netem added 300 ms to every answer): different (exit 1), every
  answer about 300 ms later (a uniform shift, median 295-310 ms), BAD's session shorter, the
  first divergence on the bulk endpoints (another answer or another command) after the STK500
  exchange began alike; both sides' STK500 class views.
- sweep-0ms against sweep-100ms (the same read, 100 ms added): alike (exit 0), every URB aligned,
  a uniform shift of 95-110 ms, both sides' SCSI class views.
- enum-recover against enum-timeout: different (exit 1); the first divergence is GET_DESCRIPTOR
  (DEVICE), answered in GOOD and not in BAD.
- android against itself: two models on one busid, exit 2 naming --device; with --device
  18d1:4ee1, alike.
- serial against serial-usbmon (the same session on the client's usbmon, which has no import
  record and holds the root hub and the default address too): the FTDI is known by its device
  descriptor and paired by its model, with or without --device 0403:6001; BAD's URBs are the
  submissions tshark's usbmon decoding shows for that device; --busid, which usbmon has not, exit 2.
- storage against itself: alike, no shift. storage against hid: different devices, exit 2 with one
  line naming both. Usage errors (one capture, --busid without --diff, --diff with --what-if)
  exit 2, a missing capture 3.

usage: check_diff.py USBIP_ANALYZE CAPTURES_DIR
"""
import json
import os
import subprocess
import sys

analyze, caps = sys.argv[1], sys.argv[2]
errors = []


def cap(name):
    return os.path.join(caps, name)


def diff(*args):
    p = subprocess.run([analyze, "--diff", *args], capture_output=True, text=True)
    doc = json.loads(p.stdout)["diff"] if "--json" in args and p.returncode in (0, 1) else None
    return p, doc


def cmd_submits(capture):
    """The CMD_SUBMITs tshark's usbip dissector decodes (several PDUs of one frame count each)."""
    out = subprocess.run(["tshark", "-r", capture, "-d", "tcp.port==3240,usbip", "-o",
                          "tcp.reassemble_out_of_order:TRUE", "-Y", "usbip", "-T", "fields", "-e", "usbip.urb"],
                         capture_output=True, text=True, check=True).stdout
    return sum(1 for field in out.replace(",", " ").split() if int(field, 0) == 1)


def usbmon_submits(capture, bus, address):
    """The 'S' records tshark's usbmon decoding shows for one device."""
    out = subprocess.run(["tshark", "-r", capture, "-T", "fields", "-e", "usb.urb_type", "-e", "usb.bus_id",
                          "-e", "usb.device_address"], capture_output=True, text=True, check=True).stdout
    return sum(1 for line in out.splitlines() if line.split("\t") == ["'S'", str(bus), str(address)])


def expect(cond, what):
    if not cond:
        errors.append(what)


# arduino: 0 ms against 300 ms
p, d = diff("--json", cap("arduino-0ms.pcap"), cap("arduino-300ms.pcap"))
expect(p.returncode == 1, f"arduino: exit {p.returncode}, want 1 ({p.stderr.strip()})")
if d:
    expect(d["good"]["urbs"] == cmd_submits(cap("arduino-0ms.pcap")), f"arduino GOOD urbs {d['good']['urbs']}")
    expect(d["bad"]["urbs"] == cmd_submits(cap("arduino-300ms.pcap")), f"arduino BAD urbs {d['bad']['urbs']}")
    shift = d["latency_shift"]
    expect(shift and shift["uniform"] and 0.295 <= shift["median"] <= 0.310, f"arduino shift {shift}")
    expect(d["aligned"] + d["only_good"] == d["good"]["urbs"] and d["bad"]["urbs"] < d["good"]["urbs"],
           f"arduino counts {d['aligned']} + {d['only_good']}")
    first = d["first_divergence"]
    # avrdude's STK500 exchange: the first that differs is on the bulk endpoints, after the
    # enumeration and the first exchanges went alike: a read answered in GOOD and not in BAD, or
    # (in BAD's order, once its avrdude gave up) another command than GOOD's
    expect(first and first["kind"] in ("answer", "request") and first["good"] and first["bad"] and
           first["good"]["ep"] in (1, 2) and first["alike_before"] > 10 and
           (first["good"]["outcome"] != first["bad"]["outcome"] or first["good"]["data"] != first["bad"]["data"]),
           f"arduino first divergence {first}")
    expect("300 ms later" in d["cause"] or "301 ms later" in d["cause"], f"arduino cause: {d['cause']}")
    stk = [d["class"].get(k, {}).get("serial", {}).get("stk500") for k in ("good", "bad")]
    expect(all(stk), f"arduino: no STK500 view of both sides: {list(d['class'])}")

# sweep: 0 ms against 100 ms
p, d = diff("--json", cap("sweep-0ms.pcap"), cap("sweep-100ms.pcap"))
expect(p.returncode == 0, f"sweep: exit {p.returncode}, want 0 ({p.stderr.strip()})")
if d:
    expect(d["aligned"] == d["good"]["urbs"] == d["bad"]["urbs"] == cmd_submits(cap("sweep-0ms.pcap")),
           f"sweep: {d['aligned']} aligned of {d['good']['urbs']} and {d['bad']['urbs']}")
    shift = d["latency_shift"]
    expect(shift and shift["uniform"] and 0.095 <= shift["median"] <= 0.110, f"sweep shift {shift}")
    expect(d["first_divergence"] is None, f"sweep: divergence {d['first_divergence']}")
    expect(all("mass_storage" in d["class"].get(k, {}) for k in ("good", "bad")),
           f"sweep: no SCSI view of both sides: {list(d['class'])}")

# enumeration: recovered against timed out
p, d = diff("--json", cap("enum-recover.pcap"), cap("enum-timeout.pcap"))
expect(p.returncode == 1, f"enum: exit {p.returncode}, want 1 ({p.stderr.strip()})")
if d:
    first = d["first_divergence"]
    expect(first and first["good"]["request"] == "ep 0 IN GET_DESCRIPTOR(DEVICE)" and
           first["good"]["outcome"] == "completed" and first["bad"]["outcome"] != "completed",
           f"enum first divergence {first}")

# a capture against itself
p, d = diff("--json", cap("storage.pcap"), cap("storage.pcap"))
expect(p.returncode == 0 and d and d["differ"] == 0 and d["only_good"] == d["only_bad"] == 0 and
       d["latency_shift"]["median"] == 0, f"storage against itself: exit {p.returncode}, {d and d['latency_shift']}")
p, _ = diff(cap("storage.pcap"), cap("storage.pcap"))
expect(p.returncode == 0 and "No divergence" in p.stdout, "storage against itself: text")

# the same session over USB/IP and on the client's usbmon: the device known by its descriptor
usbmon = cap("serial-usbmon.pcap")
for extra in ([], ["--device", "0403:6001"]):
    p, d = diff("--json", *extra, cap("serial.pcap"), usbmon)
    expect(p.returncode in (0, 1) and d and d["bad"]["device"] == "0403:6001 (device 1-2)" and
           d["bad"]["urbs"] == usbmon_submits(usbmon, 1, 2) and d["good"]["urbs"] == cmd_submits(cap("serial.pcap")),
           f"serial against its usbmon {extra}: exit {p.returncode}, {d and (d['good'], d['bad'])}, {p.stderr.strip()!r}")
p, _ = diff("--busid", "17-1", cap("serial.pcap"), usbmon)
expect(p.returncode == 2 and "0403:6001 (device 1-2)" in p.stderr,
       f"serial against its usbmon --busid: exit {p.returncode}, {p.stderr.strip()!r}")

# a busid re-enumerated: the phone's two personalities share busid 19-1, --device picks one
p, _ = diff(cap("android.pcap"), cap("android.pcap"))
expect(p.returncode == 2 and "--device" in p.stderr, f"android, two models: exit {p.returncode}, {p.stderr.strip()!r}")
p, d = diff("--json", "--device", "18d1:4ee1", cap("android.pcap"), cap("android.pcap"))
expect(p.returncode == 0 and d and "18d1:4ee1" in d["good"]["device"] and d["differ"] == 0,
       f"android --device 18d1:4ee1: exit {p.returncode}, {d and d['good']}")

# errors
p, _ = diff(cap("storage.pcap"), cap("hid.pcap"))
lines = p.stderr.strip().splitlines()
expect(p.returncode == 2 and len(lines) == 1 and "46f4:0001" in lines[0] and "0627:0001" in lines[0],
       f"different devices: exit {p.returncode}, {p.stderr.strip()!r}")
for args, code in [(["--diff", cap("storage.pcap")], 2), (["--busid", "1-1", cap("storage.pcap")], 2),
                   (["--diff", "--device", "18d1", cap("storage.pcap"), cap("storage.pcap")], 2),
                   (["--diff", "--what-if", "10ms", cap("storage.pcap"), cap("storage.pcap")], 2),
                   (["--diff", cap("storage.pcap"), "/nonexistent.pcap"], 3)]:
    p = subprocess.run([analyze, *args], capture_output=True, text=True)
    expect(p.returncode == code and len(p.stderr.strip().splitlines()) == 1,
           f"{' '.join(args[:2])}: exit {p.returncode} (want {code}), stderr {p.stderr.strip()!r}")

for e in errors:
    print("FAIL", e)
print(f"{len(errors)} problem(s)")
sys.exit(1 if errors else 0)
