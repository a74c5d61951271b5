#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""compare_tshark.py -- check usbip-analyze's per-URB account of a real capture against the
fields of tshark's built-in `usbip` dissector (a real, independent peer), or for a usbmon capture
(link types 189 and 220) against tshark's `usb` fields.

usage: compare_tshark.py USBIP_ANALYZE CAPTURE

USB/IP on another port than 3240 is found by the analyzer's --any-port and decoded by tshark on
that port. A capture in which tshark decodes no URB at all is a failure (nothing was compared).
In a capture with TCP gaps the built-in loses the framing after a gap: the analyzer may frame
more PDUs there, but every PDU tshark decodes must still agree.

tshark runs with tcp.reassemble_out_of_order on: Wireshark 4.0 otherwise never hands a
reordered segment to usbip (the lab's enum-recover capture has netem-reordered answers).

usbmon: every analyzer row's submit and completion frames must be tshark's 'S' and 'C' events of
one URB id, on the same bus, device, endpoint and direction, with the same status and actual
length; every 'S' and 'C' tshark sees must be in some row.

For every CMD_SUBMIT and RET_SUBMIT that tshark decodes, the analyzer's --urbs row with the same
seqnum must agree on endpoint, direction, transfer_buffer_length, status, actual_length and on the
capture times of both PDUs (hence the latency). Counts must agree too. The accounting's
receive-window waits per side must be tshark's tcp.analysis.window_full segments from that side
(where the capture has no TCP gap: a dropped segment hides where a window filled). Exits 1 on any
difference.
"""
import csv
import io
import json
import struct
import subprocess
import sys

USBMON_LINKTYPES = (189, 220)

CMD_SUBMIT, RET_SUBMIT = 1, 3


def usbip_ports(analyze, capture):
    """The analyzer options that find the capture's USB/IP, the server ports it is on (port
    3240, or any port by content: the lab's hostnet capture runs through a relay's port), and
    the analyzer's accounting."""
    for opts in ([], ["--any-port"]):
        p = subprocess.run([analyze, "--json"] + opts + [capture], capture_output=True, text=True)
        if p.returncode in (0, 1) and p.stdout.strip():
            doc = json.loads(p.stdout)
            ports = sorted({int(d["connection_label"].rsplit(":", 1)[1]) for d in doc["devices"]})
            if ports:
                return opts, ports, doc["accounting"]
    return [], [3240], {"tcp_gaps": 0, "window_waits": None}


def tshark_window_full(capture, ports):
    """tshark's window_full segments: from the server, to the server."""
    counts = []
    for field in ("tcp.srcport", "tcp.dstport"):
        sides = " || ".join(f"{field} == {port}" for port in ports)
        out = subprocess.run(["tshark", "-r", capture, "-Y", f"tcp.analysis.window_full && ({sides})",
                              "-T", "fields", "-e", "frame.number"], capture_output=True, text=True,
                             check=True).stdout
        counts.append(len(out.split()))
    return {"server": counts[0], "client": counts[1]}


def tshark_pdus(capture, ports):
    decode = [a for port in ports for a in ("-d", f"tcp.port=={port},usbip")]
    out = subprocess.run(
        ["tshark", "-r", capture] + decode + ["-o", "tcp.reassemble_out_of_order:TRUE",
         "-T", "json", "--no-duplicate-keys", "-J", "frame usbip"],
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
                # --no-duplicate-keys keeps every PDU of a frame (a list of usbip layers) and
                # turns a field the dissector adds twice into a list of equal values
                pdus.append((t, {k: v[0] if isinstance(v, list) else v for k, v in u.items()}))
    return pdus


def nsec(epoch_text):
    sec, _, frac = epoch_text.partition(".")
    return int(sec) * 10**9 + int((frac + "000000000")[:9])


def pcap_linktype(capture):
    """The link type of a classic pcap file (None for pcapng or anything else)."""
    with open(capture, "rb") as f:
        head = f.read(24)
    if len(head) < 24:
        return None
    for order in ("<", ">"):
        if struct.unpack(order + "I", head[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D):
            return struct.unpack(order + "I", head[20:24])[0] & 0x0FFFFFFF
    return None


def analyzer_rows(analyze, capture, opts=()):
    rows = subprocess.run([analyze, "--urbs", "-"] + list(opts) + [capture], capture_output=True, text=True)
    if rows.returncode not in (0, 1):
        sys.exit(f"usbip-analyze failed ({rows.returncode}): {rows.stderr.strip()}")
    return list(csv.DictReader(io.StringIO(rows.stdout)))


def compare_usbmon(analyze, capture):
    fields = ["frame.number", "usb.urb_type", "usb.urb_id", "usb.bus_id", "usb.device_address",
              "usb.endpoint_address.number", "usb.endpoint_address.direction", "usb.urb_status",
              "usb.urb_len"]
    out = subprocess.run(["tshark", "-r", capture, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"] +
                         sum((["-e", f] for f in fields), []), capture_output=True, text=True,
                         check=True).stdout
    events = {}
    for line in out.splitlines():
        v = dict(zip(fields, line.split("\t")))
        if not v.get("usb.urb_type"):
            continue
        kind = v["usb.urb_type"].strip("'")[:1]  # tshark prints the character quoted
        events[int(v["frame.number"])] = (kind, int(v["usb.urb_id"], 0), int(v["usb.bus_id"]),
                                          int(v["usb.device_address"]),
                                          int(v["usb.endpoint_address.number"]),
                                          "in" if int(v["usb.endpoint_address.direction"]) else "out",
                                          int(v["usb.urb_status"]), int(v["usb.urb_len"]))
    errors, used = [], set()
    rows = analyzer_rows(analyze, capture)
    for r in rows:
        devid = int(r["devid"])
        where = (devid >> 16, devid & 0xFFFF, int(r["endpoint"]), r["direction"])
        for key, kind in (("submit_frame", "S"), ("complete_frame", "C")):
            if not r[key]:
                continue
            frame = int(r[key])
            ev = events.get(frame)
            used.add(frame)
            if not ev or ev[0] != kind or ev[2:6] != where:
                errors.append(f"frame {frame}: analyzer {kind} {where}, tshark {ev}")
            elif kind == "C" and (ev[6], ev[7]) != (int(r["status"]), int(r["actual_length"])):
                errors.append(f"frame {frame}: status/length tshark {ev[6:8]} analyzer "
                              f"{(r['status'], r['actual_length'])}")
        if r["submit_frame"] and r["complete_frame"]:
            s, c = events.get(int(r["submit_frame"])), events.get(int(r["complete_frame"]))
            if s and c and s[1] != c[1]:
                errors.append(f"frames {r['submit_frame']}/{r['complete_frame']}: URB ids differ")
    unused = sorted(set(events) - used)
    if unused:
        errors.append(f"{len(unused)} usbmon events tshark decodes are in no analyzer row: "
                      f"frames {unused[:10]}")
    for e in errors[:20]:
        print("DIFF", e)
    print(f"{capture}: {len(events)} usbmon events in {len(rows)} URBs compared, "
          f"{len(errors)} differences")
    return 1 if errors else 0


def main():
    analyze, capture = sys.argv[1], sys.argv[2]
    if pcap_linktype(capture) in USBMON_LINKTYPES:
        return compare_usbmon(analyze, capture)
    opts, ports, accounting = usbip_ports(analyze, capture)
    gaps = accounting["tcp_gaps"] > 0
    urbs = {int(r["seqnum"]): r for r in analyzer_rows(analyze, capture, opts)}
    cmds, rets = {}, {}
    for t, u in tshark_pdus(capture, ports):
        kind = int(u["usbip.urb"], 0)
        seq = int(u["usbip.sequence_no"])
        if kind == CMD_SUBMIT:
            cmds[seq] = (t, u)
        elif kind == RET_SUBMIT:
            rets[seq] = (t, u)
    errors = []
    if not cmds and not rets:
        errors.append(f"tshark decoded no URB on port(s) {ports}: nothing to compare")
    submitted = {s for s, r in urbs.items() if r["submit_time"]}
    completed = {s for s, r in urbs.items() if r["complete_time"]}
    # After a TCP gap the built-in dissector loses the framing and misses PDUs the analyzer
    # finds again by resynchronizing: there, only what tshark decodes must be in the analyzer's.
    if submitted != set(cmds) and not (gaps and set(cmds) <= submitted):
        errors.append(f"CMD_SUBMIT seqnums differ: only analyzer {sorted(submitted - set(cmds))[:10]}, "
                      f"only tshark {sorted(set(cmds) - submitted)[:10]}")
    if completed != set(rets) and not (gaps and set(rets) <= completed):
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
    if not gaps:
        full = tshark_window_full(capture, ports)
        if accounting["window_waits"] != full:
            errors.append(f"receive-window waits: tshark window_full {full}, analyzer {accounting['window_waits']}")
    for e in errors[:20]:
        print("DIFF", e)
    extra = f"; {len(submitted - set(cmds))} CMD and {len(completed - set(rets))} RET only the analyzer framed (TCP gaps)" if gaps else ""
    print(f"{capture}: {len(cmds)} CMD_SUBMIT and {len(rets)} RET_SUBMIT compared, {len(errors)} differences{extra}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
