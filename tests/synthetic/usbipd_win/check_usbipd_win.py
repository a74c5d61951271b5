#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_usbipd_win.py -- usbip-analyze must read a usbipd-win capture of a session as it reads
the Linux capture of that session. make_usbipd_win.py writes the synthetic usbipd-win file from
the real Linux session; then:

- every URB (--urbs): seqnum, endpoint, direction, type, setup, lengths, status, submit and
  completion times, latency, queue depths, outcome and unlink status are the same;
- the JSON report of the device: URB count, bytes, duration, enumeration, every endpoint's
  latency quantiles, queue depth, errors, unlinks, and the class view (SCSI, serial, HID);
- the unlinks usbipd-win wrote as IPv4/TCP packets are all used, and the completions it wrote for
  URBs whose unlink won are counted as never sent, one per RET_UNLINK with an error status;
- the report is the same when the file comes on stdin;
- tshark reads the file: every record, the usbmon records as URBs with the session's URB ids,
  the unlinks as USB/IP over TCP with valid checksums.

usage: check_usbipd_win.py [--snaplen N] USBIP_ANALYZE TSHARK SESSION.pcap OUT-synthetic.pcapng

With --snaplen (usbipd-win's SnapLength), records are cut: the URBs must still be the same (their
headers are whole), transfer data is not (no class view), and a cut unlink record is counted as
truncated by the snaplen.

What a usbipd-win capture cannot hold is left out of the comparison, each for its reason: the
connection (no TCP connection, no OP_REP_IMPORT: no busid, VID:PID or speed, so a HID interval is
not converted to milliseconds, and the device is at usbipd-win's busid 1-1, not the Linux
devid), and an URB outstanding when the Linux connection closed, which in usbipd-win's capture
is simply pending at the end.
"""
import csv
import io
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration"))
from check_golden import differences  # noqa: E402
URB_COLUMNS = ("seqnum", "endpoint", "direction", "type", "setup", "transfer_buffer_length",
               "actual_length", "status", "status_name", "submit_time", "complete_time", "latency",
               "queue_depth_device", "queue_depth_endpoint", "outcome", "unlink_status")
# The device's JSON keys that depend on the connection or the import reply (see above).
CONNECTION_KEYS = ("connection", "connection_label", "devid", "busid", "vid", "pid", "speed")
ECONNRESET = -104


def run(cmd, stdin=None):
    p = subprocess.run(cmd, stdin=stdin, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def urbs(analyze, capture):
    rows = []
    for r in csv.DictReader(io.StringIO(run([analyze, "--urbs", "-", capture]))):
        row = {k: r[k] for k in URB_COLUMNS}
        if row["outcome"] == "connection-closed":
            row["outcome"] = "pending-at-end"
        rows.append(row)
    return sorted(rows, key=lambda r: int(r["seqnum"]))


def without_speed(view):
    """A HID view's interval in milliseconds needs the device's speed (from the import reply)."""
    if isinstance(view, dict):
        return {k: without_speed(v) for k, v in view.items() if k != "interval_s"}
    if isinstance(view, list):
        return [without_speed(v) for v in view]
    return view


def device(doc):
    devs = doc["devices"]
    if len(devs) != 1:
        sys.exit(f"{len(devs)} devices in the report, want 1")
    d = {k: v for k, v in devs[0].items() if k not in CONNECTION_KEYS}
    d["class"] = without_speed(d.get("class"))
    return d


def won_unlinks(analyze, session):
    return sum(1 for r in csv.DictReader(io.StringIO(run([analyze, "--urbs", "-", session])))
               if r["unlink_status"] and int(r["unlink_status"]) == ECONNRESET)


def check_accounting(analyze, session, doc, problems):
    acc = doc["accounting"]
    ng = acc.get("pcapng", {})
    if not ng.get("usbipd_win"):
        problems.append("the report does not say it is a usbipd-win capture")
    ignored = {k: v for k, v in acc["packets_ignored"].items() if v}
    if ignored or acc["packets_used"] != doc["packets"]:
        problems.append(f"records not used: {ignored}, {acc['packets_used']} of {doc['packets']}")
    won = won_unlinks(analyze, session)
    if ng.get("unsent_completions") != won:
        problems.append(f"{ng.get('unsent_completions')} completions counted as never sent, "
                        f"want one per unlink that won ({won})")


def check_tshark(tshark, synthetic, want_urbs, problems):
    """tshark reads every record: URB ids of the usbmon records, USB/IP in the unlinks."""
    p = subprocess.run([tshark, "-r", synthetic, "-d", "tcp.port==3240,usbip",
                        "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                        "-T", "fields", "-e", "frame.interface_id", "-e", "usb.urb_id",
                        "-e", "usbip.urb", "-e", "tcp.checksum.status", "-e", "ip.checksum.status"],
                       capture_output=True, text=True)
    err = [ln for ln in p.stderr.splitlines() if not ln.startswith("Running as user")]
    if p.returncode != 0 or err:
        problems.append(f"tshark exited {p.returncode}: {' '.join(err)}")
        return
    ids, unlinks = set(), 0
    for line in p.stdout.splitlines():
        ifid, urb_id, command, tcp_ok, ip_ok = (line.split("\t") + [""] * 5)[:5]
        if ifid == "0":
            ids.add(int(urb_id, 16))
        elif ifid == "1" and command in ("0x00000002", "0x00000004") and tcp_ok == ip_ok == "1":
            unlinks += 1
        else:
            problems.append(f"tshark: record not read as usbipd-win wrote it: {line!r}")
    if ids != {int(r["seqnum"]) for r in want_urbs}:
        problems.append("tshark's URB ids are not the session's seqnums")
    print(f"tshark: {len(p.stdout.splitlines())} records, {len(ids)} URB ids, {unlinks} unlinks")


def check_snaplen(doc, problems):
    """Cut records: every usbmon record still used, every unlink record counted as cut."""
    acc = doc["accounting"]
    cut = acc["packets_ignored"]["truncated by the capture's snaplen"]
    others = {k: v for k, v in acc["packets_ignored"].items() if v and "snaplen" not in k}
    if others or acc["packets_used"] + cut != doc["packets"]:
        problems.append(f"records not used: {others}, {acc['packets_used']} + {cut} cut of "
                        f"{doc['packets']}")


def main():
    args, snap = sys.argv[1:], []
    if args[:1] == ["--snaplen"]:
        snap, args = args[:2], args[2:]
    if len(args) != 4:
        sys.exit(__doc__.strip().split("\n\n")[1].strip())
    analyze, tshark, session, synthetic = args
    subprocess.run([sys.executable, os.path.join(HERE, "make_usbipd_win.py")] + snap
                   + [session, synthetic], check=True)
    problems = []
    want, got = urbs(analyze, session), urbs(analyze, synthetic)
    if want != got:
        pairs = [(a, b) for a, b in zip(want, got) if a != b]
        problems.append(f"URBs differ: {len(want)} against {len(got)}; first {pairs[:1]}")
    doc = json.loads(run([analyze, "--json", synthetic]))
    if snap:
        check_snaplen(doc, problems)
        check_tshark(tshark, synthetic, want, problems)
        return report(session, want, problems)
    with open(synthetic, "rb") as f:
        piped = json.loads(run([analyze, "--json", "-"], stdin=f))
    if {**piped, "capture": doc["capture"]} != doc:
        problems.append("the report differs when the file comes on stdin")
    problems += differences(device(json.loads(run([analyze, "--json", session]))), device(doc))
    check_accounting(analyze, session, doc, problems)
    check_tshark(tshark, synthetic, want, problems)
    return report(session, want, problems)


def report(session, want, problems):
    for p in problems:
        print("DIFF", p)
    print(f"{session} as usbipd-win writes it: {len(want)} URBs, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
