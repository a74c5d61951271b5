#!/usr/bin/env python3
"""compare_tshark.py -- check usbip-analyze's per-URB account of a real capture against the
fields of tshark's built-in `usbip` dissector (a real, independent peer).

usage: compare_tshark.py USBIP_ANALYZE CAPTURE

For every CMD_SUBMIT and RET_SUBMIT that tshark decodes, the analyzer's --urbs row with the same
seqnum must agree on endpoint, direction, transfer_buffer_length, status, actual_length and on the
capture times of both PDUs (hence the latency). Counts must agree too. Exits 1 on any difference.
"""
import csv
import io
import json
import subprocess
import sys

CMD_SUBMIT, RET_SUBMIT = 1, 3


def tshark_pdus(capture):
    out = subprocess.run(
        ["tshark", "-r", capture, "-d", "tcp.port==3240,usbip", "-T", "json", "-J", "frame usbip"],
        capture_output=True, text=True, check=True).stdout
    pdus = []
    for pkt in json.loads(out):
        layers = pkt["_source"]["layers"]
        if "usbip" not in layers:
            continue
        t = layers["frame"]["frame.time_epoch"]
        items = layers["usbip"] if isinstance(layers["usbip"], list) else [layers["usbip"]]
        for u in items:
            if "usbip.urb" in u:
                pdus.append((t, u))
    return pdus


def nsec(epoch_text):
    sec, _, frac = epoch_text.partition(".")
    return int(sec) * 10**9 + int((frac + "000000000")[:9])


def main():
    analyze, capture = sys.argv[1], sys.argv[2]
    rows = subprocess.run([analyze, "--urbs", "-", capture], capture_output=True, text=True)
    if rows.returncode not in (0, 1):
        sys.exit(f"usbip-analyze failed ({rows.returncode}): {rows.stderr.strip()}")
    urbs = {}
    for r in csv.DictReader(io.StringIO(rows.stdout)):
        urbs[int(r["seqnum"])] = r
    cmds, rets = {}, {}
    for t, u in tshark_pdus(capture):
        kind = int(u["usbip.urb"], 0)
        seq = int(u["usbip.sequence_no"])
        if kind == CMD_SUBMIT:
            cmds[seq] = (t, u)
        elif kind == RET_SUBMIT:
            rets[seq] = (t, u)
    errors = []
    submitted = {s for s, r in urbs.items() if r["submit_time"]}
    completed = {s for s, r in urbs.items() if r["complete_time"]}
    if submitted != set(cmds):
        errors.append(f"CMD_SUBMIT seqnums differ: only analyzer {sorted(submitted - set(cmds))[:10]}, "
                      f"only tshark {sorted(set(cmds) - submitted)[:10]}")
    if completed != set(rets):
        errors.append(f"RET_SUBMIT seqnums differ: only analyzer {sorted(completed - set(rets))[:10]}, "
                      f"only tshark {sorted(set(rets) - completed)[:10]}")
    for seq, (t, u) in cmds.items():
        r = urbs.get(seq)
        if not r:
            continue
        ep = int(u["usbip.endpoint_number"], 0)
        direction = "in" if int(u["usbip.endpoint_number.direction"], 0) == 1 else "out"
        want = (ep, direction, int(u["usbip.transfer_buffer_length"]), nsec(t))
        got = (int(r["endpoint"]), r["direction"], int(r["transfer_buffer_length"]), nsec(r["submit_time"]))
        if want != got:
            errors.append(f"seqnum {seq} CMD_SUBMIT: tshark {want} analyzer {got}")
    for seq, (t, u) in rets.items():
        r = urbs.get(seq)
        if not r or not r["complete_time"]:
            continue
        want = (int(u["usbip.status"]), int(u["usbip.actual_length"]), nsec(t))
        got = (int(r["status"]), int(r["actual_length"]), nsec(r["complete_time"]))
        if want != got:
            errors.append(f"seqnum {seq} RET_SUBMIT: tshark {want} analyzer {got}")
        elif r["submit_time"] and seq in cmds:
            lat = (nsec(t) - nsec(cmds[seq][0])) / 1e9
            if abs(lat - float(r["latency"])) > 1e-9:
                errors.append(f"seqnum {seq}: latency tshark {lat} analyzer {r['latency']}")
    for e in errors[:20]:
        print("DIFF", e)
    print(f"{capture}: {len(cmds)} CMD_SUBMIT and {len(rets)} RET_SUBMIT compared, {len(errors)} differences")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
