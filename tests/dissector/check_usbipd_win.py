#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_usbipd_win.py -- the plugin inside the real tshark on a usbipd-win capture file
(synthetic: made from a real Linux session by tests/synthetic/usbipd_win/make_usbipd_win.py, which
follows usbipd-win's Usbipd/PcapNg.cs). Wireshark's USB dissector decodes the usbmon records of the
"USB" interface; the plugin decodes the unlink records of the "UNLINK" interface, marks each as
usbipd-win's (a Note), and raises no warning for their URBs being on the other interface.

usage: check_usbipd_win.py PLUGIN SESSION.pcap
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tshark_plugin import BAD_SIGNS, Tshark, usbipx_pdus, usbipx_warnings  # noqa: E402

MAKE = os.path.join(HERE, "..", "synthetic", "usbipd_win", "make_usbipd_win.py")


def main():
    plugin, session = sys.argv[1:3]
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        synthetic = os.path.join(tmp, os.path.basename(session).replace(".pcap", "-synthetic.pcapng"))
        subprocess.run([sys.executable, MAKE, session, synthetic], check=True)
        ts = Tshark(plugin)
        try:
            cap = ts.stage(synthetic, "usbipd-win-synthetic.pcapng")
            pdus = usbipx_pdus(ts, cap, ooo=False)
            expert = ts.run(["-r", cap, "-2", "-q", "-z", "expert,note"], ooo=False)
            usb = ts.run(["-r", cap, "-2", "-Y", "usb.urb_type", "-T", "fields", "-e", "frame.number"], ooo=False)
        finally:
            ts.close()
    text = expert.stdout + expert.stderr
    if expert.returncode != 0 or "Malformed" in text or any(b in text for b in BAD_SIGNS):
        errors.append(f"malformed packets or dissector bugs:\n{text.strip()[:1500]}")
    commands = [int(p["usbipx.command"]) for _, _, p in pdus if "usbipx.command" in p]
    if not commands or any(c not in (2, 4) for c in commands):
        errors.append(f"the plugin should decode the unlink records only: {sorted(set(commands))}")
    notes = [line for line in text.splitlines() if "USBIPX" in line and "usbipd-win unlink record" in line]
    count = int(notes[0].split()[0]) if notes else 0
    if count != len(commands):
        errors.append(f"{len(commands)} unlink PDUs, {count} marked as usbipd-win's")
    errors += [f"warning on usbipd-win's unlinks: {w}" for w in usbipx_warnings(text)]
    if not usb.stdout.split():
        errors.append("Wireshark's USB dissector decoded no usbmon record")
    for e in errors:
        print("FAIL:", e)
    print(f"{os.path.basename(session)}: {len(commands)} unlink PDUs, {len(usb.stdout.split())} usbmon records, "
          f"{len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
