#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_crossformat.py -- one real session recorded twice by the lab (USB/IP on lo, and usbmon on
the client's vhci_hcd bus) must give usbip-analyze the same URBs in both formats: per endpoint and
direction, the same URB count, bytes and statuses.

usage: check_crossformat.py USBIP_ANALYZE USBIP_CAPTURE USBMON_CAPTURE

Differences that the two views have by nature are removed first: an URB the client unlinked is
"unlinked" in both (no RET_SUBMIT on the wire; -ENOENT/-ECONNRESET on usbmon); an URB unanswered
when the connection closed is -ESHUTDOWN on usbmon (given back at the disconnect); on usbmon, address 1 is the bus's
root hub (its hub requests never cross USB/IP) and SET_ADDRESS is handled inside vhci_hcd (it never
reaches the wire); the device's requests at address 0 before SET_ADDRESS are its own.
"""
import collections
import csv
import io
import subprocess
import sys

SET_ADDRESS_SETUP_PREFIX = "0005"  # bmRequestType 0x00, bRequest 0x05
# The status a client gives back for a URB it unlinked (usb_kill_urb, usb_unlink_urb).
UNLINKED_STATUSES = ("ENOENT", "ECONNRESET")
# An URB still unanswered when the USB/IP connection closes (the detach) is given back by the
# client's USB core with -ESHUTDOWN as the device goes away; on the wire it simply has no answer.
DISCONNECT_STATUS = "ESHUTDOWN"


def final_status(row, usbmon):
    """What became of the URB on the client. On USB/IP an URB unlinked before its answer has no
    RET_SUBMIT (the client gave it back itself); usbmon shows that give-back as -ENOENT or
    -ECONNRESET."""
    if usbmon and row["status_name"] in UNLINKED_STATUSES:
        return "unlinked"
    if not usbmon and row["outcome"] == "unlinked" and not row["complete_time"]:
        return "unlinked"
    if not usbmon and row["outcome"] == "connection-closed" and not row["complete_time"]:
        return DISCONNECT_STATUS
    return row["status_name"] or "pending"


def account(analyze, capture, usbmon):
    out = subprocess.run([analyze, "--urbs", "-", capture], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"usbip-analyze {capture} exited {out.returncode}: {out.stderr.strip()}")
    per_ep = collections.defaultdict(lambda: [0, 0, collections.Counter()])
    for r in csv.DictReader(io.StringIO(out.stdout)):
        if usbmon and (int(r["devid"]) & 0xFFFF == 1 or r["setup"].startswith(SET_ADDRESS_SETUP_PREFIX)):
            continue
        e = per_ep[(int(r["endpoint"]), r["direction"])]
        e[0] += 1
        e[1] += int(r["actual_length"] or 0)
        e[2][final_status(r, usbmon)] += 1
    return {k: (v[0], v[1], dict(v[2])) for k, v in per_ep.items()}


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: check_crossformat.py USBIP_ANALYZE USBIP_CAPTURE USBMON_CAPTURE")
    analyze, tcp, mon = sys.argv[1:]
    a, b = account(analyze, tcp, False), account(analyze, mon, True)
    diffs = 0
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            diffs += 1
            print(f"DIFF ep {key[0]} {key[1]}: USB/IP {a.get(key)} usbmon {b.get(key)}")
    urbs = sum(v[0] for v in a.values())
    print(f"{tcp} vs {mon}: {len(a)} endpoint directions, {urbs} URBs, {diffs} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
